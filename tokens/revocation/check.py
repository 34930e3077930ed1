"""
Is a session still valid? The question every authenticated request asks.

The cache answers when it can vouch (rules 1-6 of docs/revocation.md); the
database answers otherwise, and its answer is written back for the next
request. A "valid" entry never outlives CACHE_TTL, nor the moment the
session stops being live unless refreshed (``tokens.models.Liveness``).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tokens.app_settings import app_settings
from tokens.revocation import outbox
from tokens.revocation.protocol import Lookup, Outcome
from tokens.revocation.registry import AnyState, get_state
from tokens.revocation.user import SessionUser

if TYPE_CHECKING:
    from tokens.models import Liveness, Session


def session_user_get(
    *, session_id: str, user_id: str, now: datetime | None = None
) -> Any:
    """
    Return the user of an access token's session, or None if the session is not
    valid (revoked, expired, unknown, or its user inactive or gone).
    """
    if not app_settings.CACHE_ALIAS:
        session = _valid_session(session_id, user_id, now)
        return session.user if session is not None else None
    state = get_state()
    at = now.timestamp() if now is not None else None
    seen = state.lookup(session_id, at)
    if seen.kind == Outcome.UNLEASED and state.drain():
        seen = state.lookup(session_id, at)
    if seen.kind == Outcome.REVOKED:
        return None
    if seen.kind == Outcome.VALID:
        return SessionUser(seen.user_pk) if seen.user_pk == user_id else None
    return _session_user_from_db(state, seen, session_id, user_id, now)


def _session_user_from_db(
    state: AnyState,
    seen: Lookup,
    session_id: str,
    user_id: str,
    now: datetime | None,
) -> Any:
    from tokens.models import Liveness

    live = Liveness.at(now)
    session = _valid_session(session_id, user_id, live)
    if session is None:
        return None
    until = _valid_until(session, live)
    if until <= time.time():
        return session.user  # too close to its end to be worth an entry
    state.fill(
        session_id,
        session.user_id,
        until,
        seen,
        # Annotated by _valid_session's query.
        outbox_empty=not session.outbox_pending,  # type: ignore[attr-defined]
    )
    return session.user


def _valid_session(
    session_id: str, user_id: str, live: Liveness | datetime | None
) -> Session | None:
    from tokens.models import Liveness, Session

    if not isinstance(live, Liveness):
        live = Liveness.at(live)
    session = (
        Session.objects.select_related("user")
        # Whether tombstones are pending, in the same query: a read that saw
        # none renews the lease like a drain (rule 4).
        .annotate(outbox_pending=outbox.any_pending())
        .filter(live.q(), pk=session_id)
        .first()
    )
    if session is None or str(session.user_id) != user_id:
        return None
    return session


def _valid_until(session: Session, live: Liveness) -> float:
    """
    Return until when a "valid" entry may vouch for *session*, as a
    ``time.time()`` reading: CACHE_TTL at most, and never past the moment the
    session stops being live unless refreshed (its idle cutoff, its expiry).
    A refresh moves the cutoff; the entry then ends early and is read again.
    """
    ends = live.ends_at(session).timestamp()
    return min(ends, time.time() + app_settings.CACHE_TTL)
