"""
A site on SimpleJWT with token_blacklist, at each step of
docs/upgrading-from-simplejwt.md. The step is UPGRADE_STAGE:

- ``simplejwt``: the site before the upgrade;
- ``tokens``: steps 1-5 done, token_blacklist still installed;
- ``removed``: step 6 done, token_blacklist gone.

UPGRADE_URLS is ``old`` (SimpleJWT's paths kept) or ``new`` (tokens.urls).
UPGRADE_DATABASE is a SQLite file or a PostgreSQL URL; UPGRADE_SCHEMA, on
PostgreSQL, is the schema the site lives in.
"""

import os
from datetime import timedelta
from urllib.parse import urlsplit

STAGE = os.environ["UPGRADE_STAGE"]
URLS = os.environ.get("UPGRADE_URLS", "old")

SECRET_KEY = "upgrade-site-secret-key-0123456789-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
ROOT_URLCONF = "tests.upgrade_site.urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
]
if STAGE in ("simplejwt", "tokens"):
    INSTALLED_APPS.append("rest_framework_simplejwt.token_blacklist")
if STAGE in ("tokens", "removed"):
    INSTALLED_APPS.append("tokens")  # step 1

AUTHENTICATION = (
    "rest_framework_simplejwt.authentication.JWTAuthentication"
    if STAGE == "simplejwt"
    else "tokens.authentication.SessionJWTAuthentication"  # step 2
)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [AUTHENTICATION],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
# Step 3: no TOKENS key ring; SIMPLE_JWT's key becomes a one-key ring.
SIMPLE_JWT = {
    "SIGNING_KEY": "upgrade-site-jwt-signing-key-0123456789-abcdefgh",
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "TOKEN_OBTAIN_SERIALIZER": "tests.upgrade_site.serializers.TeamSerializer",
}

_database = os.environ["UPGRADE_DATABASE"]
if _database.startswith("postgres"):
    _url = urlsplit(_database)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _url.path.lstrip("/"),
            "USER": _url.username or "",
            "HOST": _url.hostname or "",
            "PORT": _url.port or "",
            "OPTIONS": {"options": f"-c search_path={os.environ['UPGRADE_SCHEMA']}"},
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _database}}
