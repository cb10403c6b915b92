"""A case's steps in the mailroom (an officer's button, the scanner, the carrier's CSV): load the case
locked, apply one domain transition, store it and stage its event in the caller's transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from card_delivery.adapters import cards, metrics, repository
from card_delivery.bootstrap import ports
from card_delivery.domain import card_validity
from card_delivery.domain.case import Change, DeliveryCase
from zairyu_shared.japan_time import japan_date


def stage_change(runtime, session: Session, case: DeliveryCase, change: Change, now: datetime, causation_id=None):
    if change.event_type is None:
        return
    payload = {
        "application_id": case.application_id,
        "applicant_id": case.applicant_id,
        "delivery_id": case.delivery_id,
        "occurred_at": now,
        **change.event_fields,
    }
    runtime.emit(session, change.event_type, payload, correlation_id=case.application_id, causation_id=causation_id)


def _apply(runtime, session, delivery_id, method, *, officer=None, note=None, now=None, case=None, **kw):
    now = now or ports(runtime).clock()
    case = case or repository.get(session, delivery_id, lock=True)
    updated, change = getattr(case, method)(now=now, **kw)
    repository.save(session, updated, change, now, officer=officer, note=note)
    metrics.count_transition_on_commit(session, updated.state)
    stage_change(runtime, session, updated, change, now)
    return updated


def receive_envelope(
    runtime, session, delivery_id, *, fee_paid_yen, old_card_number, officer=None, stamps_enclosed=False
):
    return _apply(
        runtime,
        session,
        delivery_id,
        "receive_envelope",
        officer=officer,
        fee_paid_yen=fee_paid_yen,
        old_card_number=old_card_number,
        stamps_enclosed=stamps_enclosed,
    )


def record_postage_shortfall(runtime, session, delivery_id, *, shortfall_yen, officer=None):
    return _apply(
        runtime,
        session,
        delivery_id,
        "record_postage_shortfall",
        officer=officer,
        note=f"不足額 ¥{shortfall_yen:,}",
        shortfall_yen=shortfall_yen,
    )


def issue_card(runtime, session, delivery_id, *, officer=None):
    return _issue(runtime, session, delivery_id, "issue_card", officer=officer)


def collect_at_counter(
    runtime, session, delivery_id, *, fee_paid_yen, old_card_number, officer=None, stamps_enclosed=False
):
    return _issue(
        runtime,
        session,
        delivery_id,
        "collect_at_counter",
        officer=officer,
        fee_paid_yen=fee_paid_yen,
        old_card_number=old_card_number,
        stamps_enclosed=stamps_enclosed,
    )


def validity_at_issue(case: DeliveryCase, issued_on: date) -> card_validity.CardValidity | None:
    """The validity of the card this case would issue on ``issued_on`` (art. 19-5; None: not known)."""
    born = date.fromisoformat(case.holder_birth_date) if case.holder_birth_date else None
    return card_validity.at_issue(
        case.procedure, case.granted_status, case.period_of_stay, case.stay_expiry_before, issued_on, born
    )


def _issue(runtime, session, delivery_id, method, *, officer, **kw):
    """A transition that issues the new card: a number is drawn, the old one becomes invalid."""
    now = ports(runtime).clock()
    case = repository.get(session, delivery_id, lock=True)
    case.ensure_allowed(method)  # before drawing a number for a case that cannot take one
    validity = validity_at_issue(case, japan_date(now))
    number = cards.allocate(session, delivery_id, now, draw=ports(runtime).draw_card_number, validity=validity)
    case = replace(case, holder_birth_date=None)  # needed for the validity only: not kept once the card exists
    updated = _apply(
        runtime, session, delivery_id, method, officer=officer, now=now, case=case, card_number=number, **kw
    )
    if case.old_card_number:
        cards.invalidate(session, case.old_card_number, now)
    return updated


def resolve_address(runtime, session, delivery_id, *, decision, officer=None, note=None):
    return _apply(runtime, session, delivery_id, "resolve_address", officer=officer, note=note, decision=decision)


def dispatch(runtime, session, delivery_id, *, tracking_number, officer=None):
    return _apply(runtime, session, delivery_id, "dispatch", officer=officer, tracking_number=tracking_number)


def record_delivery(runtime, session, delivery_id, *, officer=None, at=None):
    return _apply(runtime, session, delivery_id, "record_delivery", officer=officer, now=at)


def record_return(runtime, session, delivery_id, *, reason, officer=None, at=None):
    return _apply(runtime, session, delivery_id, "record_return", officer=officer, reason=reason, now=at)


def hand_to_counter(runtime, session, delivery_id, *, officer=None):
    return _apply(runtime, session, delivery_id, "hand_to_counter", officer=officer)


def hand_over(runtime, session, delivery_id, *, officer=None):
    return _apply(runtime, session, delivery_id, "hand_over", officer=officer)
