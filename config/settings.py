"""
Settings for the project, read from the environment.

Every value that differs between machines comes from an environment variable
(see README.md, "Configuration"). A git-ignored ``.env`` file at the project
root is read first if present; ``make run`` and ``make test`` create one with
generated development secrets. Missing secrets are a startup error, never a
silent default.
"""

from datetime import timedelta
from pathlib import Path

import environ
from redis.backoff import NoBackoff
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by the site
    "tokens",
    "accounts",
    # Mail is sent by a background worker (accounts/tasks.py).
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files in production, from STATIC_ROOT (after collectstatic).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite by default, PostgreSQL (psycopg 3) in production.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Persistent connections, checked before reuse so that a restarted database
    # server is recovered from without a failed request.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite (development, the test suite): write transactions take the write
    # lock when they begin, and a busy database is waited for (up to 20 s)
    # instead of failing at once with "database is locked" when a second
    # thread (the dev server's, a live test server's) writes at the same time.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE", timeout=20
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared by every process: throttles and the
# revocation cache), otherwise a per-process memory cache for development.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="rjwt"),
            # Fail fast when Redis is unreachable or hung: the revocation check
            # then answers from the database instead of holding the worker. A
            # stalled Redis costs a request at most one timeout (the revocation
            # check then leaves Redis alone for half a second:
            # tokens.revocation.tracking).
            # Pooled connections idle for HEALTH_CHECK seconds are checked
            # before reuse, so a restarted Redis is noticed before a command
            # fails on a dead socket; no retries, no backoff: a failure is a
            # miss. TOKENS["CACHE_LEASE"] stays at or below the socket timeout.
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", 0.25),
                "socket_timeout": env.float("REDIS_TIMEOUT", 0.25),
                "health_check_interval": env.int("REDIS_HEALTH_CHECK", default=15),
                "retry_on_timeout": False,
                "retry": Retry(NoBackoff(), 0),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
# Django's ModelBackend plus the email-verification rule (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailVerificationBackend"]

