"""The project's URLs plus the benchmark views under ``/bench/``."""

from django.urls import path
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework_simplejwt.authentication import (
    JWTAuthentication,
    JWTStatelessUserAuthentication,
)
from rest_framework_simplejwt.views import TokenRefreshView

from bench.views import ping
from config.urls import urlpatterns as project_urlpatterns
from tokens.authentication import SessionJWTAuthentication

urlpatterns = [
    *project_urlpatterns,
    path("bench/none/", ping()),
    path("bench/ours/", ping(SessionJWTAuthentication)),
    path("bench/simplejwt/", ping(JWTAuthentication)),
    path("bench/stateless/", ping(JWTStatelessUserAuthentication)),
    path("bench/knox/", ping(KnoxTokenAuthentication)),
    path("bench/simplejwt/refresh/", TokenRefreshView.as_view()),
]
