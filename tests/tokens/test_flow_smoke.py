from http import HTTPStatus


def test_login_refresh_logout_round_trip(api_client, user, login, bearer):
    """A session's tokens work until logout, then both are refused."""
    pair = login(user)
    me = api_client.get("/api/auth/sessions/", **bearer(pair["access"]))
    assert me.status_code == HTTPStatus.OK
    assert me.json()[0]["current"] is True

    refreshed = api_client.post("/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert refreshed.status_code == HTTPStatus.OK, refreshed.content

    out = api_client.post("/api/auth/logout/", {"refresh": refreshed.json()["refresh"]}, format="json")
    assert out.status_code == HTTPStatus.NO_CONTENT
    again = api_client.get("/api/auth/sessions/", **bearer(pair["access"]))
    assert again.status_code == HTTPStatus.UNAUTHORIZED
