"""
How ``make test`` spreads the suite over pytest-xdist workers
(``-n auto --dist loadgroup``).

Tests that share something expensive through one of this suite's
wider-scoped fixtures (a gunicorn, a browser, a built wheel: module, package
or session scope) run on one worker, so it is built once per run rather than
once per worker. A test's ``xdist_group`` mark puts it in that named group.
Every other test is scheduled on its own, wherever a worker is free.

pytest-xdist's own ``loadgroup`` learns the groups from a suffix it writes
into the node id, which pytest 9.2 no longer lets it change (pytest-xdist
issue #1386): its groups are silently ignored. So each worker writes the
groups it collected to a file, and the scheduler here reads them.

The hooks are imported by tests/conftest.py; without ``-n`` they do nothing.
"""

from __future__ import annotations

import inspect
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

GROUPS_DIR = "tests_groups_dir"  # the key in each worker's workerinput
groups_dir = pytest.StashKey[str]()


def own(source: Path, root: Path) -> bool:
    """Is *source* the suite's own, not pytest's or an installed plugin's?"""
    installed = {"site-packages", "dist-packages"} & set(source.parts)
    return source.is_relative_to(root.resolve()) and not installed


def shared_keys(item: pytest.Item) -> list[str]:
    """
    Name what *item* shares with other tests: its module for a module-scoped
    fixture of this suite, the package for a package-scoped one, the fixture
    for a session-scoped one, and its ``xdist_group`` marks. pytest's and the
    plugins' fixtures do not count.
    """
    keys = [
        f"group:{mark.args[0] if mark.args else mark.kwargs.get('name', 'default')}"
        for mark in item.iter_markers("xdist_group")
    ]
    for name in item.fixturenames:
        definitions = item._fixtureinfo.name2fixturedefs.get(name)
        if not definitions or definitions[-1].scope == "function":
            continue
        definition = definitions[-1]
        source = Path(inspect.getsourcefile(definition.func) or "/").resolve()
        if not own(source, item.config.rootpath):
            continue
        if definition.scope in ("module", "class"):
            keys.append(item.nodeid.split("::", 1)[0])
        elif definition.scope == "package":
            keys.append(definition.baseid or "tests")
        else:
            keys.append(f"{definition.baseid}::{name}")
    return keys


def groups_of(items: list[pytest.Item]) -> dict[str, str]:
    """Map the node id of each test that shares something to its group."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    shared = {item.nodeid: shared_keys(item) for item in items}
    shared = {nodeid: keys for nodeid, keys in shared.items() if keys}
    for keys in shared.values():  # tests linked by several fixtures: one group
        for key in keys[1:]:
            parent[find(key)] = find(keys[0])
    return {nodeid: find(keys[0]) for nodeid, keys in shared.items()}


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """Give every worker the directory where it writes its groups."""
    config = node.config
    if groups_dir not in config.stash:
        directory = config.stash[groups_dir] = tempfile.mkdtemp(prefix="pytest-groups-")
        config.add_cleanup(lambda: shutil.rmtree(directory, ignore_errors=True))
    node.workerinput[GROUPS_DIR] = config.stash[groups_dir]


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items) -> Iterator[None]:
    result = yield
    directory = getattr(config, "workerinput", {}).get(GROUPS_DIR)
    if directory:
        worker = config.workerinput["workerid"]
        written = Path(directory) / f"{worker}.json.part"
        written.write_text(json.dumps(groups_of(items)))
        written.rename(written.with_suffix(""))
    return result


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        """LoadScopeScheduling whose scope is a test's group, or the test."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                # Read once every worker has collected (schedule() waits).
                directory = Path(config.stash[groups_dir])
                self.groups = {}
                for path in sorted(directory.glob("*.json")):
                    self.groups.update(json.loads(path.read_text()))
            return self.groups.get(nodeid, nodeid)

    return SharedFixtureScheduling(config, log)
