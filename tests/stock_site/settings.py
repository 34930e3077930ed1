"""A minimal foreign site: stock auth.User, no `accounts`, only what `tokens` needs."""

from datetime import timedelta

SECRET_KEY = "stock-site-secret-key-0123456789-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
ROOT_URLCONF = "tests.stock_site.urls"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "tokens",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.authentication.SessionJWTAuthentication"
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_RATES": {
        "login_ip": "100/min",
        "login_account": "100/min",
        "login_account_ip": "100/min",
        "refresh_ip": "100/min",
    },
}
TOKENS = {
    "SIGNING_KEYS": [{"kid": "stock", "algorithm": "HS256", "secret": "s" * 48}],
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
}
