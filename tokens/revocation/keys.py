"""
The cache keys of revocation (rule 1 of docs/revocation.md).

Two keys per session: a tombstone ``rev:<sid>``, honoured whatever wrote it
and whenever, and a "valid" entry ``ok:<sid>``, honoured only when nothing
contradicts it. Beside them, one epoch key (rule 3: a flush erases it, so no
entry written before the flush is trusted) and one lease key (rule 4).
"""

from __future__ import annotations

import uuid

EPOCH_KEY = "tokens:epoch"
LEASE_KEY = "tokens:lease"
REVOKED = b"1"
TOMBSTONE_TIMEOUT = 60 * 60 * 24 * 31  # outlives any access token by far


def rev_key(session_id: uuid.UUID | str) -> str:
    """The tombstone of a revoked session."""
    return f"tokens:rev:{session_id}"


def ok_key(session_id: uuid.UUID | str) -> str:
    """The "valid" entry of a session the database vouched for."""
    return f"tokens:ok:{session_id}"
