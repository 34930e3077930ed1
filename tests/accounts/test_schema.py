from http import HTTPStatus
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

PATHS = {
    "/api/accounts/register/": {"post": {"201", "400", "413", "429"}},
    "/api/accounts/me/": {
        "get": {"200", "401"},
        "patch": {"200", "400", "401", "429"},
        "delete": {"204", "400", "401", "429"},
    },
    "/api/accounts/me/password/": {"post": {"204", "400", "401", "429"}},
    "/api/accounts/password-reset/": {"post": {"202", "400", "429"}},
    "/api/accounts/password-reset/confirm/": {"post": {"204", "400", "429"}},
    "/api/profiles/": {"get": {"200", "401"}},
    "/api/profiles/{id}/": {
        "get": {"200", "401", "404"},
        "patch": {"200", "400", "401", "403", "404"},
        "delete": {"204", "401", "403", "404"},
    },
}


@pytest.mark.django_db
def test_the_schema_documents_every_account_and_profile_endpoint(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == HTTPStatus.OK
    schema = yaml.safe_load(response.content)
    for path, operations in PATHS.items():
        assert set(schema["paths"][path]) == set(operations), path
        for method, codes in operations.items():
            operation = schema["paths"][path][method]
            assert codes <= set(operation["responses"]), (path, method)
            if method in ("post", "patch") and path != "/api/profiles/":
                assert "requestBody" in operation, (path, method)


@pytest.mark.django_db
def test_signed_in_endpoints_declare_the_bearer_scheme(api_client):
    schema = yaml.safe_load(api_client.get("/api/schema/").content)
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
    assert schema["paths"]["/api/accounts/me/"]["get"]["security"] == [{"jwtAuth": []}]
    register = schema["paths"]["/api/accounts/register/"]["post"]
    assert register.get("security", [{}]) in ([{}], [])


def test_the_schema_generates_without_warnings_or_errors():
    GENERATOR_STATS.reset()
    call_command("spectacular", "--fail-on-warn", stdout=StringIO(), stderr=StringIO())
    assert not GENERATOR_STATS
