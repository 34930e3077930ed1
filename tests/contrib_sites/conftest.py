import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from rest_framework.test import APIClient

PASSWORD = "first password 1234"
NEW_PASSWORD = "second password 1234"


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", "alice@example.com", PASSWORD)


@pytest.fixture
def bearer():
    return lambda access: {"HTTP_AUTHORIZATION": f"Bearer {access}"}


@pytest.fixture(autouse=True)
def _clear_cache():
    # The sign-in throttles count in the default cache.
    cache.clear()
