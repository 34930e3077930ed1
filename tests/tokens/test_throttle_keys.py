from http import HTTPStatus

import pytest


@pytest.mark.django_db
def test_a_lone_surrogate_in_the_login_email_is_a_400_not_a_500(api_client):
    """The per-account throttle hashes the address; JSON may carry "\\ud800"."""
    response = api_client.post(
        "/api/auth/token/",
        data='{"email": "a\\ud800@example.com", "password": "whatever password"}',
        content_type="application/json",
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_a_body_over_the_limit_is_413_on_the_login_too(api_client):
    """DRF reads request.body, so Django's size check is what fires: still 413."""
    response = api_client.post(
        "/api/auth/token/",
        data='{"email": "' + "a" * 70_000 + '"}',
        content_type="application/json",
    )
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
