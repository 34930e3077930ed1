"""
On the stock site: every way Django changes a password revokes the user's
sessions; a hash upgrade on sign-in does not.

Run with DJANGO_SETTINGS_MODULE=tests.stock_site.admin_settings.
"""

import django
from django.core.management import call_command

django.setup()
call_command("check", fail_level="WARNING")
call_command("migrate", verbosity=0)

from django.contrib.auth.management.commands import changepassword  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

PASSWORD = "a long enough password"
api = APIClient()
alice = User.objects.create_user("alice", password=PASSWORD)
admin = User.objects.create_superuser("root", password="root password 1234")


def sign_in(password: str) -> dict:
    response = api.post(
        "/api/auth/token/", {"username": "alice", "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def assert_refused(pair: dict, how: str) -> None:
    access = api.get(
        "/api/auth/sessions/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}"
    )
    assert access.status_code == 401, (how, access.content)
    refresh = api.post(
        "/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert refresh.status_code == 401, (how, refresh.content)


# 1. set_password() + save(), as in a shell or another package's view.
pair = sign_in(PASSWORD)
user = User.objects.get(username="alice")
user.set_password("second password 123")
user.save()
assert_refused(pair, "set_password")

# 2. The admin's password form.
pair = sign_in("second password 123")
browser = Client()
browser.force_login(admin)
response = browser.post(
    f"/admin/auth/user/{alice.pk}/password/",
    {
        "password1": "third password 1234",
        "password2": "third password 1234",
        "usable_password": "true",
    },
)
assert response.status_code == 302, response.content
assert_refused(pair, "admin form")

# 3. manage.py changepassword (its prompt answered here).
pair = sign_in("third password 1234")
changepassword.Command._get_pass = lambda self, prompt="": "fourth password 123"
call_command("changepassword", "alice", verbosity=0)
assert_refused(pair, "changepassword")

# 4. A hash upgraded on sign-in is the same password: nothing is revoked.
pair = sign_in("fourth password 123")
with override_settings(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
):
    sign_in("fourth password 123")  # the MD5 hash is upgraded to PBKDF2
    assert User.objects.get(username="alice").password.startswith("pbkdf2_sha256$")
    sessions = api.get(
        "/api/auth/sessions/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}"
    )
    assert sessions.status_code == 200, sessions.content
print("stock site password flow ok")
