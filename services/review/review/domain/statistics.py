"""Processing days and ageing against the official processing targets."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from zairyu_shared.japan_time import japan_date

# The defaults of ZAIRYU_REVIEW_TARGET_DAYS (settings.py): days an open case may take before it is past its
# target. Source: the ISA's standard processing periods (標準処理期間; ../shared/reference/residence-procedures.md,
# "Official processing targets"), the upper end of each range:
TARGET_DAYS = {
    "change": 30,  # change of status: 2 weeks to 1 month
    "extension": 30,  # extension of period of stay: 2 weeks to 1 month
    "coe": 90,  # certificate of eligibility: 1 to 3 months
    # no published period for these two: the change/extension month, our choice
    "acquisition": 30,
    "employment_certificate": 30,
}


def processing_days(received: datetime | date, decided: datetime | date) -> int:
    """Calendar days from receipt to decision (the way the agency publishes them), counted on Japan's
    calendar: an instant is first placed on its Japanese day (received 23:00 UTC is the next day there)."""
    start = japan_date(received) if isinstance(received, datetime) else received
    end = japan_date(decided) if isinstance(decided, datetime) else decided
    if end < start:
        raise ValueError("decided before received")
    return (end - start).days


def _percentile(sorted_values: list[int], p: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return float(sorted_values[rank - 1])


@dataclass(frozen=True)
class DaysSummary:
    count: int
    mean: float
    median: float
    p90: float


def summarise(days: list[int]) -> DaysSummary | None:
    if not days:
        return None
    ordered = sorted(days)
    return DaysSummary(
        len(ordered), round(sum(ordered) / len(ordered), 1), _percentile(ordered, 50), _percentile(ordered, 90)
    )


def group_summaries(rows: Iterable[Sequence[Any]], by_office: bool = False) -> list[dict[str, Any]]:
    """rows: (procedure, status_of_residence, bureau, days) -> one summary per group, sorted.

    With ``by_office`` the rows are (procedure, status_of_residence, bureau, office, days) and each
    office is its own group (office None: the bureau itself)."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        key, days = tuple(row[:-1]), row[-1]
        groups.setdefault(key if by_office else key[:3], []).append(days)
    out = []
    for key in sorted(groups, key=lambda k: tuple("" if v is None else v for v in k)):
        s = summarise(groups[key])
        assert s is not None  # every group has at least its first row
        group = {"procedure": key[0], "status_of_residence": key[1], "bureau": key[2]}
        if by_office:
            group["office"] = key[3]
        out.append({**group, "count": s.count, "mean_days": s.mean, "median_days": s.median, "p90_days": s.p90})
    return out


# Statistical disclosure control for what is published without sign-in: a cell of a few cases can
# point at a person (one Nepali engineer decided at a branch office in 40 days). Cells under the
# threshold keep their key but lose count and days (the practice of the e-Stat tables, where small
# cells are shown as "x"); no totals are published, so a suppressed cell cannot be recovered by subtraction.
PUBLIC_MIN_COUNT = 10


def suppress_small(groups: list[dict[str, Any]], minimum: int = PUBLIC_MIN_COUNT) -> list[dict[str, Any]]:
    """Each group with ``suppressed``; under ``minimum`` cases its count and days become None."""
    out: list[dict[str, Any]] = []
    for group in groups:
        if group["count"] >= minimum:
            out.append({**group, "suppressed": False})
        else:
            out.append(
                {**group, "count": None, "mean_days": None, "median_days": None, "p90_days": None, "suppressed": True}
            )
    return out


def ageing(
    procedure: str, received: datetime | date, today: date, targets: Mapping[str, int] = TARGET_DAYS
) -> dict[str, Any]:
    """How old a case is against its target (``targets``: days per procedure): ok, due (last 20 %), overdue."""
    age = processing_days(received, today)
    target = targets.get(procedure, 30)
    state = "overdue" if age > target else "due" if age >= target * 0.8 else "ok"
    return {"age_days": age, "target_days": target, "state": state}
