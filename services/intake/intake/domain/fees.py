"""Fees due on approval, from a dated schedule chosen by the day the application was received.

Fees change by cabinet order, and an application keeps the fee of the schedule in force on the day it
was received (the 2025-04-01 change was applied that way; a reform is pending: residence-procedures.md,
"Fees"). A new schedule is a data change: add a ``Schedule`` with the day it starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Schedule:
    starts: date
    online_yen: dict[str, int]  # per procedure, at the online rate
    reentry_yen: dict[str, int]  # per kind of re-entry permit
    counter_yen: dict[str, int]  # the counter's rates, to show what filing online saves
    source: str


SCHEDULES: tuple[Schedule, ...] = (
    # Online rates since 2025-04-01; COE and activity outside status carry no fee; acquisition of a status
    # other than permanent residence is not in the fee table (residence-procedures.md, "Fees").
    Schedule(
        starts=date(2025, 4, 1),
        online_yen={
            "change": 5500,
            "extension": 5500,
            "employment_certificate": 1600,
            "coe": 0,
            "acquisition": 0,
            "activity_outside_status": 0,
        },
        reentry_yen={"single": 3500, "multiple": 6500},
        counter_yen={
            "change": 6000,
            "extension": 6000,
            "employment_certificate": 2000,
            "reentry_single": 4000,
            "reentry_multiple": 7000,
        },
        source="Cabinet order of 2025 (施行令 art. 9 amended), residence-procedures.md 'Fees'",
    ),
)


class NoSchedule(ValueError):
    """No fee schedule covers the day (before the first one we hold)."""


def schedule_on(received_on: date) -> Schedule:
    """The schedule in force on the day the application was received."""
    for schedule in sorted(SCHEDULES, key=lambda s: s.starts, reverse=True):
        if received_on >= schedule.starts:
            return schedule
    raise NoSchedule(f"no fee schedule on {received_on.isoformat()}")


def _latest() -> Schedule:
    return max(SCHEDULES, key=lambda s: s.starts)


def lines(
    procedure: str, bundled: Iterable[str] = (), reentry_type: str | None = None, received_on: date | None = None
) -> list[tuple[str, int]]:
    """(item, yen) for each permission applied for, from the schedule of ``received_on`` (default: the latest)."""
    schedule = schedule_on(received_on) if received_on is not None else _latest()
    out = [(procedure, schedule.online_yen[procedure])]
    for item in bundled:
        if item == "reentry":
            kind = reentry_type if reentry_type in schedule.reentry_yen else "single"
            out.append((f"reentry_{kind}", schedule.reentry_yen[kind]))
        else:
            out.append((item, schedule.online_yen[item]))
    return out


def total(
    procedure: str, bundled: Iterable[str] = (), reentry_type: str | None = None, received_on: date | None = None
) -> int:
    return sum(yen for _, yen in lines(procedure, tuple(bundled), reentry_type, received_on))
