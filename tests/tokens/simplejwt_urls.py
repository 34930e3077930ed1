"""A URLconf that mounts SimpleJWT's own views, as a site mid-upgrade might."""

from django.urls import include, path
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

urlpatterns = [
    path("api/token/", TokenObtainPairView.as_view()),
    path("nested/", include([path("refresh/", TokenRefreshView.as_view())])),
    path("api/auth/", include("tokens.urls")),
]
