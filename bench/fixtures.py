"""Users, tokens and bulk rows for the benchmark (run with bench.settings)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connection

from accounts.hashers import Argon2idOWASPHasher

PASSWORD = "bench password 0123456789"
BULK_MARK = "bench-bulk"


def user_get_or_create(email: str, hasher: str = "argon2"):
    """Return the bench user *email*, its password hashed with *hasher*."""
    chosen = PBKDF2PasswordHasher() if hasher == "pbkdf2" else Argon2idOWASPHasher()
    user, _ = get_user_model().objects.get_or_create(email=email)
    # A new password hash is a password change, which revokes the user's
    # sessions: set it only when it is not already the bench's, with its hasher.
    if not user.password.startswith(f"{chosen.algorithm}$"):
        user.password = make_password(PASSWORD, hasher=chosen)
        user.save(update_fields=["password"])
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


def _insert_sessions(rows_sql: str, columns: dict[str, str], params: dict) -> list:
    """
    INSERT INTO tokens_session ... SELECT *columns* FROM *rows_sql*, RETURNING
    (id, expires_at). Columns not named get their field's default, so a field
    added to Session does not break the bench.
    """
    from tokens.models import Session

    names, values, params = [], [], dict(params)
    for field in Session._meta.concrete_fields:
        names.append(connection.ops.quote_name(field.column))
        if field.column in columns:
            values.append(columns[field.column])
        else:
            key = f"default_{field.column}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            values.append(f"%({key})s")
    sql = (
        f"INSERT INTO tokens_session ({', '.join(names)}) "  # noqa: S608 (our names)
        f"SELECT {', '.join(values)} FROM {rows_sql} RETURNING id, expires_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def bulk_sessions(*, user, count: int, expired: bool = False) -> None:
    """
    Make the bench's bulk sessions number *count*: revoked ones, or (with
    *expired*) unrevoked sessions that expired long ago, for the cleanup command.
    """
    bulk_sessions_clear()
    _insert_sessions(
        """(SELECT now() - CASE WHEN %(expired)s THEN interval '400 days'
                                ELSE interval '1 day' END
                   - n * interval '1 second' AS t
            FROM generate_series(1, %(count)s) AS n) AS series""",
        {
            "id": "gen_random_uuid()",
            "user_id": "%(user)s",
            "user_agent": "%(mark)s",
            "created_at": "t",
            "last_used_at": "t",
            "expires_at": "t + interval '30 days'",
            "revoked_at": "CASE WHEN %(expired)s THEN NULL ELSE t END",
            "revoked_reason": "CASE WHEN %(expired)s THEN '' ELSE 'logout' END",
        },
        {"user": user.pk, "mark": BULK_MARK, "expired": expired, "count": count},
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tokens_session")


def bulk_access_tokens(*, user, count: int) -> list[str]:
    """
    Insert *count* live sessions of *user* (bulk rows, cleared like the others)
    and return one access token for each.
    """
    from django.utils import timezone

    from tokens.models import Session
    from tokens.tokens import AccessToken

    rows = _insert_sessions(
        "generate_series(1, %(count)s)",
        {
            "id": "gen_random_uuid()",
            "user_id": "%(user)s",
            "user_agent": "%(mark)s",
            "created_at": "now()",
            "last_used_at": "now()",
            "expires_at": "now() + interval '1 day'",
        },
        {"user": user.pk, "mark": BULK_MARK, "count": count},
    )
    now = timezone.now()
    return [
        str(
            AccessToken.build(
                session=Session(id=sid, user_id=user.pk, expires_at=expires_at),
                jti=uuid.uuid4(),
                issued_at=now,
                expires_at=min(expires_at, now + timedelta(minutes=55)),
            )
        )
        for sid, expires_at in rows
    ]


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
