"""
RFC 7662 token introspection: the transmitter's answer for one token.

Used only when the receiver's own knowledge cannot decide (stale, or the token
predates what it knows): each such request then costs a round trip to the
issuer, which is why it is a fallback and not the rule. Only ``"active": true``
accepts; any other answer, and any failure, refuses.
"""

from __future__ import annotations

from typing import Any

from tokens_receiver import transport


class IntrospectionError(Exception):
    """The introspection endpoint could not be asked or gave no usable answer."""


class Introspection:
    """Ask ``url`` about a token, authenticated as a resource server."""

    def __init__(
        self, url: str, client_id: str, client_secret: str, *, timeout: float = 5.0
    ) -> None:
        self.url = transport.check_url(url)
        self._authorization = transport.basic_auth(client_id, client_secret)
        self.timeout = timeout

    def active(self, token: str, claims: dict[str, Any] | None = None) -> bool:
        """
        Return whether the issuer says *token* is active.

        When the answer names a ``sub`` or ``sid`` that differs from the
        verified *claims*, the token is not taken as active: the answer is
        about some other token.
        """
        try:
            answer = transport.post_form(
                self.url,
                {"token": token, "token_type_hint": "access_token"},
                authorization=self._authorization,
                timeout=self.timeout,
            )
        except transport.TransportError as exc:
            raise IntrospectionError(str(exc)) from exc
        if answer.status != 200:
            raise IntrospectionError(f"introspection answered HTTP {answer.status}")
        try:
            body = answer.json()
        except transport.TransportError as exc:
            raise IntrospectionError(str(exc)) from exc
        if not isinstance(body, dict):
            raise IntrospectionError("introspection answered no JSON object")
        if body.get("active") is not True:
            return False
        for name in ("sub", "sid"):
            if claims and name in body and body[name] != claims.get(name):
                return False
        return True
