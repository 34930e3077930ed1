"""
Registered resource servers: the clients of the OAuth endpoints (RFC 7662
introspection, RFC 7009 revocation) and of what else authenticates a service
rather than a user.

A resource server has a generated ``client_id`` and a secret. Only the
secret's hash is stored (Django's ``make_password``, the site's first
password hasher); the secret itself is returned once, when it is made, and
is never stored, logged or shown again. Instead of a secret, a server may
authenticate with an assertion signed by its private key (``private_key_jwt``):
it registers the public key in ``jwks`` (``tokens.client_keys`` validates it).
Authenticating one is ``tokens.resource_servers``; the model is exported by
``tokens.models``.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tokens.client_keys import jwks_validate

CLIENT_ID_BYTES = 16
SECRET_BYTES = 32


def new_client_id() -> str:
    """A fresh client id: 32 hex digits, nothing to escape in a form or Basic."""
    return secrets.token_hex(CLIENT_ID_BYTES)


def new_secret() -> str:
    """A fresh client secret: 256 random bits, base64url (43 characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


class ResourceServerManager(models.Manager["ResourceServer"]):
    def create_with_secret(
        self, *, name: str, audience: str = "", **fields: Any
    ) -> tuple[ResourceServer, str]:
        """Register a resource server; return it and its secret, shown once."""
        server = self.model(name=name, audience=audience, **fields)
        secret = server.set_secret()
        server.save()
        return server, secret


class ResourceServer(models.Model):
    name = models.CharField(_("name"), max_length=100)
    client_id = models.CharField(
        _("client ID"),
        max_length=64,
        unique=True,
        default=new_client_id,
        editable=False,
    )
    # make_password's encoding; "!..." (unusable) until a secret is set.
    secret_hash = models.CharField(
        _("secret hash"), max_length=256, default="", editable=False
    )
    audience = models.CharField(
        _("audience"),
        max_length=255,
        blank=True,
        help_text=_(
            "The aud claim of the security event tokens sent to this resource "
            "server. Empty: its client ID."
        ),
    )
    jwks = models.JSONField(
        _("public keys"),
        null=True,
        blank=True,
        validators=[jwks_validate],
        help_text=_(
            'A JWK Set ({"keys": [...]}) of public RSA, P-256 or Ed25519 keys: '
            "the server may then authenticate with a client assertion signed by "
            "the private key (private_key_jwt). Public keys only. Empty: by "
            "secret only."
        ),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("An inactive resource server cannot authenticate."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ResourceServerManager()

    class Meta:
        verbose_name = _("resource server")
        verbose_name_plural = _("resource servers")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name or self.client_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.audience:
            self.audience = self.client_id
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "audience"}
        if not self.secret_hash:
            self.secret_hash = make_password(None)
        super().save(*args, **kwargs)

    def set_secret(self) -> str:
        """Give the server a new secret (not saved); return it, to show once."""
        secret = new_secret()
        self.secret_hash = make_password(secret)
        return secret

    def rotate_secret(self) -> str:
        """Replace the secret and save: the old one stops working at once."""
        secret = self.set_secret()
        self.save(update_fields=["secret_hash"])
        return secret

    def check_secret(self, secret: str) -> bool:
        """
        Whether *secret* is this server's (constant time, as passwords are).
        A hash of an outdated hasher or cost is upgraded, as Django upgrades
        passwords, unless the secret was rotated meanwhile.
        """
        matched = self.secret_hash

        def upgrade(raw: str) -> None:
            self.secret_hash = make_password(raw)
            type(self).objects.filter(pk=self.pk, secret_hash=matched).update(
                secret_hash=self.secret_hash
            )

        return check_password(secret, matched, upgrade if self.pk else None)
