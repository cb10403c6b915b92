"""Markers for the quick loop (`pytest -m "not slow"`), given by what a test module uses, and the order and
grouping of the run on two workers (pytest-xdist, `-n 2 --dist loadgroup` in pytest.ini).

A module that starts a PostgreSQL database gets `pg`, one that starts a RabbitMQ vhost gets `rabbitmq`,
the browser journey `browser`, and whatever takes minutes (chaos, browser, real-mode runs) `slow`; a test
may also mark itself. Read from the module's source so a new test is marked without anyone remembering to.

Every test's databases, vhosts, Redis prefixes, ports, brokers and clusters are its own (random names, free
ports), so tests run side by side; what is not is found by `_one_worker_group`: those tests get one `xdist_group` and run
one after another in one worker. The scheduler hands out work in collection order, so the longest scenarios
are moved to the front (`_LONGEST_FIRST`): they start at once, one per worker, and the short tests fill in.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

_USES = {
    "pg": ("fresh_database", "migrated_database", "require_postgres", "postgresql"),
    "rabbitmq": ("fresh_vhost", "require_rabbitmq", "amqp://"),
}
_SLOW_FOLDERS = ("tests/chaos/", "tests/browser/")
# Tests sharing something fixed run in one worker (an `xdist_group`), found by what they use: the simulated
# card (signing.testing: a private pcscd that quits 60 s after its last client, vpcd's two readers, also
# wanted by other sessions on the machine) and the browser journeys' screenshot folder (test-artifacts/browser,
# emptied by the `artifacts` fixture, written into by the modules naming bs.ARTIFACTS). One group: the
# journeys use both.
_CARD_WORDS = ("running_card", "card_in_reader", "claim_slot")


def _one_worker_group(item: pytest.Item, module_source: str, text: str) -> str | None:
    if any(word in text for word in _CARD_WORDS):
        return "card"
    if "artifacts" in getattr(item, "fixturenames", ()) or "bs.ARTIFACTS" in module_source:
        return "card"
    return None


# Longest first, as measured on two workers (--durations, 2026-12-06): the card group (the browser journeys
# with the card, ~200 s together), the scenarios of tests/chaos, the real-mode runs, the skeleton's run; the
# scheduler hands work out in this order, so the last minutes are short tests on both workers.
_LONGEST_FIRST = (
    "@card",
    "tests/chaos/test_alerts.py",
    "tests/chaos/test_restore_drill.py",
    "tests/chaos/test_chaos_cluster.py",
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


# tryfirst: pytest-xdist reads the `xdist_group` marks in its own hook, which must come after this one.
@pytest.hookimpl(tryfirst=True)
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
        key = relative
        group = _one_worker_group(item, _source(path), text)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
            key = "@" + group
        rank[item.nodeid] = _LONGEST_FIRST.index(key) if key in _LONGEST_FIRST else len(_LONGEST_FIRST)
    items.sort(key=lambda item: rank[item.nodeid])  # stable: the rest keep their order
