"""
What the site's clients do at one stage: ``python -m tests.upgrade_site.scenario``.

Prints "ok <stage>" when every expectation of the stage holds.
"""

import json
import os
import sys

import django
import jwt

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from tests.upgrade_site.settings import STAGE, URLS  # noqa: E402

PASSWORD = "upgrade password 1234"
OLD = {
    "obtain": "/api/token/",
    "refresh": "/api/token/refresh/",
    "verify": "/api/token/verify/",
    "logout": "/api/token/blacklist/",
}
NEW = {
    "obtain": "/api/auth/token/",
    "refresh": "/api/auth/token/refresh/",
    "verify": "/api/auth/token/verify/",
    "logout": "/api/auth/logout/",
}
EXCHANGE = "/api/token/exchange/"
# The device of an old client, as the exchange must record it.
DEVICE = {"HTTP_USER_AGENT": "OldApp/1.0 (upgrade)", "REMOTE_ADDR": "203.0.113.7"}
paths = OLD if STAGE == "simplejwt" or URLS == "old" else NEW
client = APIClient()
saved = os.environ["UPGRADE_STATE"]  # a file: what one stage leaves the next


def post(name: str, body: dict, **extra):
    return client.post(paths.get(name, name), body, format="json", **extra)


def me(access: str) -> int:
    return client.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def sign_in() -> dict:
    """Sign in; the site's get_token adds its claim; last_login is set."""
    User.objects.filter(username="ada").update(last_login=None)
    response = post("obtain", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 200, response.content
    assert claims(response.json()["access"])["team"] == "blue"
    assert User.objects.get(username="ada").last_login is not None
    return response.json()


def tables() -> set[str]:
    return set(connection.introspection.table_names())


def before_the_upgrade() -> None:
    User.objects.create_user("ada", password=PASSWORD)
    first = sign_in()
    assert me(first["access"]) == 200
    rotated = post("refresh", {"refresh": first["refresh"]})
    assert rotated.status_code == 200, rotated.content
    pair = sign_in()
    assert post("logout", {"refresh": pair["refresh"]}).status_code == 200
    from rest_framework_simplejwt.token_blacklist.models import (
        BlacklistedToken,
        OutstandingToken,
    )

    assert OutstandingToken.objects.count() == 3
    assert BlacklistedToken.objects.count() == 2
    # A refresh token one of the site's own views minted, with a claim of its own.
    from rest_framework_simplejwt.tokens import RefreshToken

    legacy = RefreshToken.for_user(User.objects.get(username="ada"))
    legacy["scope"] = "reports"
    with open(saved, "w") as f:
        json.dump({"old": rotated.json(), "legacy": str(legacy)}, f)


def on_tokens() -> None:
    with open(saved) as f:
        state = json.load(f)
    old = state["old"]
    # Tokens SimpleJWT issued carry no session: refused, clients sign in again.
    assert me(old["access"]) == 401
    assert post("refresh", {"refresh": old["refresh"]}).status_code == 401
    pair = sign_in()
    assert me(pair["access"]) == 200
    assert post("verify", {"token": pair["access"]}).status_code == 200
    rotated = post("refresh", {"refresh": pair["refresh"]})
    assert rotated.status_code == 200, rotated.content
    new = rotated.json()
    assert me(new["access"]) == 200
    # An old client's logout: its refresh token posted to the blacklist path.
    logout = post("logout", {"refresh": new["refresh"]})
    assert logout.status_code == 204, logout.content
    assert me(new["access"]) == 401
    assert post("verify", {"token": new["access"]}).status_code == 401
    assert post("refresh", {"refresh": new["refresh"]}).status_code == 401
    if STAGE == "tokens":
        exchange(state["legacy"])


def exchange(legacy: str) -> None:
    """The guide's exchange keeps the claims and records the device, once."""
    from tokens.models import Session

    response = post(EXCHANGE, {"refresh": legacy}, **DEVICE)
    assert response.status_code == 200, response.content
    pair = response.json()
    access = claims(pair["access"])
    assert (access["team"], access["scope"]) == ("blue", "reports"), access
    session = Session.objects.get(pk=access["sid"])
    assert session.user_agent == DEVICE["HTTP_USER_AGENT"]
    assert session.ip_address == DEVICE["REMOTE_ADDR"]
    assert me(pair["access"]) == 200
    rotated = post("refresh", {"refresh": pair["refresh"]})
    assert rotated.status_code == 200, rotated.content
    assert claims(rotated.json()["access"])["scope"] == "reports"
    again = post(EXCHANGE, {"refresh": legacy}, **DEVICE)
    assert again.status_code == 401, again.content
    assert Session.objects.filter(user_agent=DEVICE["HTTP_USER_AGENT"]).count() == 1


def stage() -> None:
    call_command("check", fail_level="WARNING")
    if STAGE == "simplejwt":
        before_the_upgrade()
    else:
        on_tokens()
    blacklist_tables = {t for t in tables() if t.startswith("token_blacklist_")}
    assert bool(blacklist_tables) == (STAGE != "removed"), blacklist_tables
    print(f"ok {STAGE}")


if __name__ == "__main__":
    stage()
    sys.exit(0)
