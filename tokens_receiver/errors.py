"""
The two ways the receiver says no: a refused access token and a refused SET.

One exception type each, so that callers catch one name. A refused token
carries a short reason code for logs and metrics, never the token itself: a
token in a log line is a credential anyone who reads the log can replay.
"""

from __future__ import annotations

# Reasons that say nothing about the token: the receiver cannot decide right
# now (its knowledge is stale, or a server it needs did not answer). Adapters
# answer 503 for these, so a client retries instead of discarding its session.
UNAVAILABLE_REASONS = frozenset({"stale", "jwks_unavailable", "introspection_failed"})


class TokenRefused(Exception):
    """An access token is not accepted; ``reason`` says why, in one word."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def unavailable(self) -> bool:
        """Whether the refusal comes from the receiver's state, not the token."""
        return self.reason in UNAVAILABLE_REASONS


class SetError(Exception):
    """
    A Security Event Token is refused, with an RFC 8935 §2.3 error code.

    ``err`` is one of ``invalid_request``, ``invalid_key``, ``invalid_issuer``,
    ``invalid_audience``, ``authentication_failed``, ``access_denied``; the
    transmitter does not deliver a SET refused with one of these again.
    """

    def __init__(self, err: str, description: str) -> None:
        super().__init__(f"{err}: {description}")
        self.err = err
        self.description = description

    def as_dict(self) -> dict[str, str]:
        return {"err": self.err, "description": self.description}


class SetUnavailable(Exception):
    """
    A SET could not be checked now (its keys could not be fetched).

    Not the SET's fault: it must be delivered again, so push answers 503 and
    poll neither acknowledges nor reports it.
    """
