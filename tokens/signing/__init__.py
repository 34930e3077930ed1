"""
Signing and verifying tokens with the key ring; import its public names from here.

- ``keys``: the signing keys and the key ring (``SigningKey``, ``build_key``,
  ``KeyRing``, ``get_key_ring``) and the algorithm lists.
- ``parsing``: strict parsing (canonical base64url, strict JSON, integer dates,
  the header, ``jws_verify``, the ``typ`` and ``aud`` checks, ``REQUIRED_CLAIMS``).
- ``memory``: the tokens a process has verified (``VerifiedTokens``).
- ``fast_path``: the HMAC decode that spares PyJWT (``hmac_fast_decode``).
- ``backend``: ``KeyRingBackend``, SimpleJWT's ``TokenBackend`` interface, and
  ``token_backend``, the instance SimpleJWT's tokens use.
"""

from tokens.signing.backend import KeyRingBackend, token_backend
from tokens.signing.fast_path import hmac_fast_decode
from tokens.signing.keys import (
    ASYMMETRIC_ALGORITHMS,
    HMAC_ALGORITHMS,
    HMAC_DIGESTS,
    SUPPORTED_ALGORITHMS,
    KeyRing,
    SigningKey,
    build_key,
    get_key_ring,
)
from tokens.signing.memory import VerifiedTokens
from tokens.signing.parsing import (
    FORBIDDEN_HEADERS,
    MAX_NUMERIC_DATE,
    NUMERIC_DATE_CLAIMS,
    REQUIRED_CLAIMS,
    TOKEN_TYPES,
    check_audience,
    check_token_type,
    is_canonical_base64url,
    jws_verify,
    read_header,
    split_token,
)

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "FORBIDDEN_HEADERS",
    "HMAC_ALGORITHMS",
    "HMAC_DIGESTS",
    "MAX_NUMERIC_DATE",
    "NUMERIC_DATE_CLAIMS",
    "REQUIRED_CLAIMS",
    "SUPPORTED_ALGORITHMS",
    "TOKEN_TYPES",
    "KeyRing",
    "KeyRingBackend",
    "SigningKey",
    "VerifiedTokens",
    "build_key",
    "check_audience",
    "check_token_type",
    "get_key_ring",
    "hmac_fast_decode",
    "is_canonical_base64url",
    "jws_verify",
    "read_header",
    "split_token",
    "token_backend",
]
