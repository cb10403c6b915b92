"""Service boundaries: no service imports another, and the catalogue says who really consumes what."""

from __future__ import annotations

import ast
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from zairyu_shared.events.registry import all_specs

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "intake": "intake",
    "signing": "signing",
    "review": "review",
    "notify": "notify",
    "card-delivery": "card_delivery",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("folder, package", sorted(SERVICES.items()))
def test_a_service_imports_no_other_service(folder, package):
    others = set(SERVICES.values()) - {package}
    offenders = []
    for path in (ROOT / "services" / folder / package).rglob("*.py"):
        bad = _imports(path) & others
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)


def test_shared_imports_no_service():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "shared" / "zairyu_shared").rglob("*.py")
        if _imports(p) & set(SERVICES.values())
    ]
    assert not offenders


def _definitions():
    return {ep.name: ep.load() for ep in entry_points(group="zairyu.services")}


def test_every_service_is_registered():
    assert set(_definitions()) == set(SERVICES)


def test_catalogue_consumers_match_the_handlers_services_really_run():
    """docs/events.md is generated from the catalogue, so the catalogue must tell the truth."""
    subscribed: dict[str, set[str]] = {}
    for name, definition in _definitions().items():
        for handler in definition.handlers:
            for event_type in handler.event_types:
                subscribed.setdefault(event_type, set()).add(name)
    declared = {s.type: set(s.consumers) for s in all_specs()}
    unknown = set(subscribed) - set(declared)
    assert not unknown, f"handlers bind events that have no contract: {unknown}"
    wrong = {
        t: (sorted(declared[t]), sorted(subscribed.get(t, set())))
        for t in declared
        if declared[t] != subscribed.get(t, set())
    }
    assert not wrong, "event: (catalogue consumers, services that subscribe)\n" + "\n".join(
        f"{t}: {v}" for t, v in sorted(wrong.items())
    )
