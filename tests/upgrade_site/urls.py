from django.urls import include, path
from rest_framework.decorators import api_view
from rest_framework.response import Response

from tests.upgrade_site.settings import STAGE, URLS


@api_view(["GET"])
def me(request):
    return Response({"username": request.user.username})


urlpatterns = [path("api/me/", me)]

if STAGE == "simplejwt":
    from rest_framework_simplejwt import views as jwt_views

    urlpatterns += [
        path("api/token/", jwt_views.TokenObtainPairView.as_view()),
        path("api/token/refresh/", jwt_views.TokenRefreshView.as_view()),
        path("api/token/verify/", jwt_views.TokenVerifyView.as_view()),
        path("token/blacklist/", jwt_views.TokenBlacklistView.as_view()),
    ]
elif URLS == "old":
    # Step 4, keeping the old paths (docs/upgrading-from-simplejwt.md).
    from tokens import views as token_views

    urlpatterns += [
        path("api/token/", token_views.TokenObtainView.as_view()),
        path("api/token/refresh/", token_views.TokenRefreshView.as_view()),
        path("api/token/verify/", token_views.TokenVerifyView.as_view()),
        path("token/blacklist/", token_views.LogoutView.as_view()),
    ]
else:
    # Step 4, with the app's own paths.
    urlpatterns += [path("api/auth/", include("tokens.urls"))]
