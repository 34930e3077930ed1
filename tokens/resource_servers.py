"""
Authenticating a registered resource server (``tokens.models.ResourceServer``)
the way RFC 6749 §2.3.1 authenticates a client: HTTP Basic with
``client_id:client_secret`` (``client_secret_basic``), or the ``client_id`` and
``client_secret`` fields of the body (``client_secret_post``); or, for a
server that registered a public key, RFC 7523's ``client_assertion_type`` and
``client_assertion`` fields, a JWT signed with its private key
(``private_key_jwt``, verified by ``tokens.client_assertions``). One method
per request: two are ``invalid_request``.

Every failure is the same ``invalid_client`` (401, with ``WWW-Authenticate:
Basic``), whatever failed: no credentials, an unknown client, a wrong secret,
an inactive server, an assertion forged, expired or replayed. An unknown
client costs the same hashing as a wrong secret, so the answer's timing does
not tell which client ids exist; the secret is checked with the password
hasher's constant-time comparison. A failure is a ``client_auth_failed``
security event and, under ``ClientAuthIPThrottle``, counts against the
client address like a failed sign-in.

A secret once verified is remembered by this process by its SHA-256 beside
the hash it matched, so that a resource server calling often costs one slow
hash per process, not one per request. A rotated secret changes the hash and
a deactivated server is refused from its row, both at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import unquote_plus

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException, AuthenticationFailed

from tokens.client_assertions import JWT_BEARER, AssertionRefused, assertion_verify
from tokens.client_assertions import METHOD as PRIVATE_KEY_JWT
from tokens.client_keys import ALGORITHMS as ASSERTION_ALGORITHMS
from tokens.resource_server_model import ResourceServer
from tokens.security import security_event
from tokens.throttles import failed_login_record

REALM = "api"
BASIC = "client_secret_basic"
POST = "client_secret_post"
AUTH_METHODS = [BASIC, POST, PRIVATE_KEY_JWT]
AUTH_SIGNING_ALGORITHMS = ASSERTION_ALGORITHMS  # of private_key_jwt
# Longer is no secret of ours, and would only make the hasher work.
MAX_SECRET_LENGTH = 256
MAX_ASSERTION_LENGTH = 8192
ASSERTION_FIELDS = ("client_assertion_type", "client_assertion")
CLIENT_ID = re.compile(r"[\x21-\x7e]{1,64}")
# last_used_at is written at most this often per server.
LAST_USED_PRECISION = timedelta(minutes=1)
REMEMBERED_SECRETS = 256


class InvalidClient(AuthenticationFailed):
    """RFC 6749 §5.2 ``invalid_client``: the client could not be authenticated."""

    default_detail = _("Client authentication failed.")
    default_code = "invalid_client"


class InvalidRequest(APIException):
    """RFC 6749 §5.2 ``invalid_request``: a repeated parameter, two methods, ..."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The request is malformed.")
    default_code = "invalid_request"


@dataclass(frozen=True)
class ClientCredentials:
    """What a request presents; for ``private_key_jwt``, *secret* is the
    assertion and *client_id* the ``client_id`` field (empty: none sent)."""

    client_id: str
    secret: str
    method: str


def client_credentials(request: Any) -> ClientCredentials | None:
    """
    Return the credentials *request* presents, or None if it presents none.

    Raise InvalidRequest for a repeated field or both methods at once, and
    InvalidClient for credentials that cannot be anybody's.
    """
    basic = _basic(request.META.get("HTTP_AUTHORIZATION", ""))
    asserted = _asserted(request.data)
    posted = None if asserted is not None else _posted(request.data)
    if sum(found is not None for found in (basic, posted, asserted)) > 1:
        raise InvalidRequest(_("Use one client authentication method, not two."))
    if asserted is not None:
        if not (
            (not asserted.client_id or CLIENT_ID.fullmatch(asserted.client_id))
            and 0 < len(asserted.secret) <= MAX_ASSERTION_LENGTH
        ):
            raise _refused(request, "malformed", asserted)
        return asserted
    found = basic or posted
    if found is not None and not (
        CLIENT_ID.fullmatch(found.client_id)
        and 0 < len(found.secret) <= MAX_SECRET_LENGTH
    ):
        raise _refused(request, "malformed")
    return found


def _basic(header: str) -> ClientCredentials | None:
    scheme, _sep, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None  # no Basic credentials: another scheme is not ours to judge
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return ClientCredentials("", "", BASIC)  # refused as malformed
    client_id, _sep, secret = decoded.partition(":")
    # Each part is form-encoded before Basic encoding (RFC 6749 §2.3.1).
    return ClientCredentials(unquote_plus(client_id), unquote_plus(secret), BASIC)


