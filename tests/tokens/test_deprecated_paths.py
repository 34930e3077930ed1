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
OLD_MODULES = sorted({old for old, _, _ in MOVED})
IDS = [f"{old}.{name}" for old, name, _ in MOVED]


@pytest.mark.parametrize(("old", "name", "new"), MOVED, ids=IDS)
def test_an_old_name_is_the_new_object_and_warns(old, name, new):
    module = import_module(old)
    with pytest.warns(
        DeprecationWarning, match=re.escape(f"import {name} from {new} ")
    ) as record:
        value = getattr(module, name)
    assert value is getattr(import_module(new), name)
    (warning,) = [w for w in record if w.category is DeprecationWarning]
    assert warning.filename == __file__


@pytest.mark.parametrize(("old", "name", "new"), MOVED, ids=IDS)
def test_an_old_module_lists_its_old_names(old, name, new):
    module = import_module(old)
    assert name in module.__all__
    assert name in dir(module)
    assert name in import_module(new).__all__


@pytest.mark.parametrize("old", OLD_MODULES)
def test_an_old_module_lists_nothing_else(old):
    module = import_module(old)
    names = {name for module_name, name, _ in MOVED if module_name == old}
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
