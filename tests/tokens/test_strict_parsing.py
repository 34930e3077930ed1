"""
One spelling per token, one audience, explicit types.

Each segment must be canonical unpadded base64url (RFC 7515 §2); ``aud`` must be
our audience as a string; ``typ`` must name the token's type (RFC 8725 §3.11,
RFC 9068), with untyped tokens accepted only until ``UNTYPED_TOKENS_UNTIL``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest

from tests.tokens.craft import SESSIONS, claims_of, hs_header, sign_hs256
from tokens.signing import is_canonical_base64url

REFRESH = "/api/auth/token/refresh/"
VERIFY = "/api/auth/token/verify/"


@pytest.fixture
def pair(user, login) -> dict[str, str]:
    return login(user)


def bearer(api_client, token: str) -> int:
    return api_client.get(SESSIONS, HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def verify(api_client, token: str) -> int:
    return api_client.post(VERIFY, {"token": token}, format="json").status_code


def respell_last_character(segment: str) -> list[str]:
    """Other spellings of *segment* that decode to the same bytes."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    unused = {2: 4, 3: 2}[len(segment) % 4]
    index = alphabet.index(segment[-1])
    base = index & ~((1 << unused) - 1)
    return [
        segment[:-1] + alphabet[base + low]
        for low in range(1, 1 << unused)
        if base + low != index
    ]


def test_minted_tokens_are_canonical(pair):
    """What we mint passes the rule we enforce."""
    for token in pair.values():
        assert all(is_canonical_base64url(s.encode()) for s in token.split("."))


def test_a_padded_signature_is_refused(api_client, pair):
    """A token with '=' appended to its signature is a 401, access and refresh."""
    assert bearer(api_client, pair["access"]) == HTTPStatus.OK
    assert bearer(api_client, pair["access"] + "=") == HTTPStatus.UNAUTHORIZED
    assert verify(api_client, pair["access"] + "==") == HTTPStatus.UNAUTHORIZED
    response = api_client.post(
        REFRESH, {"refresh": pair["refresh"] + "="}, format="json"
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_padding_inside_a_segment_is_refused(api_client, pair):
    header, payload, signature = pair["access"].split(".")
    token = f"{header}=.{payload}.{signature}"
    assert verify(api_client, token) == HTTPStatus.UNAUTHORIZED


def test_non_canonical_final_characters_are_refused(api_client, pair):
    """Every other spelling of the signature's last character is a 401."""
    header, payload, signature = pair["access"].split(".")
    variants = respell_last_character(signature)
    assert len(variants) == 3  # a 32-byte HMAC leaves 2 unused bits
    for variant in variants:
        token = f"{header}.{payload}.{variant}"
        assert bearer(api_client, token) == HTTPStatus.UNAUTHORIZED, variant
        assert verify(api_client, token) == HTTPStatus.UNAUTHORIZED, variant


@pytest.mark.parametrize("blank", [" ", "\t", "\n", "\r\n"])
def test_whitespace_inside_a_token_is_refused(api_client, pair, blank):
    header, payload, signature = pair["access"].split(".")
    token = f"{header}.{payload[:10]}{blank}{payload[10:]}.{signature}"
    assert verify(api_client, token) == HTTPStatus.UNAUTHORIZED


def test_a_remainder_of_one_character_is_refused():
    assert not is_canonical_base64url(b"AAAAA")
    assert is_canonical_base64url(b"AAAA")
    assert not is_canonical_base64url(b"AB")  # 'B' sets an unused bit
    assert is_canonical_base64url(b"AA")


def test_an_audience_list_holding_ours_is_refused(api_client, pair, settings):
    """``aud`` must be exactly our audience, never a list that contains it."""
    claims = claims_of(pair["access"])
    claims["aud"] = [settings.TOKENS["AUDIENCE"]]
    assert bearer(api_client, sign_hs256(hs_header(), claims)) == 401
    claims["aud"] = [settings.TOKENS["AUDIENCE"], "other"]
    assert verify(api_client, sign_hs256(hs_header(), claims)) == 401


def test_typ_must_name_the_token_type(api_client, pair):
    """An access token must say at+jwt; a refresh token refresh+jwt."""
    access = claims_of(pair["access"])
    assert bearer(api_client, sign_hs256(hs_header(), access)) == HTTPStatus.OK
    for typ in ("refresh+jwt", "JWT", "jwt", "", None, 1):
        token = sign_hs256(hs_header(typ=typ), access)
        assert bearer(api_client, token) == HTTPStatus.UNAUTHORIZED, typ
    refresh = claims_of(pair["refresh"])
    token = sign_hs256(hs_header(typ="at+jwt"), refresh)
    assert verify(api_client, token) == HTTPStatus.UNAUTHORIZED


def test_typ_is_a_media_type(api_client, pair):
    """RFC 7515 §4.1.9: compared case-insensitively, "application/" optional."""
    access = claims_of(pair["access"])
    for typ in ("AT+JWT", "application/at+jwt"):
        assert bearer(api_client, sign_hs256(hs_header(typ=typ), access)) == 200


def untyped(claims: dict) -> str:
    header = hs_header()
    del header["typ"]
    return sign_hs256(header, claims)


def test_untyped_tokens_are_accepted_inside_the_rollout_window(
    api_client, pair, settings
):
    settings.TOKENS = {
        **settings.TOKENS,
        "UNTYPED_TOKENS_UNTIL": datetime.now(UTC) + timedelta(days=1),
    }
    assert bearer(api_client, untyped(claims_of(pair["access"]))) == HTTPStatus.OK
    response = api_client.post(
        REFRESH, {"refresh": untyped(claims_of(pair["refresh"]))}, format="json"
    )
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "until",
    [None, datetime(2020, 1, 1, tzinfo=UTC), "2099-01-01"],
    ids=["none", "past", "not a datetime"],
)
def test_untyped_tokens_are_refused_after_the_rollout_window(
    api_client, pair, settings, until
):
    settings.TOKENS = {**settings.TOKENS, "UNTYPED_TOKENS_UNTIL": until}
    token = untyped(claims_of(pair["access"]))
    assert bearer(api_client, token) == HTTPStatus.UNAUTHORIZED
    response = api_client.post(
        REFRESH, {"refresh": untyped(claims_of(pair["refresh"]))}, format="json"
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED
