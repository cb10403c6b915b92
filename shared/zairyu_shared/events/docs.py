"""Generates docs/events.md, the catalogue of every event, from the schemas themselves."""

from __future__ import annotations

import sys
from typing import Any

from marshmallow import fields

from .registry import all_specs


def _field_type(f: fields.Field[Any]) -> str:
    if isinstance(f, fields.Nested):
        inner = f.nested if isinstance(f.nested, type) else type(f.nested)
        return f"{inner.__name__}{'[]' if f.many else ''}"
    if isinstance(f, fields.List):
        return f"{_field_type(f.inner)}[]"
    return type(f).__name__


def render() -> str:
    lines = [
        "# Event catalogue",
        "",
        "Generated from `shared/zairyu_shared/events/contracts.py` by `make docs`; do not edit by hand.",
        "Every event travels in the envelope `{id, type, version, occurred_at, source, correlation_id,",
        "causation_id, payload}`; the exchange is `<producer>.events`, the routing key is the type.",
        "",
        "| event | v | producer | consumers | meaning |",
        "|---|---|---|---|---|",
    ]
    specs = all_specs()
    for s in specs:
        lines.append(f"| `{s.type}` | {s.version} | {s.producer} | {', '.join(s.consumers)} | {s.description} |")
    for s in specs:
        lines += [
            "",
            f"## `{s.type}` v{s.version}",
            "",
            s.description,
            "",
            "| field | type | required |",
            "|---|---|---|",
        ]
        for name, f in s.schema().fields.items():
            lines.append(f"| {name} | {_field_type(f)} | {'yes' if f.required else 'no'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
