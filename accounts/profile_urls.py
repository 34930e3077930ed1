"""The profile API, mounted at ``/api/profiles/``."""

from django.urls import path, register_converter

from accounts import views
from accounts.converters import UserIdConverter

register_converter(UserIdConverter, "user_id")

app_name = "profiles"

urlpatterns = [
    path("", views.ProfileListView.as_view(), name="list"),
    path("<user_id:id>/", views.ProfileDetailView.as_view(), name="detail"),
]
