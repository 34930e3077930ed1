"""dj-rest-auth's URLs, with its JWT and password change views on sessions."""

from dj_rest_auth import urls as rest_auth_urls
from django.urls import re_path

from tokens import views
from tokens.contrib.dj_rest_auth.views import (
    LoginView,
    LogoutView,
    PasswordChangeView,
    RefreshView,
)

_OURS = {
    "rest_login",
    "rest_logout",
    "rest_password_change",
    "token_verify",
    "token_refresh",
}

urlpatterns = [
    re_path(r"login/?$", LoginView.as_view(), name="rest_login"),
    re_path(r"logout/?$", LogoutView.as_view(), name="rest_logout"),
    re_path(
        r"password/change/?$",
        PasswordChangeView.as_view(),
        name="rest_password_change",
    ),
    re_path(r"token/verify/?$", views.TokenVerifyView.as_view(), name="token_verify"),
    re_path(r"token/refresh/?$", RefreshView.as_view(), name="token_refresh"),
    # Not dj-rest-auth's: where a browser gets the CSRF cookie that the cookie
    # refresh and logout require (as tokens.urls' csrf/).
    re_path(r"csrf/?$", views.CSRFCookieView.as_view(), name="rest_csrf"),
    *(p for p in rest_auth_urls.urlpatterns if p.name not in _OURS),
]
