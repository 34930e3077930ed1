"""A URLconf that mounts SimpleJWT's own views, as a site mid-upgrade might."""

from django.urls import include, path
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from tokens.tokens import RefreshToken


class SessionTokenObtainPairSerializer(TokenObtainPairSerializer):
    """SimpleJWT's serializer minting our tokens: its view then works."""

    token_class = RefreshToken


urlpatterns = [
    path("api/token/", TokenObtainPairView.as_view()),
    path("nested/", include([path("refresh/", TokenRefreshView.as_view())])),
    path(
        "ours/",
        TokenObtainPairView.as_view(serializer_class=SessionTokenObtainPairSerializer),
    ),
    path("api/auth/", include("tokens.urls")),
]
