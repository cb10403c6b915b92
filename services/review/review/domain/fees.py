"""Fees due on approval, at the online rates in force since 2025-04-01 (residence-procedures.md)."""

from __future__ import annotations

from collections.abc import Iterable

# Online rates. COE and activity outside status carry no fee; acquisition is not in the fee table.
PROCEDURE_FEES = {"change": 5500, "extension": 5500, "employment_certificate": 1600, "coe": 0, "acquisition": 0}
REENTRY_FEES = {"single": 3500, "multiple": 6500}


def fee_yen(outcome: str, procedure: str, bundled: Iterable[str] = (), reentry_kind: str = "single") -> int:
    """What the applicant pays: nothing on refusal; the main permission plus bundled re-entry."""
    if outcome != "approved":
        return 0
    if procedure not in PROCEDURE_FEES:
        raise ValueError(f"unknown procedure {procedure!r}")
    total = PROCEDURE_FEES[procedure]
    if "reentry" in bundled:
        if reentry_kind not in REENTRY_FEES:
            raise ValueError(f"unknown re-entry kind {reentry_kind!r}")
        total += REENTRY_FEES[reentry_kind]
    return total
