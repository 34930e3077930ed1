"""A cached session whose user row is gone (deleted outside the ORM) is a 401."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import SET_NULL

from tokens.models import RefreshTokenRecord, Session

ENDPOINTS = [
    ("get", "/api/auth/sessions/", None),
    ("post", "/api/auth/logout-all/", {}),
    ("post", "/api/auth/sessions/revoke-others/", {}),
    ("get", "/api/accounts/me/", None),
    ("patch", "/api/accounts/me/", {"display_name": "Someone"}),
]


def raw_delete(user) -> None:
    """Delete *user* and what refers to it in SQL, as a console would: no signals."""
    sql = [
        f"DELETE FROM {RefreshTokenRecord._meta.db_table} WHERE session_id IN "
        f"(SELECT id FROM {Session._meta.db_table} WHERE user_id = %s)"
    ]
    model = get_user_model()
    for field in model._meta.many_to_many:
        table = field.remote_field.through._meta.db_table
        sql.append(f"DELETE FROM {table} WHERE {field.m2m_column_name()} = %s")
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            continue
        table, column = rel.related_model._meta.db_table, rel.field.column
        if rel.on_delete is SET_NULL:
            sql.append(f"UPDATE {table} SET {column} = NULL WHERE {column} = %s")
        else:
            sql.append(f"DELETE FROM {table} WHERE {column} = %s")
    sql.append(f"DELETE FROM {model._meta.db_table} WHERE id = %s")
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement, [user.pk])


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_a_cached_session_of_a_deleted_user_is_a_401(
    settings, revocation_cache, api_client, user, login, bearer, method, path, body
):
    """Never a 500, never an empty ``me/``: the request is not authenticated."""
    settings.TOKENS = {**settings.TOKENS, "CACHE_LEASE": timedelta(hours=1)}
    pair = login(user)
    headers = bearer(pair["access"])
    assert api_client.get("/api/auth/sessions/", **headers).status_code == 200
    raw_delete(user)
    response = getattr(api_client, method)(path, body, format="json", **headers)
    assert response.status_code == HTTPStatus.UNAUTHORIZED, response.content
    assert response.json()["detail"]
