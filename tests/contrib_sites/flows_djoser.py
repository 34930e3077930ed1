"""djoser's JWT endpoints on tokens.contrib.djoser, and its set_password."""

from django.urls import reverse

from tests.contrib_sites.conftest import NEW_PASSWORD, PASSWORD


def create(client, password=PASSWORD):
    response = client.post(
        "/auth/jwt/create/", {"username": "alice", "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_jwt_paths_and_names_are_djosers():
    from djoser.urls import jwt

    import tokens.contrib.djoser

    def shape(patterns):
        return [(p.pattern.regex.pattern, p.name) for p in patterns]

    assert shape(tokens.contrib.djoser.urlpatterns) == shape(jwt.urlpatterns)
    assert reverse("jwt-create") == "/auth/jwt/create"


def test_create_then_a_protected_endpoint(client, alice, bearer):
    body = create(client)
    assert set(body) == {"access", "refresh"}
    me = client.get("/auth/users/me/", **bearer(body["access"]))
    assert me.status_code == 200, me.content
    assert me.json()["username"] == "alice"


def test_refresh_and_verify_shapes(client, alice):
    body = create(client)
    rotated = client.post(
        "/auth/jwt/refresh/", {"refresh": body["refresh"]}, format="json"
    )
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    verified = client.post(
        "/auth/jwt/verify/", {"token": rotated.json()["access"]}, format="json"
    )
    assert (verified.status_code, verified.json()) == (200, {})
    missing = client.post("/auth/jwt/refresh/", {}, format="json")
    assert missing.json() == {"refresh": ["This field is required."]}


def test_set_password_revokes_the_users_sessions(client, alice, bearer):
    body = create(client)
    auth = bearer(body["access"])
    changed = client.post(
        "/auth/users/set_password/",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
        **auth,
    )
    assert changed.status_code == 204, changed.content
    assert client.get("/auth/users/me/", **auth).status_code == 401
    refreshed = client.post(
        "/auth/jwt/refresh/", {"refresh": body["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401
    assert (
        client.get(
            "/auth/users/me/", **bearer(create(client, NEW_PASSWORD)["access"])
        ).status_code
        == 200
    )


def test_the_social_token_strategy_mints_a_sessions_tokens(client, alice, bearer):
    """djoser's default strategy makes SimpleJWT tokens; ours, tokens of a session."""
    from djoser.social.token.jwt import TokenStrategy as DjoserStrategy

    from tokens.contrib.djoser import TokenStrategy
    from tokens.models import Session

    theirs = DjoserStrategy.obtain(alice)
    assert client.get("/auth/users/me/", **bearer(theirs["access"])).status_code == 401
    ours = TokenStrategy.obtain(alice)
    assert set(ours) == set(theirs)
    me = client.get("/auth/users/me/", **bearer(ours["access"]))
    assert me.status_code == 200, me.content
    assert Session.objects.filter(user=alice).count() == 1
