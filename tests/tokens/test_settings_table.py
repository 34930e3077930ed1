"""
One table of settings (tokens.app_settings): every key validated at start-up,
check ids unique, and docs/settings.md true to the table.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.checks import ERROR, WARNING
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tokens import checks
from tokens.app_settings import AppSettings, Duration, app_settings

ROOT = Path(__file__).resolve().parents[2]
TABLE = AppSettings.table()
NAMES = [setting.name for setting in TABLE]


def errors() -> list:
    return [m for m in checks.check_settings() if m.level == ERROR]


@pytest.fixture
def tokens(settings):
    """Set TOKENS keys for one test: ``tokens(CACHE_LEASE=250)``."""

    def set_keys(**values) -> None:
        settings.TOKENS = {**settings.TOKENS, **values}

    return set_keys


def test_a_number_where_a_duration_goes_is_an_error_naming_the_key(tokens):
    """The 500 of a cold request with Redis, caught at start-up instead."""
    tokens(CACHE_LEASE=250)
    (error,) = checks.check_settings()
    assert (error.id, error.level) == ("tokens.E020", ERROR)
    assert error.msg == 'TOKENS["CACHE_LEASE"] must be a timedelta, got int 250.'


def test_an_import_path_that_does_not_import_is_an_error(tokens):
    """A typo in ACCOUNT_NORMALIZER used to make every sign-in a 500."""
    tokens(ACCOUNT_NORMALIZER="accounts.emails.normalise_email")
    (error,) = checks.check_settings()
    assert error.id == "tokens.E042"
    assert error.msg.startswith(
        'TOKENS["ACCOUNT_NORMALIZER"] must be the import path of a callable, '
        "but 'accounts.emails.normalise_email' does not import:"
    )


def test_an_import_path_to_something_else_is_an_error(tokens):
    tokens(ACCOUNT_NORMALIZER="accounts.emails")
    (error,) = checks.check_settings()
    assert error.id == "tokens.E042"
    assert "got 'accounts.emails'" in error.msg


def test_manage_py_check_fails_on_a_wrong_value(tokens):
    tokens(CACHE_LEASE=250)
    with pytest.raises(SystemCheckError, match=r'TOKENS\["CACHE_LEASE"\]'):
        call_command("check")


class Wrong:
    """A value no setting accepts."""

    def __repr__(self) -> str:
        return "Wrong()"


@pytest.mark.parametrize("name", NAMES)
def test_every_key_refuses_a_value_of_the_wrong_type(tokens, name):
    tokens(**{name: Wrong()})
    (error,) = checks.check_settings()
    assert error.level == ERROR
    assert error.msg.startswith(f'TOKENS["{name}"] must be ')
    assert "Wrong()" in error.msg


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("ACCESS_TOKEN_LIFETIME", timedelta(seconds=5), "of 0:00:30 or more"),
        ("LEEWAY", timedelta(seconds=31), "between 0:00:00 and 0:00:30"),
        ("LEEWAY", 31, "between 0:00:00 and 0:00:30, got 0:00:31"),
        ("ROTATION_GRACE_PERIOD", timedelta(minutes=10), "between"),
        ("SESSION_LIFETIME", 30, "must be a timedelta, got int 30"),
        ("SESSION_IDLE_TIMEOUT", timedelta(minutes=1), "between 0:05:00"),
        ("CACHE_LEASE", timedelta(0), "between 0:00:00.001000 and 0:00:10"),
        ("REVOKED_RETENTION", timedelta(days=-1), "of 0:00:00 or more"),
    ],
)
def test_durations_out_of_bounds_are_errors(tokens, name, value, message):
    tokens(**{name: value})
    (error,) = checks.check_settings()
    assert error.id == "tokens.E020"
    assert f'TOKENS["{name}"]' in error.msg and message in error.msg


def test_durations_are_timedeltas_and_only_leeway_takes_seconds(tokens):
    """As SimpleJWT: lifetimes are timedeltas; LEEWAY may be a number."""
    tokens(LEEWAY=5)
    assert checks.check_settings() == []
    leeway = app_settings.LEEWAY
    assert leeway == timedelta(seconds=5)
    durations = [s for s in TABLE if isinstance(s, Duration)]
    assert [s.name for s in durations if s.seconds] == ["LEEWAY"]


@pytest.mark.parametrize(
    "name,value",
    [
        ("UNTYPED_TOKENS_UNTIL", datetime(2027, 3, 1)),  # naive: a 500 later
        ("UNTYPED_TOKENS_UNTIL", "2027-03-01"),
        ("SIGNING_KEYS", {"kid": "a"}),
        ("SIGNING_KEYS", ["not a dict"]),
        ("ACTIVE_KID", 1),
        ("CACHE_ALIAS", 0),
        ("ISSUER", None),
        ("REFRESH_COOKIE_PATH", b"/api/auth/"),
        ("TOKEN_OBTAIN_SERIALIZER", "rest_framework.serializers.Serializer"),
        ("CACHE_TTL", 1.5),
        ("MAX_TOKEN_BYTES", True),
        ("LEEWAY", float("nan")),
        ("LEEWAY", 1e20),
    ],
)
def test_values_of_the_wrong_kind_are_errors_naming_the_key(tokens, name, value):
    tokens(**{name: value})
    (error,) = checks.check_settings()
    assert error.level == ERROR
    assert error.msg.startswith(f'TOKENS["{name}"] must be ')


def test_the_defaults_pass(settings):
    keys = settings.TOKENS["SIGNING_KEYS"]
    settings.TOKENS = {"SIGNING_KEYS": keys}
    assert checks.check_settings() == []
    until = app_settings.UNTYPED_TOKENS_UNTIL
    assert until == datetime(2027, 3, 1, tzinfo=UTC)


def test_a_simple_jwt_value_is_named_as_such(settings):
    settings.TOKENS = {
        k: v for k, v in settings.TOKENS.items() if k != "ACCESS_TOKEN_LIFETIME"
    }
    settings.SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": 300}
    (error,) = checks.check_settings()
    assert error.msg == (
        'SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] must be a timedelta, got int 300.'
    )


def test_an_unknown_key_is_an_error_naming_the_closest_known_key(tokens):
    tokens(REVOKE_ON_PASWORD_CHANGE="all")
    (error,) = checks.check_settings()
    assert (error.id, error.level) == ("tokens.E044", ERROR)
    assert error.msg == (
        "TOKENS['REVOKE_ON_PASWORD_CHANGE'] is not a setting of the tokens app."
    )
    assert error.hint == "Did you mean 'REVOKE_ON_PASSWORD_CHANGE'?"


def test_an_unknown_key_without_a_close_match(tokens):
    tokens(XYZZY=1)
    (error,) = checks.check_settings()
    assert error.hint == "See docs/settings.md."


def test_tokens_must_be_a_dict(settings):
    settings.TOKENS = [("CACHE_TTL", 5)]
    (error,) = checks.check_settings()
    assert error.id == "tokens.E044"


def test_a_wrong_key_ring_does_not_break_the_other_checks(tokens):
    """Checks that read a value leave a refused one to check_settings."""
    tokens(SIGNING_KEYS="secret", CACHE_ALIAS=7, SESSION_LIFETIME="30d")
    assert checks.check_signing_keys() == []
    assert checks.check_revocation_cache() == []
    assert checks.check_lifetimes() == []
    from tokens import checks_keys

    assert checks_keys.check_key_strength() == []
    assert len(errors()) == 3


def test_long_simplejwt_lifetimes_warn_with_the_trade_off(settings):
    settings.TOKENS = {
        k: v for k, v in settings.TOKENS.items() if k != "ACCESS_TOKEN_LIFETIME"
    }
    settings.SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(days=7)}
    (warning,) = checks.check_settings()
    assert (warning.id, warning.level) == ("tokens.W022", WARNING)
    assert warning.msg == (
        'SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] is 7 days, 0:00:00, '
        "longer than the advised 1:00:00."
    )
    assert warning.hint


# One id per check ------------------------------------------------------------

CHECK_MODULES = ("tokens/checks.py", "tokens/checks_keys.py")
CHECK_ID = re.compile(r"^tokens\.[EW]\d{3}$")


def check_ids_by_definition() -> dict[str, set[str]]:
    """Map each check id to the top-level definitions (checks) that use it."""
    found: dict[str, set[str]] = defaultdict(set)
    for module in CHECK_MODULES:
        tree = ast.parse((ROOT / module).read_text())
        for node in tree.body:
            name = getattr(node, "name", None) or ast.unparse(node)[:40]
            for inner in ast.walk(node):
                if isinstance(inner, ast.Constant) and CHECK_ID.match(str(inner.value)):
                    found[inner.value].add(f"{module}:{name}")
    return found


def test_every_check_id_belongs_to_one_check():
    found = check_ids_by_definition()
    assert len(found) > 15
    shared = {check_id: where for check_id, where in found.items() if len(where) > 1}
    assert shared == {}


def test_every_setting_kind_has_its_own_check_id():
    ids = list(checks.SETTING_CHECK_IDS.values())
    assert len(ids) == len(set(ids))


# docs/settings.md from the table ---------------------------------------------

DOCS = ROOT / "docs" / "settings.md"
ROW = re.compile(r"^\| `([A-Z_]+)` \| (.*?) \| (.*) \|$")


def documented_rows() -> dict[str, list[str]]:
    """The rows of the page's "| Key | Default | Meaning |" tables, by key."""
    rows: dict[str, list[str]] = defaultdict(list)
    in_table = False
    for line in DOCS.read_text().splitlines():
        if line.startswith("| Key | Default | Meaning |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table and (row := ROW.match(line)):
            rows[row[1]].append(row[2])
    return rows


def test_the_docs_list_every_key_once():
    rows = documented_rows()
    assert sorted(rows) == sorted(NAMES)
    assert {k: v for k, v in rows.items() if len(v) > 1} == {}


@pytest.mark.parametrize("setting", TABLE, ids=NAMES)
def test_the_docs_give_each_default(setting):
    (default,) = documented_rows()[setting.name]
    assert f"`{setting.default_text()}`" in default


def fallback_pairs() -> set[tuple[str, str]]:
    """The SIMPLE_JWT table's (SIMPLE_JWT key, TOKENS key) pairs, in order."""
    names = re.compile(r"`([A-Z_]+)`")
    pairs = set()
    in_table = False
    for line in DOCS.read_text().splitlines():
        if line.startswith("| `SIMPLE_JWT` key | Used as |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table and not line.startswith("| ---"):
            theirs, ours = (names.findall(cell) for cell in line.split(" | ")[:2])
            if len(theirs) == len(ours):  # "`A`, `B` | `A`, `B`": one to one
                pairs |= set(zip(theirs, ours, strict=True))
    return pairs


def test_the_docs_list_each_simple_jwt_fallback():
    """The fallback table pairs each SIMPLE_JWT key with the TOKENS key it feeds."""
    documented = {(theirs, ours) for theirs, ours in fallback_pairs() if ours in NAMES}
    expected = {(s.simple_jwt, s.name) for s in TABLE if s.simple_jwt}
    assert documented == expected
