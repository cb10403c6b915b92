"""Markers for the quick loop (`pytest -m "not slow"`), given by what a test module uses.

A module that starts a PostgreSQL database gets `pg`, one that starts a RabbitMQ vhost gets `rabbitmq`,
the browser journey `browser`, and whatever takes minutes (chaos, browser, real-mode runs) `slow`; a test
may also mark itself. Read from the module's source so a new test is marked without anyone remembering to.
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
