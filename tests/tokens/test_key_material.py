"""
Key material: guessable secrets fail ``check --deploy``; ``generatesigningkey``
prints a ring that keeps the live key.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shlex
import subprocess
import sys
from http import HTTPStatus

import pytest
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.core.management import call_command

from tests.tokens.craft import SESSIONS, header_of
from tests.tokens.test_keys import hmac_entry, new_private_key, pem_pair
from tokens.checks_keys import MIN_KEY_BITS, key_strength_bits

WEAK = {
    "one letter": "a" * 64,
    "short repeat": "abcd" * 16,
    "run": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",
    "words": "my-super-secret-jwt-signing-key-for-production!",
    "passphrase twice": "correcthorsebatterystaple" * 2,
    "two letters": "ab" * 32,
    "digits run": "0123456789" * 4,
}
STRONG = {
    "urlsafe 64": secrets.token_urlsafe(64),
    "urlsafe 32": secrets.token_urlsafe(32),
    "hex 32 bytes": secrets.token_hex(32),
}


def deploy_ids(settings, entries, active=None) -> set[str]:
    settings.TOKENS = {**settings.TOKENS, "SIGNING_KEYS": entries, "ACTIVE_KID": active}
    return {m.id for m in run_checks(include_deployment_checks=True)}


@pytest.mark.parametrize("secret", WEAK.values(), ids=WEAK.keys())
def test_guessable_secrets_are_estimated_weak(secret):
    assert len(secret.encode()) >= 32  # each passes the length rule
    assert key_strength_bits(secret) < MIN_KEY_BITS


@pytest.mark.parametrize("secret", STRONG.values(), ids=STRONG.keys())
def test_random_secrets_are_estimated_strong(secret):
    assert key_strength_bits(secret) >= MIN_KEY_BITS


@pytest.mark.parametrize("secret", WEAK.values(), ids=WEAK.keys())
def test_check_deploy_refuses_a_guessable_key(settings, secret):
    assert "tokens.E040" in deploy_ids(settings, [hmac_entry("weak", secret)])


def test_the_key_check_is_a_deploy_check(settings):
    """Development may use any key; only ``check --deploy`` refuses it."""
    settings.TOKENS = {**settings.TOKENS, "SIGNING_KEYS": [hmac_entry("w", "a" * 64)]}
    assert "tokens.E040" not in {m.id for m in run_checks()}


def test_check_deploy_accepts_a_generated_key(settings):
    out = io.StringIO()
    call_command("generatesigningkey", "--kid", "fresh", "--json", stdout=out)
    ids = deploy_ids(settings, [json.loads(out.getvalue())])
    assert not {"tokens.E040", "tokens.E006"} & ids


def test_check_deploy_refuses_a_short_rsa_key(settings):
    from cryptography.hazmat.primitives.asymmetric import rsa

    private, public = pem_pair(
        rsa.generate_private_key(public_exponent=65537, key_size=1024)
    )
    entry = {"kid": "r", "algorithm": "RS256", "private_key": private}
    assert "tokens.E007" in deploy_ids(settings, [entry])
    strong, _ = pem_pair(new_private_key("RS256"))
    entry = {"kid": "r", "algorithm": "RS256", "private_key": strong}
    assert "tokens.E007" not in deploy_ids(settings, [entry])


def test_check_deploy_refuses_forty_as(tmp_path):
    """The audit's case, end to end: 40 x 'a' as JWT_SIGNING_KEY fails the deploy."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": "a" * 40,
        "ALLOWED_HOSTS": "api.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "tokens.E040" in result.stderr


# generatesigningkey ------------------------------------------------------------


def printed_steps() -> list[dict[str, str]]:
    """Run the command; return the variables of each step, in order."""
    out = io.StringIO()
    call_command("generatesigningkey", "--kid", "next", stdout=out)
    steps, current = [], {}
    for line in out.getvalue().splitlines():
        if line.startswith("# 2.") or line.startswith("# 3."):
            steps.append(current)
            current = {}
        if line.startswith("JWT_"):
            name, value = line.split("=", 1)
            (current[name],) = shlex.split(value)
    steps.append(current)
    return steps


def project_ring(environment: dict[str, str]) -> tuple[list, str | None]:
    """The key ring config/settings.py builds from *environment*, as deployed."""
    probe = (
        "import json, config.settings as s; "
        "print(json.dumps([s.TOKENS['SIGNING_KEYS'], s.TOKENS['ACTIVE_KID']]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("JWT_")}
    env.update(
        DEBUG="0",
        SECRET_KEY=django_settings.SECRET_KEY,
        JWT_SIGNING_KEY=os.environ["JWT_SIGNING_KEY"],
        **environment,
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    ring, active = json.loads(result.stdout)
    return ring, active


def test_generatesigningkey_prints_the_whole_next_ring(settings):
    """Step 1's JWT_KEYS holds every current key unchanged, then the new one."""
    current = list(settings.TOKENS["SIGNING_KEYS"])
    step1, step2, step3 = printed_steps()
    ring = json.loads(step1["JWT_KEYS"])
    assert ring[:-1] == current
    assert ring[-1]["kid"] == "next"
    assert step1["JWT_ACTIVE_KID"] == current[0]["kid"]
    assert step2 == {"JWT_ACTIVE_KID": "next"}
    assert [e["kid"] for e in json.loads(step3["JWT_KEYS"])] == ["next"]


def test_following_generatesigningkey_never_drops_the_live_key(
    settings, api_client, user, login
):
    """
    In the default setup (JWT_SIGNING_KEY, no JWT_KEYS), a token minted before
    the rotation authenticates after each step, until its key is retired.
    """
    assert "JWT_KEYS" not in os.environ
    before = login(user)["access"]
    step1, step2, _ = printed_steps()
    accumulated: dict[str, str] = {}
    for step, signer in ((step1, "primary"), (step2, "next")):
        accumulated.update(step)
        ring, active = project_ring(accumulated)
        settings.TOKENS = {
            **settings.TOKENS,
            "SIGNING_KEYS": ring,
            "ACTIVE_KID": active,
        }
        response = api_client.get(SESSIONS, HTTP_AUTHORIZATION=f"Bearer {before}")
        assert response.status_code == HTTPStatus.OK, step
        assert header_of(login(user)["access"])["kid"] == signer
