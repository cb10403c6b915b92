"""Applying the carrier's status CSV: each good row in its own transaction, every problem reported."""

from __future__ import annotations

from dataclasses import dataclass, field

from card_delivery.adapters import repository
from card_delivery.domain import carrier_report
from card_delivery.domain.carrier_report import RowError
from card_delivery.domain.case import DeliveryError, State
from zairyu_shared.db import transaction

from .transitions import record_delivery, record_return


@dataclass
class Report:
    applied: list = field(default_factory=list)  # (line, tracking number, status)
    already: list = field(default_factory=list)  # (line, tracking number, status)
    errors: list = field(default_factory=list)  # RowError


def run(runtime, text: str, officer: str | None = None) -> Report:
    rows, errors = carrier_report.parse(text)
    report = Report(errors=list(errors))
    for row in rows:
        try:
            with transaction(runtime.session_factory) as db:
                case = repository.find_by_tracking(db, row.tracking_number, lock=True)
                if case is None:
                    raise LookupError(f"no card was dispatched with tracking number {row.tracking_number}")
                target = State.DELIVERED if row.status == "delivered" else State.RETURNED
                if case.state is target:  # a re-imported file: nothing new
                    report.already.append((row.line, row.tracking_number, row.status))
                    continue
                if row.status == "delivered":
                    record_delivery(runtime, db, case.delivery_id, officer=officer, at=row.at)
                else:
                    record_return(runtime, db, case.delivery_id, reason=row.reason, officer=officer, at=row.at)
            report.applied.append((row.line, row.tracking_number, row.status))
        except (LookupError, DeliveryError) as exc:
            report.errors.append(RowError(row.line, str(exc)))
    report.errors.sort(key=lambda e: e.line)
    return report
