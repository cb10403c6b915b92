"""Official receipt numbers: bureau code, year, serial within that bureau and year (TKY-2026-000123)."""
from __future__ import annotations

import re

from .bureaus import BUREAUS, bureau

_PATTERN = re.compile(r"^(?P<code>[A-Z]{3})-(?P<year>\d{4})-(?P<serial>\d{6,})$")


def receipt_number(bureau_key: str, year: int, serial: int) -> str:
    if serial < 1:
        raise ValueError("serials start at 1")
    if not 2000 <= year <= 9999:
        raise ValueError("year out of range")
    return f"{bureau(bureau_key).code}-{year}-{serial:06d}"


def parse_receipt_number(text: str) -> tuple[str, int, int]:
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"not a receipt number: {text!r}")
    by_code = {b.code: b.key for b in BUREAUS.values()}
    if match["code"] not in by_code:
        raise ValueError(f"unknown bureau code in {text!r}")
    return by_code[match["code"]], int(match["year"]), int(match["serial"])
