"""
tokens_receiver: refuse the access tokens of revoked sessions in another
service, one with no access to the issuer's database or cache.

The issuer (a site running ``tokens``) transmits Security Event Tokens
(OpenID SSF, CAEP): a session revoked there is pushed to, or polled by, this
receiver, which then refuses every access token of that session. It verifies
tokens against the issuer's JWKS alone, and fails closed: when it has not
heard from the transmitter for ``max_staleness``, it refuses every token (or
asks introspection, if configured).

Nothing here imports Django: ``tokens_receiver.django`` is the one module
that does, and ``tokens_receiver.fastapi`` the one that imports FastAPI.
"""

from tokens_receiver.config import ConfigurationError, ReceiverConfig
from tokens_receiver.errors import SetError, TokenRefused
from tokens_receiver.introspection import Introspection
from tokens_receiver.receiver import Receiver
from tokens_receiver.revocations import RevocationSet
from tokens_receiver.verifier import Verifier

__all__ = [
    "ConfigurationError",
    "Introspection",
    "Receiver",
    "ReceiverConfig",
    "RevocationSet",
    "SetError",
    "TokenRefused",
    "Verifier",
]
