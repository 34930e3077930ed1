"""The project's URLs plus the benchmark views under ``/bench/``."""

from django.urls import path
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework_simplejwt.authentication import (
    JWTAuthentication,
    JWTStatelessUserAuthentication,
)
from rest_framework_simplejwt.views import TokenRefreshView

from accounts.views import MeView, ProfileDetailView
from bench.views import local_copy, ping
from config.urls import urlpatterns as project_urlpatterns
from tokens.authentication import SessionJWTAuthentication

urlpatterns = [
    *project_urlpatterns,
    path("bench/none/", ping()),
    path("bench/state/", local_copy),
    path("bench/ours/", ping(SessionJWTAuthentication)),
    path("bench/simplejwt/", ping(JWTAuthentication)),
    path("bench/stateless/", ping(JWTStatelessUserAuthentication)),
    path("bench/knox/", ping(KnoxTokenAuthentication)),
    path("bench/simplejwt/refresh/", TokenRefreshView.as_view()),
    # This project's real endpoints behind SimpleJWT's class (the user_id
    # converter is registered by config.urls), to compare with
    # /api/accounts/me/ and /api/profiles/{id}/ behind ours: the same views.
    path(
        "bench/simplejwt/me/",
        MeView.as_view(authentication_classes=[JWTAuthentication]),
    ),
    path(
        "bench/simplejwt/profiles/<user_id:id>/",
        ProfileDetailView.as_view(authentication_classes=[JWTAuthentication]),
    ),
]
