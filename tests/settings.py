"""Settings for the test suite: the project's, with test secrets and fast hashing."""

import os
import secrets

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("JWT_SIGNING_KEY", "test-jwt-signing-key-0123456789-abcdefghijkl")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# Keys of this run only, on a Redis other runs may share; servers the tests
# start inherit it through the environment.
os.environ.setdefault("CACHE_KEY_PREFIX", f"test-{secrets.token_hex(4)}")

from config.settings import *  # noqa: E402,F403
from config.settings import REST_FRAMEWORK  # noqa: E402

# Hashing cost is measured by the benchmark, not paid by every test; the tests
# of hashing choose their hashers explicitly.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Mail is sent by the task as it is enqueued: tests read mail.outbox at once.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Throttles are tested on purpose, with their own rates.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        scope: "10000/min" for scope in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    },
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# The suite renders templates without running collectstatic: plain names.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
