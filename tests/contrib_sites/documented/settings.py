"""
A site set up exactly as docs/installation.md says for dj-rest-auth, and
otherwise as ``django-admin startproject`` makes one. The database is the file
named by ``SITE_DATABASE``.
"""

import os

SECRET_KEY = "documented-site-secret-key-0123456789-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.contrib_sites.documented.urls"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "dj_rest_auth",
    "tokens",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SITE_DATABASE", ":memory:"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# docs/installation.md, "2. Configure":
TOKENS = {
    "SIGNING_KEYS": [
        {
            "kid": "2025-01",
            "algorithm": "HS256",
            "secret": "documented-site-jwt-signing-key-0123456789-abcdef",
        },
    ],
}
# docs/installation.md, "dj-rest-auth and djoser":
REST_AUTH = {
    "USE_JWT": True,
    "TOKEN_MODEL": None,
    "JWT_TOKEN_CLAIMS_SERIALIZER": "tokens.serializers.TokenObtainPairSerializer",
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.contrib.dj_rest_auth.JWTCookieAuthentication",
    ],
}
