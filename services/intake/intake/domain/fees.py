"""Fees at online rates (since 2025-04-01; paid only on approval)."""
from __future__ import annotations

ONLINE_YEN = {
    "change": 5500,
    "extension": 5500,
    "employment_certificate": 1600,
    "coe": 0,
    # Not in the fee table: acquisition of a status other than permanent residence carries no fee.
    "acquisition": 0,
    "activity_outside_status": 0,
}
REENTRY_YEN = {"single": 3500, "multiple": 6500}
COUNTER_YEN = {"change": 6000, "extension": 6000, "employment_certificate": 2000,
               "reentry_single": 4000, "reentry_multiple": 7000}


def lines(procedure: str, bundled: tuple[str, ...] | list[str] = (), reentry_type: str | None = None) -> list[tuple[str, int]]:
    """(item, yen) for each permission applied for."""
    out = [(procedure, ONLINE_YEN[procedure])]
    for item in bundled:
        if item == "reentry":
            kind = reentry_type if reentry_type in REENTRY_YEN else "single"
            out.append((f"reentry_{kind}", REENTRY_YEN[kind]))
        else:
            out.append((item, ONLINE_YEN[item]))
    return out


def total(procedure: str, bundled=(), reentry_type: str | None = None) -> int:
    return sum(yen for _, yen in lines(procedure, bundled, reentry_type))