# Argon2id first; hashes made by the others are upgraded on the next login.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idOWASPHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "display_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]  # the demo page's script and styles
# WhiteNoise serves collectstatic's output: compressed (gzip, and Brotli when
# the brotli package is installed) under content-hashed names, cached forever.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Request size limits: a JSON API never needs more than this.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# Email: console in development, SMTP (EMAIL_URL) in production.
vars().update(
    env.email_url(
        "EMAIL_URL",
        default="consolemail://" if DEBUG else "smtp://localhost:25",
    )
)
# Mail leaves through a background task, never from the request worker (see
# accounts/tasks.py): the database backend queues it and `manage.py db_worker`
# (started by `make run`) sends it. TASKS_BACKEND=immediate sends in-process.
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
if TASKS_BACKEND not in TASK_BACKENDS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"TASKS_BACKEND is {TASKS_BACKEND!r}: use one of {', '.join(TASK_BACKENDS)}"
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND]}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@localhost")
# Where the links in account emails point: this site's own pages by default.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
FRONTEND_RESET_URL = env.str(
    "FRONTEND_RESET_URL", default=SITE_URL + "/reset/{uid}/{token}/"
)
FRONTEND_VERIFY_URL = env.str(
    "FRONTEND_VERIFY_URL", default=SITE_URL + "/verify/{uid}/{token}/"
)
# none | optional | mandatory, as django-allauth's ACCOUNT_EMAIL_VERIFICATION.
# optional by default: a fresh checkout signs in without a mail server; set
# mandatory in production (see README, "Email verification").
ACCOUNTS_EMAIL_VERIFICATION = env.str("EMAIL_VERIFICATION", default="optional")
ACCOUNTS_EMAIL_VERIFICATION_TIMEOUT = timedelta(
    days=env.int("EMAIL_VERIFICATION_DAYS", default=3)
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.authentication.SessionJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["tokens.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "config.exceptions.exception_handler",
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    # Sign-in: login_ip counts every attempt of a client (a ceiling against
    # spraying); the two account scopes count failed attempts only. See
    # SECURITY.md, "Throttling", for the numbers and why.
    "DEFAULT_THROTTLE_RATES": {
        "login_ip": env.str("THROTTLE_LOGIN_IP", default="120/min"),
        "login_account_ip": env.str("THROTTLE_LOGIN_ACCOUNT_IP", default="10/hour"),
        "login_account": env.str("THROTTLE_LOGIN_ACCOUNT", default="50/hour"),
        "refresh_ip": env.str("THROTTLE_REFRESH_IP", default="120/min"),
        "client_auth_ip": env.str("THROTTLE_CLIENT_AUTH_IP", default="30/min"),
        "register_ip": env.str("THROTTLE_REGISTER_IP", default="10/hour"),
        "password_reset_ip": env.str("THROTTLE_RESET_IP", default="10/hour"),
        "password_reset_account": env.str("THROTTLE_RESET_ACCOUNT", default="3/hour"),
        "email_verification_ip": env.str("THROTTLE_VERIFY_IP", default="10/hour"),
        "email_verification_account": env.str(
            "THROTTLE_VERIFY_ACCOUNT", default="3/hour"
        ),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Revocable JWT API",
    "DESCRIPTION": "Email accounts, profiles and revocable JWT sessions.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from drf-spectacular-sidecar: pinned, offline, same origin.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.docs.group_and_summarize",
    ],
}
# The documentation page /api/docs/: on in development, off (404) in production
# unless API_DOCS=1. The schema at /api/schema/ is always served.
API_DOCS = env.bool("API_DOCS", default=DEBUG)

# The `tokens` app. Every key is documented in docs/settings.md.
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY")
TOKENS = {
    "SIGNING_KEYS": env.json(
        "JWT_KEYS",
        default=[
            {
                "kid": env.str("JWT_KEY_ID", default="primary"),
                "algorithm": "HS256",
                "secret": JWT_SIGNING_KEY,
            }
        ],
    ),
    "ACTIVE_KID": env.str("JWT_ACTIVE_KID", default=None),
    "ISSUER": env.str("JWT_ISSUER", default="revocable-jwt"),
    "AUDIENCE": env.str("JWT_AUDIENCE", default="revocable-jwt-api"),
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "LEEWAY": timedelta(seconds=10),
    "CACHE_ALIAS": "default" if REDIS_URL else None,
    # Revocations sent to other services (docs/other-services.md).
    "SECURITY_EVENTS": env.bool("SECURITY_EVENTS", default=False),
    # Introspection and revocation for resource servers (docs/oauth.md).
    "INTROSPECTION_ENABLED": env.bool("INTROSPECTION_ENABLED", default=False),
    # Per-account throttle buckets use sign-in's own rule for addresses.
    "ACCOUNT_NORMALIZER": "accounts.emails.normalize_email",
    "REFRESH_COOKIE": env.bool("JWT_REFRESH_COOKIE", default=False),
    # Plain http://127.0.0.1 in development could not carry a Secure cookie.
    "REFRESH_COOKIE_SECURE": env.bool("JWT_REFRESH_COOKIE_SECURE", default=not DEBUG),
}

# Security headers. Behind TLS in production: see `check --deploy`.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^api/health/$", r"^api/health/ready/$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Logs: JSON lines in production (python-json-logger; security events carry
# their fields as keys), readable lines in development. LOG_FORMAT chooses.
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "console": {
            "()": "tokens.security.ConsoleFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level"},
        },
    },
    # No link token or JWT in any line (runserver's access lines included).
    "filters": {"redact": {"()": "config.log_redaction.RedactingFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "tokens.security": {"level": "INFO"},
        # Django's own console handler and the root's both printed every
        # django.request line; in development runserver's access line
        # (django.server) already shows each 4xx, so only 5xx are repeated.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"level": "ERROR" if DEBUG else "WARNING"},
    },
}
