"""The carrier's delivery-status CSV (tracking number, status, timestamp), read row by row.

Every row is judged on its own: a bad row is reported with its line number and reason, and the
good rows still count. Naive timestamps are Japan time (the carrier's export has no zone).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .tracking import normalise_tracking

JST = timezone(timedelta(hours=9), "JST")
STATUSES = ("delivered", "returned")
COLUMNS = ("tracking_number", "status", "timestamp")
MAX_ROWS = 5000


@dataclass(frozen=True)
class StatusRow:
    line: int
    tracking_number: str
    status: str
    at: datetime
    reason: str = ""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


def _parse_time(raw: str) -> datetime | None:
    raw = raw.strip()
    for candidate in (raw, raw.replace("/", "-")):
        try:
            value = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return value if value.tzinfo else value.replace(tzinfo=JST)
    return None


def parse(text: str) -> tuple[list[StatusRow], list[RowError]]:
    if text.startswith("\ufeff"):  # Excel's UTF-8 BOM
        text = text[1:]
    reader = csv.reader(io.StringIO(text))
    rows, errors = [], []
    header = next(reader, None)
    if header is None:
        return [], [RowError(1, "the file is empty")]
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        return [], [RowError(1, f"header must name the columns {', '.join(COLUMNS)} (missing: {', '.join(missing)})")]
    index = {c: names.index(c) for c in COLUMNS}
    reason_at = names.index("reason") if "reason" in names else None
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if number - 1 > MAX_ROWS:
            errors.append(RowError(number, f"more than {MAX_ROWS} rows: split the file"))
            break
        if len(cells) < len(names):
            errors.append(RowError(number, f"expected {len(names)} columns, found {len(cells)}"))
            continue
        tracking = normalise_tracking(cells[index["tracking_number"]])
        status = cells[index["status"]].strip().lower()
        at = _parse_time(cells[index["timestamp"]])
        problems = []
        if tracking is None:
            problems.append(f"tracking number {cells[index['tracking_number']].strip()!r} is not 11–13 digits")
        if status not in STATUSES:
            problems.append(f"status {cells[index['status']].strip()!r} is not delivered or returned")
        if at is None:
            problems.append(
                f"timestamp {cells[index['timestamp']].strip()!r} is not ISO 8601 (2026-11-20T14:03:00+09:00)"
            )
        if problems or tracking is None or at is None:  # (either None made a problem above)
            errors.append(RowError(number, "; ".join(problems)))
            continue
        reason = cells[reason_at].strip() if reason_at is not None else ""
        rows.append(StatusRow(number, tracking, status, at, reason))
    return rows, errors
