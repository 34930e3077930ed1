"""dj-rest-auth's and djoser's own JWT URLs: SimpleJWT's views underneath."""

from django.urls import include, path

urlpatterns = [
    path("dj-rest-auth/", include("dj_rest_auth.urls")),
    path("auth/", include("djoser.urls.jwt")),
]
