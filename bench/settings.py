"""
Settings of the benchmark server: the project's, plus the peers it is measured
against (SimpleJWT's blacklist app, knox) and a URL module of identical views.

Environment knobs, set per server by ``python -m bench``:
``BENCH_HASHER`` (``argon2``, the project's default, or ``pbkdf2``) and
``BENCH_CACHE`` (``0`` answers the revocation check from the database only).
"""

import os
from datetime import timedelta

os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
os.environ.setdefault("JWT_SIGNING_KEY", "bench-jwt-signing-key-0123456789-abcdefghij")
os.environ["DEBUG"] = "0"
os.environ["SECURE_SSL_REDIRECT"] = "0"

from config.settings import *  # noqa: E402,F403
from config.settings import INSTALLED_APPS, LOGGING, REST_FRAMEWORK, TOKENS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework_simplejwt.token_blacklist", "knox"]
ROOT_URLCONF = "bench.urls"

if os.environ.get("BENCH_HASHER", "argon2") == "pbkdf2":
    # Django's default hasher, as a project that never chose one has it.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

# Access tokens outlive the run (each is minted once per group); how long they
# live costs nothing per request.
TOKENS = {**TOKENS, "ACCESS_TOKEN_LIFETIME": timedelta(minutes=55)}
if os.environ.get("BENCH_CACHE", "1") == "0":
    TOKENS = {**TOKENS, "CACHE_ALIAS": None}

# The load generator comes from one address: throttles would refuse it. They
# still run, but over a one-second window: DRF's throttle keeps every request
# time of the window, and a minute of one client's load test (some 15,000
# entries, read and written per request) is no client's real history; a second
# of it is of the order of the production limits (120 a minute per address).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        scope: "1000000/s" for scope in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    },
}

# SimpleJWT as its documentation sets it up for rotation with the blacklist app.
SIMPLE_JWT = {
    "SIGNING_KEY": os.environ["JWT_SIGNING_KEY"],
    "ALGORITHM": "HS256",
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=55),
}

# A log line per sign-in would be part of what is measured.
LOGGING = {**LOGGING, "loggers": {"tokens.security": {"level": "WARNING"}}}

# The peers' views are mounted on purpose (tokens.W050 warns a site that does).
SILENCED_SYSTEM_CHECKS = ["tokens.W050"]
