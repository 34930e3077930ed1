"""
Security Event Tokens (RFC 8417) from the transmitter: verify, then apply.

A SET is a JWS of the issuer's keys, explicitly typed ``secevent+jwt`` (so an
access token can never pass for one, nor the reverse), for our audience,
carrying exactly one event of a type the wire contract names. Checks run in
``verify`` before anything changes, and each failure is a ``SetError`` with
the RFC 8935 code a transmitter understands: it does not deliver a refused SET
again. A JWKS that cannot be fetched is not the SET's fault: ``SetUnavailable``,
so that it is delivered again.

``apply`` changes the revocation set once per ``jti``: a SET delivered twice
(a retried push, a poll answer whose ack was lost) is applied once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from tokens_receiver.errors import SetError, SetUnavailable
from tokens_receiver.jose import (
    DEFAULT_ALGORITHMS,
    JoseError,
    KeySource,
    KeysUnavailable,
    media_type,
    pin_algorithms,
    read_header,
)
from tokens_receiver.revocations import STREAM_STATUSES, RevocationSet

logger = logging.getLogger("tokens_receiver")

CAEP = "https://schemas.openid.net/secevent/caep/event-type/"
SSF = "https://schemas.openid.net/secevent/ssf/event-type/"
SESSION_REVOKED = CAEP + "session-revoked"
CREDENTIAL_CHANGE = CAEP + "credential-change"
VERIFICATION = SSF + "verification"
STREAM_UPDATED = SSF + "stream-updated"
EVENT_TYPES = frozenset(
    {SESSION_REVOKED, CREDENTIAL_CHANGE, VERIFICATION, STREAM_UPDATED}
)
SET_TYPE = "secevent+jwt"
REQUIRED_CLAIMS = ("iss", "aud", "iat", "jti", "events")
MAX_ID_LENGTH = 255

# Signature-layer refusals: the key or algorithm is unacceptable.
_KEY_REASONS = frozenset({"algorithm", "no_kid", "unknown_key", "signature"})

CredentialCallback = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class SecurityEvent:
    """One verified SET: its id, its one event, and the subject it is about."""

    jti: str
    event_type: str
    fields: dict[str, Any]
    subject: str


def _opaque_id(value: Any, what: str) -> str:
    """The ``id`` of an RFC 9493 ``opaque`` subject; SetError if it is not one."""
    if (
        isinstance(value, dict)
        and value.get("format") == "opaque"
        and isinstance(value.get("id"), str)
        and 0 < len(value["id"]) <= MAX_ID_LENGTH
    ):
        return str(value["id"])
    raise SetError("invalid_request", f"the {what} is not an opaque subject")


def _decode_error(exc: jwt.InvalidTokenError) -> SetError:
    if isinstance(exc, jwt.InvalidIssuerError):
        return SetError("invalid_issuer", "the SET is not from the expected issuer")
    if isinstance(exc, jwt.InvalidAudienceError):
        return SetError("invalid_audience", "the SET is not for this receiver")
    if isinstance(exc, jwt.InvalidSignatureError | jwt.InvalidAlgorithmError):
        return SetError("invalid_key", "the SET signature does not verify")
    if isinstance(exc, jwt.ExpiredSignatureError):
        return SetError("invalid_request", "the SET has expired")
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return SetError("invalid_request", f"the SET has no {exc.claim!r} claim")
    return SetError("invalid_request", "the SET claims are not valid")


class SetProcessor:
    """Verify SETs of *issuer* for *audience* (one of them, if several) and apply
    them to *revocations*."""

    def __init__(
        self,
        issuer: str,
        audience: str | tuple[str, ...],
        keys: KeySource,
        revocations: RevocationSet,
        *,
        algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS,
        stream_id: str | None = None,
        leeway: float = 10.0,
        on_credential_change: CredentialCallback | None = None,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.keys = keys
        self.revocations = revocations
        self.algorithms = pin_algorithms(algorithms)
        self.stream_id = stream_id
        self.leeway = leeway
        self.on_credential_change = on_credential_change

    def process(self, token: str) -> bool:
        """Verify and apply *token*; return False if it was already applied."""
        return self.apply(self.verify(token))

    def verify(self, token: str) -> SecurityEvent:
        """Return the event of *token*; SetError or SetUnavailable if refused."""
        try:
            header = read_header(token, self.algorithms)
            if media_type(header.get("typ")) != SET_TYPE:
                raise JoseError("type")
            key = self.keys.key_for(header)
        except JoseError as exc:
            code = "invalid_key" if exc.reason in _KEY_REASONS else "invalid_request"
            raise SetError(
                code, f"the SET header is not acceptable ({exc.reason})"
            ) from None
        except KeysUnavailable as exc:
            raise SetUnavailable(str(exc)) from exc
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[header["alg"]],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS), "verify_nbf": False},
            )
        except jwt.InvalidTokenError as exc:
            raise _decode_error(exc) from None
        return self._event(claims)

    def _event(self, claims: dict[str, Any]) -> SecurityEvent:
        jti, events = claims["jti"], claims["events"]
        if not isinstance(jti, str) or not 0 < len(jti) <= MAX_ID_LENGTH:
            raise SetError("invalid_request", "the SET jti is not a short string")
        if not isinstance(events, dict) or len(events) != 1:
            raise SetError("invalid_request", "a SET carries exactly one event")
        ((event_type, fields),) = events.items()
        if event_type not in EVENT_TYPES:
            raise SetError("invalid_request", "the SET event type is not supported")
        if not isinstance(fields, dict):
            raise SetError("invalid_request", "the SET event is not an object")
        subject = self._subject(event_type, claims.get("sub_id"), fields)
        return SecurityEvent(jti, event_type, fields, subject)

    def _subject(self, event_type: str, sub_id: Any, fields: dict[str, Any]) -> str:
        """Check the event's subject and fields; return the id it is about."""
        if event_type == SESSION_REVOKED:
            if not isinstance(sub_id, dict) or sub_id.get("format") != "complex":
                raise SetError("invalid_request", "the subject is not a complex one")
            return _opaque_id(sub_id.get("session"), "session")
        if event_type == CREDENTIAL_CHANGE:
            return _opaque_id(sub_id, "subject")
        stream = _opaque_id(sub_id, "stream")
        if self.stream_id is not None and stream != self.stream_id:
            raise SetError("invalid_request", "the SET is about another stream")
        if event_type == VERIFICATION:
            if not isinstance(fields.get("state", ""), str):
                raise SetError("invalid_request", "the verification state is not text")
        elif fields.get("status") not in STREAM_STATUSES:
            raise SetError("invalid_request", "the stream status is not known")
        return stream

    def apply(self, event: SecurityEvent) -> bool:
        """Apply *event* once; return False if its ``jti`` was already applied."""
        if not self.revocations.first_time(event.jti):
            return False
        if event.event_type == SESSION_REVOKED:
            self.revocations.revoke(event.subject)
        elif event.event_type == VERIFICATION:
            state = event.fields.get("state")
            if not (state and self.revocations.confirm(state)):
                logger.info("a verification SET answered no question of ours")
        elif event.event_type == STREAM_UPDATED:
            status = event.fields["status"]
            self.revocations.set_status(status)
            if status != "enabled":
                logger.warning("the stream is %s: every token is refused", status)
        elif self.on_credential_change is not None:
            try:
                self.on_credential_change(event.subject, event.fields)
            except Exception:
                # The SET is applied; a failing callback must not make the
                # transmitter deliver it again, nor hide the next events.
                logger.exception("the credential-change callback failed")
        return True
