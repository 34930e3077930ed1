"""Run login, refresh, logout and a refused request on the stock site."""

import django
from django.core.management import call_command

django.setup()
call_command("check", fail_level="WARNING")
call_command("migrate", verbosity=0)

from django.contrib.auth.models import User  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from tokens.models import Session  # noqa: E402

User.objects.create_user("alice", password="a long enough password")
client = APIClient()
login = client.post(
    "/api/auth/token/",
    {"username": "alice", "password": "a long enough password"},
    format="json",
)
assert login.status_code == 200, login.content
pair = login.json()
auth = {"HTTP_AUTHORIZATION": f"Bearer {pair['access']}"}
assert client.get("/api/auth/sessions/", **auth).status_code == 200
rotated = client.post(
    "/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
)
assert rotated.status_code == 200, rotated.content
logout = client.post(
    "/api/auth/logout/", {"refresh": rotated.json()["refresh"]}, format="json"
)
assert logout.status_code == 204, logout.content
assert client.get("/api/auth/sessions/", **auth).status_code == 401
assert Session.objects.get().revoked_reason == "logout"
print("stock site flow ok")
