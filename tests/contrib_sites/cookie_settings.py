"""The same site with dj-rest-auth's cookies on."""

from tests.contrib_sites.settings import *  # noqa: F403
from tests.contrib_sites.settings import REST_AUTH

REST_AUTH = {
    **REST_AUTH,
    "JWT_AUTH_COOKIE": "app-access",
    "JWT_AUTH_REFRESH_COOKIE": "app-refresh",
    "JWT_AUTH_HTTPONLY": True,
    "JWT_AUTH_COOKIE_USE_CSRF": True,
}
