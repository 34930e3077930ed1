"""Mount with ``path("api/auth/", include("tokens.urls"))``."""

from django.urls import path

from tokens import oauth_views, views

app_name = "tokens"

urlpatterns = [
    path("token/", views.TokenObtainView.as_view(), name="token_obtain"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="token_refresh"),
    path("token/verify/", views.TokenVerifyView.as_view(), name="token_verify"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("csrf/", views.CSRFCookieView.as_view(), name="csrf"),
    path("logout-all/", views.LogoutAllView.as_view(), name="logout_all"),
    path("sessions/", views.SessionListView.as_view(), name="session_list"),
    path(
        "sessions/revoke-others/",
        views.SessionRevokeOthersView.as_view(),
        name="session_revoke_others",
    ),
    path(
        "sessions/<uuid:session_id>/",
        views.SessionDetailView.as_view(),
        name="session_detail",
    ),
    # Off unless TOKENS["INTROSPECTION_ENABLED"] (a 404 meanwhile).
    path("introspect/", oauth_views.IntrospectView.as_view(), name="introspect"),
    path("revoke/", oauth_views.RevokeView.as_view(), name="revoke"),
]
