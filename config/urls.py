from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts import pages
from config import views
from config.csp import content_security_policy
from config.docs import DocsView

urlpatterns = [
    path("", views.demo, name="demo"),
    # The pages FRONTEND_RESET_URL's and FRONTEND_VERIFY_URL's defaults point
    # to, under the demo page's Content-Security-Policy.
    path(
        "reset/<str:uid>/<str:token>/",
        content_security_policy(pages.password_reset_page),
        name="password_reset_page",
    ),
    path(
        "verify/<str:uid>/<str:token>/",
        content_security_policy(pages.email_verify_page),
        name="email_verify_page",
    ),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    # The JWKS, and (when enabled) the SSF and RFC 8414 metadata.
    path("", include("tokens.well_known_urls")),
    path("api/health/", views.health, name="health"),
    path("api/health/ready/", views.ready, name="ready"),
    path("api/auth/", include("tokens.urls")),
    path("api/ssf/", include("tokens.ssf.urls")),
    path("api/accounts/", include("accounts.urls")),
    path("api/profiles/", include("accounts.profile_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", DocsView.as_view(url_name="schema"), name="docs"),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
