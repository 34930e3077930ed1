# The site's own views come first, as in most URLconfs: importing them imports
# DRF's views, which import the authentication class, before anything of
# tokens.contrib.dj_rest_auth is loaded.
from django.contrib import admin
from django.urls import include, path

from tests.contrib_sites.documented.views import Whoami

urlpatterns = [
    path("whoami/", Whoami.as_view()),
    path("admin/", admin.site.urls),
    path("dj-rest-auth/", include("tokens.contrib.dj_rest_auth")),
]
