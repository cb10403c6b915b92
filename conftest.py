"""Markers for the quick loop (`pytest -m "not slow"`), given by what a test module uses, and the order and
grouping of the run on two workers (pytest-xdist, `-n 2 --dist loadgroup` in pytest.ini).

A module that starts a PostgreSQL database gets `pg`, one that starts a RabbitMQ vhost gets `rabbitmq`,
the browser journey `browser`, and whatever takes minutes (chaos, browser, real-mode runs) `slow`; a test
may also mark itself. Read from the module's source so a new test is marked without anyone remembering to.

Every test's databases, vhosts, Redis prefixes, ports, brokers and clusters are its own (random names, free
ports), so tests run side by side; the modules `_one_worker_group` names are not: the scheduler below hands
each such group to one worker as a whole, to run one test after another. A module with a module- or
class-scoped fixture is one unit of work too, so that fixture is built once, not once per worker (the PDF
samples of every language took 47-49 s on each of the two workers). Every other test is its own unit. Work is
handed out in collection order, so the longest are moved to the front (`_LONGEST_FIRST`), then the whole
modules: they start early, and the single short tests fill in around them until both workers end together.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

_USES = {
    "pg": ("fresh_database", "migrated_database", "require_postgres", "postgresql"),
    "rabbitmq": ("fresh_vhost", "require_rabbitmq", "amqp://"),
}
_SLOW_FOLDERS = ("tests/chaos/", "tests/browser/")
# Modules sharing something fixed run in one worker, one after another, found by what their source uses: the
# simulated card and the private pcscd (signing.testing: a pcscd that quits 60 s after its last client and vpcd's readers,
# whose OpenSC slot numbers change when another card goes in or out) and the browser journeys' screenshot folder
# (test-artifacts/browser, emptied by the `artifacts` fixture, written into by the modules naming bs.ARTIFACTS).
# One group: the journeys use both.
_CARD_OR_SCREENSHOTS = re.compile(
    r"running_card|card_in_reader|claim_slot|held_pcscd|pcscd_client|bs\.ARTIFACTS|(?<![-\w])artifacts\b"
)


def _one_worker_group(path: Path) -> str | None:
    return "card" if _CARD_OR_SCREENSHOTS.search(_source(path)) else None


_SHARED_FIXTURE = re.compile(r"scope=[\"'](module|class)[\"']")


def _whole_module(path: Path) -> bool:
    """Whether the module's tests share a fixture built once for the module (or a class of it)."""
    return bool(_SHARED_FIXTURE.search(_source(path)))


# Longest first, as measured on two workers (--durations, fresh clone of 1de867c, 2026-12-06, load average
# 12-19 from other work): the card group (the browser journeys with the card: organisation 242 s, applicant 104 s,
# extension 42 s, ~550 s together), the scenarios of tests/chaos (RabbitMQ cluster 367 s, alerts 285 s, restore
# drill 245 s, chaos 195 s, failover 189 s), the real-mode runs (94 s, three tests), the skeleton's run (69 s);
# the scheduler hands work out in this order, so the last minutes are short tests on both workers.
_LONGEST_FIRST = (
    "@card",
    "tests/chaos/test_chaos_cluster.py",
    "tests/chaos/test_alerts.py",
    "tests/chaos/test_restore_drill.py",
    "tests/chaos/test_chaos.py",
    "tests/chaos/test_failover.py",
    "tests/e2e/test_real_mode_run.py",
    "tests/e2e/test_bench_shape.py",
)
_ROOT = Path(__file__).resolve().parent
_source_cache: dict[Path, str] = {}


def _source(path: Path) -> str:
    if path not in _source_cache:
        try:
            _source_cache[path] = path.read_text(encoding="utf-8")
        except OSError:
            _source_cache[path] = ""
    return _source_cache[path]


def _fixture_sources(item: pytest.Item) -> str:
    """The source of every fixture the test uses (a conftest fixture may be what starts the database)."""
    info = getattr(item, "_fixtureinfo", None)
    parts = []
    for defs in info.name2fixturedefs.values() if info else ():
        for fixturedef in defs:
            func = getattr(fixturedef, "func", None)
            try:
                parts.append(inspect.getsource(func) if func else "")
            except (OSError, TypeError):
                continue
    return "\n".join(parts)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank: dict[str, int] = {}
    for item in items:
        path = Path(str(item.fspath))
        text = _source(path) + _fixture_sources(item)
        for marker, words in _USES.items():
            if any(word in text for word in words):
                item.add_marker(marker)
        relative = path.relative_to(_ROOT).as_posix() if path.is_relative_to(_ROOT) else path.as_posix()
        if relative.startswith("tests/browser/"):
            item.add_marker("browser")
        if relative.startswith(_SLOW_FOLDERS):
            item.add_marker("slow")
        group = _one_worker_group(path)
        key = "@" + group if group else relative
        if key in _LONGEST_FIRST:
            rank[item.nodeid] = _LONGEST_FIRST.index(key)
        else:  # whole modules before the single tests, which fill in at the end
            rank[item.nodeid] = len(_LONGEST_FIRST) + (0 if _whole_module(path) else 1)
    items.sort(key=lambda item: rank[item.nodeid])  # stable: the rest keep their order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` with the groups of `_one_worker_group`: a group is one unit of work, a module with a
    module- or class-scoped fixture one too, every other test its own. (xdist's loadgroup reads `xdist_group` marks by appending the group to the test's node id, which
    pytest 9.2's structured node ids no longer take: pytest-xdist issue 1386; the marks were silently ignored.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class OneWorkerGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            group = _one_worker_group(config.rootpath / path)
            if group:
                return "@" + group
            return path if _whole_module(config.rootpath / path) else nodeid

    return OneWorkerGroups(config, log)
