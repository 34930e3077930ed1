from django.urls import include, path

urlpatterns = [
    path("dj-rest-auth/", include("tokens.contrib.dj_rest_auth")),
    path("auth/", include("djoser.urls")),
    path("auth/", include("tokens.contrib.djoser")),
]
