"""
Mount with ``path("api/ssf/", include("tokens.ssf.urls"))``; the configuration
is at the site root, in ``tokens.well_known_urls``.
"""

from django.urls import path

from tokens.ssf import views

urlpatterns = [
    path("stream/", views.StreamView.as_view(), name="ssf_stream"),
    path("status/", views.StatusView.as_view(), name="ssf_status"),
    path("verify/", views.VerifyView.as_view(), name="ssf_verify"),
    path("poll/<uuid:stream_id>/", views.PollView.as_view(), name="ssf_poll"),
]
