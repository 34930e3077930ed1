"""
Tokens a process has verified are remembered by digest (``VerifiedTokens``).

The memory may only save work: a remembered token is refused as soon as it
expires, its key leaves the ring, the settings it was checked against change
or its session is revoked, and nothing but a digest of it is kept.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.checks import Error
from rest_framework.exceptions import AuthenticationFailed

from tests.tokens.craft import claims_of, hs_header, sign_hs256
from tokens import services
from tokens.checks import check_settings
from tokens.models import RevocationReason
from tokens.signing import backend as backends
from tokens.signing import get_key_ring
from tokens.tokens import AccessToken, RefreshToken


@pytest.fixture(autouse=True)
def forget_verified_tokens():
    # The ring outlives a test: start each one with nothing remembered.
    get_key_ring().verified.entries.clear()


@pytest.fixture
def pair(user):
    return services.session_create(user=user)


@pytest.fixture
def full_checks(monkeypatch) -> list[bytes]:
    """Record every token that goes through the full signature check."""
    checked: list[bytes] = []
    fast_decode = backends.hmac_fast_decode

    def recording(token, key, header=None):
        checked.append(token)
        return fast_decode(token, key, header)

    monkeypatch.setattr(backends, "hmac_fast_decode", recording)
    return checked


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def test_a_token_seen_again_skips_the_signature_check(pair, authenticate, full_checks):
    authenticate(pair.access)
    user, token = authenticate(pair.access)
    assert len(full_checks) == 1
    assert token["sid"] == str(pair.session.pk)
    assert user.pk == pair.session.user_id


def test_only_a_digest_of_the_token_is_kept(pair, authenticate):
    authenticate(pair.access)
    entries = get_key_ring().verified.entries
    assert list(entries) == [digest(pair.access)]
    kept = repr(entries)
    for part in pair.access.split("."):
        assert part not in kept


def test_a_remembered_token_is_refused_once_expired(user, authenticate, settings):
    settings.TOKENS = {
        **settings.TOKENS,
        "ACCESS_TOKEN_LIFETIME": timedelta(seconds=1),
        "LEEWAY": timedelta(0),
    }
    access = services.session_create(user=user).access
    authenticate(access)
    assert digest(access) in get_key_ring().verified.entries
    time.sleep(max(0.0, claims_of(access)["exp"] - time.time()) + 0.05)
    with pytest.raises(AuthenticationFailed) as refused:
        authenticate(access)
    assert refused.value.get_codes()["code"] == "token_not_valid"
    assert digest(access) not in get_key_ring().verified.entries


def test_a_remembered_token_is_refused_once_its_session_is_revoked(
    pair, authenticate, django_capture_on_commit_callbacks
):
    authenticate(pair.access)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_revoke(session=pair.session, reason=RevocationReason.LOGOUT)
    with pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


def test_a_remembered_token_is_refused_once_its_key_leaves_the_ring(
    pair, authenticate, settings
):
    authenticate(pair.access)
    settings.TOKENS = {
        **settings.TOKENS,
        "SIGNING_KEYS": [{"kid": "next", "algorithm": "HS256", "secret": "n" * 64}],
        "ACTIVE_KID": "next",
    }
    with pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


@pytest.mark.parametrize("name", ["ISSUER", "AUDIENCE"])
def test_a_remembered_token_is_refused_once_the_claim_it_carries_is_not_ours(
    pair, authenticate, settings, name
):
    authenticate(pair.access)
    settings.TOKENS = {**settings.TOKENS, name: "someone-else"}
    with pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


def test_simplejwt_settings_rebuild_the_memory(pair, authenticate, settings):
    # Where TOKENS sets no issuer, SIMPLE_JWT's is used: a change there counts.
    authenticate(pair.access)
    before = get_key_ring()
    settings.SIMPLE_JWT = {**getattr(settings, "SIMPLE_JWT", {}), "LEEWAY": 1}
    assert get_key_ring() is not before
    assert get_key_ring().verified.entries == {}


def test_a_changed_byte_is_a_different_token(pair, authenticate):
    authenticate(pair.access)
    head, payload, signature = pair.access.split(".")
    other = "A" if signature[-2] != "A" else "B"
    forged = f"{head}.{payload}.{signature[:-2]}{other}{signature[-1]}"
    with pytest.raises(AuthenticationFailed):
        authenticate(forged)


def test_changing_a_tokens_payload_does_not_change_what_is_remembered(pair):
    first = AccessToken(pair.access)
    first.payload["sub"] = "someone else"
    first.payload["extra"] = True
    again = AccessToken(pair.access)
    assert again["sub"] == str(pair.session.user_id)
    assert "extra" not in again.payload


def test_the_memory_keeps_the_newest_tokens_up_to_its_size(
    user, authenticate, settings
):
    settings.TOKENS = {**settings.TOKENS, "VERIFIED_TOKENS_CACHE": 3}
    accesses = [services.session_create(user=user).access for _ in range(5)]
    for access in accesses:
        authenticate(access)
    assert list(get_key_ring().verified.entries) == [digest(a) for a in accesses[2:]]


def test_size_zero_verifies_every_request(pair, authenticate, settings, full_checks):
    settings.TOKENS = {**settings.TOKENS, "VERIFIED_TOKENS_CACHE": 0}
    authenticate(pair.access)
    authenticate(pair.access)
    assert len(full_checks) == 2
    assert get_key_ring().verified.entries == {}


def test_an_untyped_token_is_checked_in_full_every_time(
    pair, authenticate, settings, full_checks
):
    # Its acceptance ends at UNTYPED_TOKENS_UNTIL, a moment and not a setting.
    settings.TOKENS = {
        **settings.TOKENS,
        "UNTYPED_TOKENS_UNTIL": datetime.now(UTC) + timedelta(days=1),
    }
    header = {k: v for k, v in hs_header().items() if k != "typ"}
    untyped = sign_hs256(header, claims_of(pair.access))
    authenticate(untyped)
    authenticate(untyped)
    assert len(full_checks) == 2
    assert get_key_ring().verified.entries == {}


@pytest.mark.parametrize("value", [-1, "1024", 1.5, None, True])
def test_counts_must_be_whole_numbers(settings, value):
    settings.TOKENS = {**settings.TOKENS, "VERIFIED_TOKENS_CACHE": value}
    [problem] = check_settings()
    assert isinstance(problem, Error)
    assert problem.id == "tokens.E043"
    assert "VERIFIED_TOKENS_CACHE" in problem.msg


def test_threads_adding_at_once_keep_the_bound(user, settings):
    # gthread workers verify in several threads of one process.
    settings.TOKENS = {**settings.TOKENS, "VERIFIED_TOKENS_CACHE": 4}
    accesses = [services.session_create(user=user).access for _ in range(40)]
    failures: list[BaseException] = []

    def verify_all(offset: int) -> None:
        try:
            for access in accesses[offset:] + accesses[:offset]:
                AccessToken(access)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=verify_all, args=(n * 5,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(get_key_ring().verified.entries) <= 4


def test_refresh_tokens_are_not_remembered(pair):
    # Each is used once; memory is kept for the access tokens sent again.
    AccessToken(pair.access)
    RefreshToken(pair.refresh)
    assert list(get_key_ring().verified.entries) == [digest(pair.access)]


def test_a_token_with_nested_claims_is_checked_in_full_every_time(
    pair, authenticate, full_checks
):
    # What a hit returns is a shallow copy: a list inside it would be shared.
    claims = {**claims_of(pair.access), "roles": ["reader"]}
    nested = sign_hs256(hs_header(), claims)
    authenticate(nested)
    authenticate(nested)
    assert len(full_checks) == 2
    assert get_key_ring().verified.entries == {}
