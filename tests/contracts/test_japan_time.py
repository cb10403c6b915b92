"""Every "today" in the system is Japan's date (issue 15): no service asks the machine for it.

Containers run in UTC, where the first nine hours of a Japanese day are still the day before, so
``date.today()``, a naive ``datetime.now()`` / ``datetime.today()`` and ``datetime.utcnow()`` put
deadlines, reminders and filing windows on the wrong day. They use zairyu_shared.japan_time
(japan_today / japan_now / japan_date) or an aware ``datetime.now(UTC)`` instead. This reads the
services' and the shared library's code (not their tests) and names every call that came back.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = [ROOT / "shared" / "zairyu_shared", *sorted((ROOT / "services").glob("*/*"))]


def _sources() -> list[Path]:
    files = []
    for top in CODE:
        if top.is_dir() and top.name not in ("tests", "docs", "node_modules"):
            files += [p for p in top.rglob("*.py") if "tests" not in p.relative_to(ROOT).parts]
    return files


def _machine_clock_calls(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
        name = f"{owner_name}.{node.func.attr}"
        if name in ("date.today", "datetime.today", "datetime.utcnow"):
            found.append((node.lineno, name + "()"))
        elif name == "datetime.now" and not node.args and not node.keywords:
            found.append((node.lineno, "datetime.now() without a time zone"))
    return found


def test_the_scan_sees_the_services_code():
    names = {p.relative_to(ROOT).as_posix() for p in _sources()}
    assert "services/review/review/application/periodic.py" in names and "shared/zairyu_shared/japan_time.py" in names
    assert not any("/tests/" in n for n in names)
    assert _machine_clock_calls(
        ast.parse(
            "import datetime as d\nd.date.today()\nfrom datetime import datetime\ndatetime.now()\ndatetime.now(UTC)\n"
        )
    ) == [(2, "date.today()"), (4, "datetime.now() without a time zone")]


def test_no_service_asks_the_machine_for_today():
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in _sources()
        for line, call in _machine_clock_calls(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not wrong, (
        "use zairyu_shared.japan_time (japan_today/japan_now/japan_date) for a date in Japan: " + "; ".join(wrong)
    )
