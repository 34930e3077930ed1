"""
A name that moved still imports from its old module for one release.

It is the very object its new module holds, and getting it warns with a
DeprecationWarning that names the new path, blamed on the caller's line (so the
test settings' filter, which fails the suite on DeprecationWarnings raised from
``tokens`` code, catches an old path left in ``tokens``). Nothing in ``tokens``
imports an old module.
"""

from __future__ import annotations

import ast
import re
from importlib import import_module
from pathlib import Path

import pytest

import tokens

# (old module, name, new module)
MOVED = [
    ("tokens.backends", "HMAC_DIGESTS", "tokens.signing"),
    ("tokens.backends", "HMAC_ALGORITHMS", "tokens.signing"),
    ("tokens.backends", "ASYMMETRIC_ALGORITHMS", "tokens.signing"),
    ("tokens.backends", "SUPPORTED_ALGORITHMS", "tokens.signing"),
    ("tokens.backends", "SigningKey", "tokens.signing"),
    ("tokens.backends", "build_key", "tokens.signing"),
    ("tokens.backends", "KeyRing", "tokens.signing"),
    ("tokens.backends", "get_key_ring", "tokens.signing"),
    ("tokens.backends", "VerifiedTokens", "tokens.signing"),
    ("tokens.backends", "FORBIDDEN_HEADERS", "tokens.signing"),
    ("tokens.backends", "REQUIRED_CLAIMS", "tokens.signing"),
    ("tokens.backends", "NUMERIC_DATE_CLAIMS", "tokens.signing"),
    ("tokens.backends", "MAX_NUMERIC_DATE", "tokens.signing"),
    ("tokens.backends", "TOKEN_TYPES", "tokens.signing"),
    ("tokens.backends", "is_canonical_base64url", "tokens.signing"),
    ("tokens.backends", "split_token", "tokens.signing"),
    ("tokens.backends", "read_header", "tokens.signing"),
    ("tokens.backends", "jws_verify", "tokens.signing"),
    ("tokens.backends", "check_token_type", "tokens.signing"),
    ("tokens.backends", "check_audience", "tokens.signing"),
    ("tokens.backends", "hmac_fast_decode", "tokens.signing"),
    ("tokens.backends", "KeyRingBackend", "tokens.signing"),
    ("tokens.backends", "token_backend", "tokens.signing"),
]
# (old module, old name, new module, new name): moved and renamed.
RENAMED = [
    ("tokens.state", "get_state", "tokens.revocation", "get_state"),
    ("tokens.state", "session_user_get", "tokens.revocation", "session_user_get"),
    (
        "tokens.state",
        "sessions_mark_revoked",
        "tokens.revocation",
        "sessions_mark_revoked",
    ),
    ("tokens.state", "sessions_forget", "tokens.revocation", "sessions_forget"),
    ("tokens.state", "SessionUser", "tokens.revocation", "SessionUser"),
    ("tokens.state", "Lookup", "tokens.revocation", "Lookup"),
    ("tokens.state", "SessionState", "tokens.revocation", "CacheRevocationState"),
    ("tokens.state", "RedisSessionState", "tokens.revocation", "RedisRevocationState"),
    ("tokens.state", "MISS", "tokens.revocation.protocol", "Outcome.MISS"),
    ("tokens.state", "VALID", "tokens.revocation.protocol", "Outcome.VALID"),
    (
        "tokens.state",
        "REVOKED_SESSION",
        "tokens.revocation.protocol",
        "Outcome.REVOKED",
    ),
    ("tokens.state", "UNLEASED", "tokens.revocation.protocol", "Outcome.UNLEASED"),
    ("tokens.state", "NO_CACHE", "tokens.revocation.protocol", "NO_CACHE"),
    ("tokens.state", "EPOCH_KEY", "tokens.revocation.keys", "EPOCH_KEY"),
    ("tokens.state", "LEASE_KEY", "tokens.revocation.keys", "LEASE_KEY"),
    ("tokens.state", "REVOKED", "tokens.revocation.keys", "REVOKED"),
    (
        "tokens.state",
        "TOMBSTONE_TIMEOUT",
        "tokens.revocation.keys",
        "TOMBSTONE_TIMEOUT",
    ),
    ("tokens.state", "RETRY_AFTER", "tokens.revocation.tracking", "RETRY_AFTER"),
    ("tokens.state", "REDIS_ERRORS", "tokens.revocation.tracking", "REDIS_ERRORS"),
    ("tokens.state", "DRAIN_BATCH", "tokens.revocation.outbox", "DRAIN_BATCH"),
]
ALL = [(old, name, new, name) for old, name, new in MOVED] + RENAMED
OLD_MODULES = sorted({old for old, *_ in ALL})
IDS = [f"{old}.{name}" for old, name, *_ in ALL]


def _resolve(module: str, dotted: str) -> object:
    value: object = import_module(module)
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize(("old", "name", "new", "new_name"), ALL, ids=IDS)
def test_an_old_name_is_the_new_object_and_warns(old, name, new, new_name):
    module = import_module(old)
    with pytest.warns(
        DeprecationWarning, match=re.escape(f"import {new_name} from {new} ")
    ) as record:
        value = getattr(module, name)
    assert value is _resolve(new, new_name)
    (warning,) = [w for w in record if w.category is DeprecationWarning]
    assert warning.filename == __file__


@pytest.mark.parametrize(("old", "name", "new", "new_name"), ALL, ids=IDS)
def test_an_old_module_lists_its_old_names(old, name, new, new_name):
    module = import_module(old)
    assert name in module.__all__
    assert name in dir(module)
    new_module = import_module(new)
    if hasattr(new_module, "__all__"):  # a package's public face
        assert new_name in new_module.__all__


@pytest.mark.parametrize("old", OLD_MODULES)
def test_an_old_module_lists_nothing_else(old):
    module = import_module(old)
    names = {name for module_name, name, *_ in ALL if module_name == old}
    assert set(module.__all__) == names
    assert set(dir(module)) == names
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


@pytest.mark.parametrize("old", OLD_MODULES)
def test_nothing_in_tokens_imports_an_old_module(old):
    package = Path(tokens.__file__).parent
    importers = []
    for path in package.rglob("*.py"):
        if path == package / Path(*old.split(".")[1:]).with_suffix(".py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                parent = node.module
                imported = [parent, *(f"{parent}.{a.name}" for a in node.names)]
            else:
                continue
            if old in imported:
                importers.append(str(path.relative_to(package)))
    assert importers == []
