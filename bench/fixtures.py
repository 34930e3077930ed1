"""Users, tokens and bulk rows for the benchmark (run with bench.settings)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connection

from accounts.hashers import Argon2idOWASPHasher

PASSWORD = "bench password 0123456789"
BULK_MARK = "bench-bulk"


def user_get_or_create(email: str, hasher: str = "argon2"):
    """Return the bench user *email*, its password hashed with *hasher*."""
    chosen = PBKDF2PasswordHasher() if hasher == "pbkdf2" else Argon2idOWASPHasher()
    user, _ = get_user_model().objects.update_or_create(
        email=email, defaults={"password": make_password(PASSWORD, hasher=chosen)}
    )
    return user


def ours_pair(user):
    """Return a fresh session's token pair."""
    from tokens.services import session_create

    return session_create(user=user, user_agent="bench")


def simplejwt_refresh(user):
    """Return a SimpleJWT refresh token (recorded by its blacklist app)."""
    from rest_framework_simplejwt.tokens import RefreshToken

    return RefreshToken.for_user(user)


def knox_token(user) -> str:
    from knox.models import AuthToken

    return AuthToken.objects.create(user)[1]


def bulk_sessions(*, user, count: int, expired: bool = False) -> None:
    """
    Make the bench's bulk sessions number *count*: revoked ones, or (with
    *expired*) unrevoked sessions that expired long ago, for the cleanup command.
    """
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tokens_session WHERE user_agent = %s", [BULK_MARK])
        cursor.execute(
            """
            INSERT INTO tokens_session (id, user_id, user_agent, created_at,
                last_used_at, expires_at, revoked_at, revoked_reason)
            SELECT gen_random_uuid(), %(user)s, %(mark)s, t, t, t + interval '30 days',
                   CASE WHEN %(expired)s THEN NULL ELSE t END,
                   CASE WHEN %(expired)s THEN '' ELSE 'logout' END
            FROM (SELECT now() - CASE WHEN %(expired)s THEN interval '400 days'
                                      ELSE interval '1 day' END
                         - n * interval '1 second' AS t
                  FROM generate_series(1, %(count)s) AS n) AS series
            """,
            {"user": user.pk, "mark": BULK_MARK, "expired": expired, "count": count},
        )
        cursor.execute("ANALYZE tokens_session")


def bulk_sessions_clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tokens_session WHERE user_agent = %s", [BULK_MARK])


def server_versions() -> dict[str, str]:
    """Return the PostgreSQL and Redis server versions."""
    from django.core.cache import cache

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    try:
        redis = cache._cache.get_client(None).info("server")["redis_version"]
    except Exception:
        redis = "unknown"
    return {"PostgreSQL": postgres, "Redis": redis}
