"""
Deploy checks of the key material (``manage.py check --deploy``).

A long secret is not a strong one: 40 × ``a`` passes any length rule. Each
HMAC secret's strength is estimated three ways and the lowest estimate counts:

- the Shannon entropy of its characters, times its length (low for repeats
  and small alphabets: ``aaaa...``, ``abab...``);
- the same over the differences between neighbouring characters (low for runs
  and patterns: ``abcdef...``, ``0123...``, ``abcdabcd...``);
- zxcvbn's guess count, when the zxcvbn package is installed (dictionary
  words, names, keyboard walks, l33t spellings: ``my-super-secret-key...``).

The first two are upper bounds that cost nothing and need no package; zxcvbn
(the ``keycheck`` extra, installed by this project) is the one that knows
words. A secret below ``MIN_KEY_BITS`` is an Error: a key that can be guessed
lets anyone mint tokens. ``generatesigningkey`` makes keys far above it.

RSA keys shorter than 2048 bits are an Error too (RFC 7518 §3.3, ``tokens.E007``;
formerly ``tokens.E041``).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register

from tokens.app_settings import AppSettings, app_settings
from tokens.signing import HMAC_ALGORITHMS, build_key

# RFC 7518 §3.2 asks for a key at least as long as the hash output; 128 bits of
# entropy is the security level of HS256 against guessing.
MIN_KEY_BITS = 128
MIN_RSA_BITS = 2048
# zxcvbn refuses longer input; the prefix of a random key is random too.
ZXCVBN_MAX_LENGTH = 72


def _shannon_bits(symbols: list[Any]) -> float:
    if not symbols:
        return 0.0
    total = len(symbols)
    counts = Counter(symbols).values()
    per_symbol = -sum(n / total * math.log2(n / total) for n in counts)
    return per_symbol * total


def _zxcvbn_bits(secret: str) -> float | None:
    try:
        from zxcvbn import zxcvbn
    except ImportError:
        return None
    guesses_log10: float = zxcvbn(secret[:ZXCVBN_MAX_LENGTH])["guesses_log10"]
    return guesses_log10 * math.log2(10)


def key_strength_bits(secret: str) -> float:
    """Return an estimate of the entropy of *secret* in bits (the lowest of three)."""
    points = [ord(char) for char in secret]
    deltas = [b - a for a, b in zip(points, points[1:], strict=False)]
    estimates = [_shannon_bits(points), _shannon_bits(deltas)]
    guessed = _zxcvbn_bits(secret)
    if guessed is not None:
        estimates.append(guessed)
    return min(estimates)


@register(Tags.security, deploy=True)
def check_key_strength(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    ring = app_settings.SIGNING_KEYS
    if AppSettings.SIGNING_KEYS.problem(ring) is not None:
        return []  # tokens.checks.check_settings reports it
    errors: list[CheckMessage] = []
    for entry in ring:
        try:
            key = build_key(entry)
        except (ValueError, TypeError):
            continue  # tokens.E002 reports it
        if key.algorithm in HMAC_ALGORITHMS:
            errors += _check_secret(key.kid, str(entry.get("secret", "")))
        else:
            errors += _check_asymmetric(key)
    return errors


def _check_secret(kid: str, secret: str) -> list[CheckMessage]:
    bits = key_strength_bits(secret)
    if bits >= MIN_KEY_BITS:
        return []
    return [
        Error(
            f"Key {kid!r} is guessable: about {bits:.0f} bits of entropy, "
            f"fewer than {MIN_KEY_BITS} (repeats, runs, words or a small alphabet).",
            hint="Replace it with one from `manage.py generatesigningkey`.",
            id="tokens.E040",
        )
    ]


def _check_asymmetric(key: Any) -> list[CheckMessage]:
    size = getattr(key.verifying_key, "key_size", None)
    if key.algorithm.startswith("RS") and size is not None and size < MIN_RSA_BITS:
        return [
            Error(
                f"Key {key.kid!r} is a {size}-bit RSA key.",
                hint=f"RFC 7518 §3.3: use at least {MIN_RSA_BITS} bits.",
                id="tokens.E007",
            )
        ]
    return []
