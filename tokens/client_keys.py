"""
The public keys a resource server registers for ``private_key_jwt`` client
authentication (RFC 7523 §2.2): a JSON Web Key Set (RFC 7517 §5) of public
keys only, each for one asymmetric signing algorithm.

``jwks_validate`` is the model field's validator (and so the admin form's);
``jwks_key`` picks the key an assertion's header names. Neither touches the
database: ``tokens.resource_server_model`` imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The algorithms an assertion may be signed with; never HMAC, never "none".
ALGORITHMS = ["RS256", "ES256", "EdDSA"]
# The one algorithm each kind of key signs with (the JWK's "alg" must agree).
KTY_ALGORITHMS = {"RSA": "RS256", "EC": "ES256", "OKP": "EdDSA"}
CURVES = {"EC": {"P-256"}, "OKP": {"Ed25519", "Ed448"}}
# Members of private or symmetric keys (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037).
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
MIN_RSA_BITS = 2048
MAX_KEYS = 10
MAX_KID_LENGTH = 128


@dataclass(frozen=True)
class PublicKey:
    kid: str | None
    algorithm: str
    key: Any


def jwks_validate(value: Any) -> None:
    """Raise ValidationError unless *value* is a JWK Set this app can use."""
    if value in (None, "", {}):
        return  # no key: the server authenticates by secret only
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
        raise ValidationError(
            _('A JWK Set is an object with a "keys" list.'), code="jwks"
        )
    keys = value["keys"]
    if not 0 < len(keys) <= MAX_KEYS:
        raise ValidationError(
            _("A JWK Set here holds 1 to %(max)d keys.") % {"max": MAX_KEYS},
            code="jwks",
        )
    kids = [key.get("kid") if isinstance(key, dict) else None for key in keys]
    if len(keys) > 1 and (None in kids or len(set(kids)) != len(kids)):
        raise ValidationError(
            _('With more than one key, each needs its own "kid".'), code="jwks"
        )
    for index, jwk in enumerate(keys, 1):
        problem = _jwk_problem(jwk)
        if problem is not None:
            raise ValidationError(
                _("Key %(index)d: %(problem)s") % {"index": index, "problem": problem},
                code="jwks",
            )


def _jwk_problem(jwk: Any) -> Any:
    if not isinstance(jwk, dict):
        return _("a key is a JSON object.")
    kty = jwk.get("kty")
    if kty == "oct":
        return _("a symmetric key (kty oct) is a shared secret, not a public key.")
    if PRIVATE_MEMBERS & jwk.keys():
        return _(
            "it holds private key members (%(members)s): register the public "
            "key only, and keep the private key with the resource server."
        ) % {"members": ", ".join(sorted(PRIVATE_MEMBERS & jwk.keys()))}
    if kty not in KTY_ALGORITHMS:
        return _("kty must be RSA, EC or OKP.")
    kid = jwk.get("kid")
    if kid is not None and not (
        isinstance(kid, str) and 0 < len(kid) <= MAX_KID_LENGTH
    ):
        return _("kid must be a string of 1 to %(max)d characters.") % {
            "max": MAX_KID_LENGTH
        }
    if jwk.get("use", "sig") != "sig":
        return _('use must be "sig".')
    if kty in CURVES and jwk.get("crv") not in CURVES[kty]:
        return _("the curve must be one of %(curves)s.") % {
            "curves": ", ".join(sorted(CURVES[kty]))
        }
    if jwk.get("alg", KTY_ALGORITHMS[kty]) != KTY_ALGORITHMS[kty]:
        return _("a %(kty)s key signs with %(alg)s here.") % {
            "kty": kty,
            "alg": KTY_ALGORITHMS[kty],
        }
    return _key_problem(jwk, KTY_ALGORITHMS[kty])


def _key_problem(jwk: dict[str, Any], algorithm: str) -> Any:
    # cryptography is optional (the crypto extra), as for asymmetric signing
    # keys: without it no assertion key can be registered or used.
    try:
        from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
    except ImportError:
        return _("public keys need the cryptography package (the crypto extra).")
    try:
        key = jwt.PyJWK(jwk, algorithm).key
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
        return _("it is not a valid public key.")
    public_types = (
        rsa.RSAPublicKey,
        ec.EllipticCurvePublicKey,
        ed25519.Ed25519PublicKey,
        ed448.Ed448PublicKey,
    )
    if not isinstance(key, public_types):
        return _("it is not a public key.")
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        return _("an RSA key needs at least %(bits)d bits.") % {"bits": MIN_RSA_BITS}
    return None


def jwks_key(jwks: Any, kid: Any) -> PublicKey | None:
    """
    The key of *jwks* an assertion whose header names *kid* is verified
    with, or None: the key of that ``kid``, or with no ``kid`` the only key.
    """
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        return None
    if kid is None:
        candidates = keys if len(keys) == 1 else []
    else:
        candidates = [k for k in keys if isinstance(k, dict) and k.get("kid") == kid]
    if len(candidates) != 1 or _jwk_problem(candidates[0]) is not None:
        return None  # a row written past the validator is no key either
    jwk = candidates[0]
    algorithm = KTY_ALGORITHMS[jwk["kty"]]
    return PublicKey(jwk.get("kid"), algorithm, jwt.PyJWK(jwk, algorithm).key)
