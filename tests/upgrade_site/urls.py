from django.urls import include, path
from rest_framework.decorators import api_view
from rest_framework.response import Response

from tests.upgrade_site import guide
from tests.upgrade_site.settings import STAGE, URLS


@api_view(["GET"])
def me(request):
    return Response({"username": request.user.username})


urlpatterns = [path("api/me/", me)]

if STAGE == "simplejwt":
    # SimpleJWT's documented URLconf.
    from rest_framework_simplejwt import views as jwt_views

    urlpatterns += [
        path("api/token/", jwt_views.TokenObtainPairView.as_view()),
        path("api/token/refresh/", jwt_views.TokenRefreshView.as_view()),
        path("api/token/verify/", jwt_views.TokenVerifyView.as_view()),
        path("api/token/blacklist/", jwt_views.TokenBlacklistView.as_view()),
    ]
elif URLS == "old":
    # Step 4, keeping the old paths: the guide's own block.
    urlpatterns += guide.run_block(guide.OLD_PATHS, path=path)["urlpatterns"]
else:
    # Step 4, with the app's own paths.
    urlpatterns += [path("api/auth/", include("tokens.urls"))]

if STAGE == "tokens":
    # The exchange endpoint of the guide, while token_blacklist is installed.
    exchange = guide.run_block(guide.EXCHANGE)["LegacyTokenExchangeView"]
    urlpatterns += [path("api/token/exchange/", exchange.as_view())]