def _posted(data: Any) -> ClientCredentials | None:
    if not hasattr(data, "get"):
        return None  # a JSON body that is no object carries no fields
    for name in ("client_id", "client_secret"):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        if len(values) > 1:
            raise InvalidRequest(
                _("The parameter %(name)s is repeated.") % {"name": name}
            )
    client_id, secret = data.get("client_id"), data.get("client_secret")
    if client_id is None and secret is None:
        return None
    if not isinstance(client_id, str) or not isinstance(secret, str):
        return ClientCredentials("", "", POST)  # refused as malformed
    return ClientCredentials(client_id, secret, POST)


def _asserted(data: Any) -> ClientCredentials | None:
    """RFC 7523 §2.2's fields, or None if the body has neither of them."""
    if not hasattr(data, "get"):
        return None
    for name in (*ASSERTION_FIELDS, "client_id"):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        if len(values) > 1:
            raise InvalidRequest(
                _("The parameter %(name)s is repeated.") % {"name": name}
            )
    kind, assertion = data.get("client_assertion_type"), data.get("client_assertion")
    if kind is None and assertion is None:
        return None
    if data.get("client_secret") is not None:
        raise InvalidRequest(_("Use one client authentication method, not two."))
    client_id = data.get("client_id", "")
    if (
        kind != JWT_BEARER
        or not isinstance(assertion, str)
        or not isinstance(client_id, str)
    ):
        return ClientCredentials("", "", PRIVATE_KEY_JWT)  # refused as malformed
    return ClientCredentials(client_id, assertion, PRIVATE_KEY_JWT)


def client_authenticate(request: Any) -> ResourceServer:
    """Return the active resource server *request* authenticates as, else raise."""
    credentials = client_credentials(request)
    if credentials is None:
        raise _refused(request, "no_credentials")
    if credentials.method == PRIVATE_KEY_JWT:
        return _assertion_authenticate(request, credentials)
    server = ResourceServer.objects.filter(client_id=credentials.client_id).first()
    if server is None:
        # The work a wrong secret costs: no timing tells which ids exist.
        make_password(credentials.secret)
        raise _refused(request, "unknown_client", credentials)
    if not verified_secrets.matches(server, credentials.secret):
        raise _refused(request, "bad_secret", credentials)
    if not server.is_active:
        raise _refused(request, "inactive", credentials)
    _touch(server)
    return server


def _assertion_authenticate(
    request: Any, credentials: ClientCredentials
) -> ResourceServer:
    try:
        server = assertion_verify(
            request, credentials.secret, credentials.client_id or None
        )
    except AssertionRefused as refusal:
        # The log names the client the assertion claims to be, never the JWT.
        client_id = refusal.client_id or credentials.client_id
        refused = ClientCredentials(client_id, "", PRIVATE_KEY_JWT)
        raise _refused(request, refusal.reason, refused) from None
    _touch(server)
    return server


def _refused(
    request: Any, reason: str, credentials: ClientCredentials | None = None
) -> InvalidClient:
    failed_login_record(request=request)  # the throttle keeps this attempt's count
    security_event(
        "client_auth_failed",
        "resource server authentication failed",
        level=logging.WARNING,
        request=request,
        reason=reason,
        client_id=credentials.client_id if credentials else None,
        method=credentials.method if credentials else None,
        path=getattr(request, "path", None),
    )
    return InvalidClient()


def _touch(server: ResourceServer) -> None:
    now = timezone.now()
    last = server.last_used_at
    if last is None or now - last >= LAST_USED_PRECISION:
        ResourceServer.objects.filter(pk=server.pk).update(last_used_at=now)
        server.last_used_at = now


class VerifiedSecrets:
    """
    The secrets this process has verified, as (hash matched, SHA-256 of the
    secret) by server: the same secret against the same hash is not hashed
    again. A new hash (a rotation) is checked in full.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.entries: dict[Any, tuple[str, bytes]] = {}

    def matches(self, server: ResourceServer, secret: str) -> bool:
        digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()
        entry = self.entries.get(server.pk)
        if (
            entry is not None
            and entry[0] == server.secret_hash
            and hmac.compare_digest(entry[1], digest)
        ):
            return True
        # Anything else is hashed in full, a wrong secret included: only a
        # right one is answered faster, and it is told so anyway.
        if not server.check_secret(secret):
            return False
        with self.lock:
            if len(self.entries) >= self.size:
                self.entries.pop(next(iter(self.entries)), None)
            self.entries[server.pk] = (server.secret_hash, digest)
        return True

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


verified_secrets = VerifiedSecrets(REMEMBERED_SECRETS)


class ResourceServerAuthentication(BaseAuthentication):
    """
    DRF authentication of a resource server: ``request.auth`` is the
    ``ResourceServer``, ``request.user`` an ``AnonymousUser`` (a service is
    nobody's account). Never answers "no credentials": a request without
    them is refused, so use it alone on a view. A view that throttles
    failures reads ``request.auth`` after its throttles have run (see
    ``tokens.oauth_views.OAuthView.perform_authentication``).
    """

    def authenticate(self, request: Any) -> tuple[AnonymousUser, ResourceServer]:
        return AnonymousUser(), client_authenticate(request)

    def authenticate_header(self, request: Any) -> str:
        return f'Basic realm="{REALM}"'
