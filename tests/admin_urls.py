"""The project's URLs plus the test admin site (see tests.admin_site)."""

from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from tests.admin_site import site

urlpatterns = [path("test-admin/", site.urls), *project_urlpatterns]
