"""Use cases of the bureau: what happens to a case, in one transaction each, with its events and audit.

Every change goes through the domain state machine and an optimistic version check, so two
officers acting on one case at once cannot both succeed; the loser gets ``Conflict``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from review.adapters import audit, metrics
from review.adapters.enrolments import officer_person
from review.adapters.tables import (
    case_history,
    cases,
    corrections,
    document_requests,
    metadata,
    notes,
    officers,
    proposals,
)
from review.bootstrap import ports
from review.domain import case as machine
from review.domain import fees
from review.domain import form as form_rules
from review.domain import outcome as outcome_rules
from review.domain.roles import Action, Forbidden, Officer, Role, in_scope, require
from review.domain.statistics import processing_days
from zairyu_shared.db import after_commit, statement_once
from zairyu_shared.events import new_event
from zairyu_shared.events.vocabulary import DOCUMENT_KINDS
from zairyu_shared.japan_time import japan_date
from zairyu_shared.subject_keys import current_seal, sealing

JST = ZoneInfo("Asia/Tokyo")
CARD_NUMBER = re.compile(r"[A-Z]{2}[0-9]{8}[A-Z]{2}")


def get_row(session, table, key):
    pk = list(table.primary_key.columns)[0]
    return session.execute(sa.select(table).where(pk == key)).first()


class NotFound(Exception):
    pass


class Conflict(Exception):
    """Someone else changed the case first: reload and try again."""


class NotAcknowledged(Exception):
    """A final decision is announced at once and cannot be taken back: the supervisor confirms that they
    checked the proposal shown beside the button (issue 18)."""


def now() -> datetime:
    return datetime.now(UTC)


def review_event(
    event_type: str, payload: dict, application_id: str, causation_id: str | None = None, version: int | None = None
):
    return new_event(
        event_type, payload, source="review", correlation_id=application_id, causation_id=causation_id, version=version
    )


@contextmanager
def case_seal(session, application_id: str, applicant_id: str | None = None) -> Iterator[None]:
    """Personal text written about a case (a note, a request's message, a reason) goes under its applicant's own
    data key, as the case itself does: erasing the person reaches it in every backup. Inside a seal already
    (the case being created, an answer being stored) nothing changes."""
    if current_seal() is not None:
        yield
        return
    if applicant_id is None:
        applicant_id = session.execute(
            sa.select(cases.c.applicant_id).where(cases.c.application_id == application_id)
        ).scalar()
    if applicant_id is None:
        yield
        return
    with sealing(session, metadata, applicant_id):
        yield


def record_history(session, application_id, kind, actor, from_status=None, to_status=None, detail=None, at=None):
    with case_seal(session, application_id) if detail else nullcontext():
        session.execute(
            # inline: nobody reads a new entry's id back, so its INSERT returns nothing (no RETURNING on every case)
            statement_once(("review.history_insert",), lambda: case_history.insert().inline()),
            dict(
                application_id=application_id,
                at=at or now(),
                kind=kind,
                actor=actor,
                from_status=from_status,
                to_status=to_status,
                detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
            ),
        )


def load_case(session, application_id: str):
    row = session.execute(sa.select(cases).where(cases.c.application_id == application_id)).first()
    if row is None:
        raise NotFound(application_id)
    return row


def update_case(session, row, **values) -> None:
    """Write the case only if nobody changed it since ``row`` was read."""
    with case_seal(session, row.application_id, row.applicant_id):
        result = session.execute(
            cases.update()
            .where(cases.c.application_id == row.application_id, cases.c.version == row.version)
            .values(version=cases.c.version + 1, **values)
        )
    if result.rowcount != 1:
        metrics.CONFLICTS.inc()
        raise Conflict(f"case {row.application_id} changed meanwhile (version {row.version})")


def _guard(officer: Officer, action: Action, row) -> None:
    """An officer out of scope learns nothing, not even that the case exists."""
    if not in_scope(officer, row.bureau, row.office):
        raise NotFound(row.application_id)
    require(officer, action, row.bureau, row.assignee, row.office)


def _check_version(row, version: int | None) -> None:
    if version is not None and version != row.version:
        raise Conflict(f"case {row.application_id} is at version {row.version}, not {version}")


# --- officers' actions ----------------------------------------------------------------------------
def _transition(runtime, session, officer, row, step, kind, ip, detail=None, **values):
    new = machine.next_status(row.status, step)
    open_ = new not in machine.TERMINAL
    update_case(session, row, status=new.value, is_open=open_, **values)
    record_history(session, row.application_id, kind, officer.id, row.status, new.value, detail)
    audit.append(
        session,
        officer.id,
        f"case.{kind}",
        bureau=row.bureau,
        application_id=row.application_id,
        ip=ip,
        detail={"from": row.status, "to": new.value},
    )
    return new


def claim(runtime, session, officer: Officer, application_id: str, version: int | None = None, ip=None) -> None:
    """Take a case: it becomes the officer's, and a received case goes under examination."""
    row = load_case(session, application_id)
    _guard(officer, Action.CLAIM, row)
    _check_version(row, version)
    if row.assignee is not None:
        raise Conflict(f"case {application_id} is already assigned")
    _start_or_assign(runtime, session, officer, row, officer.id, "claimed", ip)


def assign(runtime, session, officer: Officer, application_id: str, examiner_id: str, version=None, ip=None) -> None:
    row = load_case(session, application_id)
    _guard(officer, Action.ASSIGN, row)
    _check_version(row, version)
    examiner = get_row(session, officers, examiner_id)
    if (
        examiner is None
        or examiner.role not in ("examiner", "supervisor")
        or not in_scope(as_officer(examiner), row.bureau, row.office)
    ):
        raise Forbidden(f"{examiner_id} cannot examine cases of {row.bureau}/{row.office or '-'}")
    _start_or_assign(runtime, session, officer, row, examiner_id, "assigned", ip)


def _start_or_assign(runtime, session, officer, row, assignee, kind, ip):
    if row.status == machine.Status.RECEIVED.value:
        _transition(
            runtime,
            session,
            officer,
            row,
            machine.Step.START_EXAMINATION,
            kind,
            ip,
            {"assignee": assignee},
            assignee=assignee,
        )
        runtime.stage(
            session,
            review_event(
                "application.examination_started",
                {"application_id": row.application_id, "applicant_id": row.applicant_id, "started_at": now()},
                row.application_id,
            ),
        )
    else:
        if row.status in {s.value for s in machine.TERMINAL}:
            raise machine.IllegalTransition(machine.Status(row.status), machine.Step.START_EXAMINATION)
        update_case(session, row, assignee=assignee)
        record_history(session, row.application_id, kind, officer.id, row.status, row.status, {"assignee": assignee})
        audit.append(
            session,
            officer.id,
            f"case.{kind}",
            bureau=row.bureau,
            application_id=row.application_id,
            ip=ip,
            detail={"assignee": assignee},
        )


def resume_examination(runtime, session, officer, application_id, version=None, ip=None) -> None:
    """After the applicant answered: back under examination."""
    row = load_case(session, application_id)
    _guard(officer, Action.PROPOSE, row)
    _check_version(row, version)
    _transition(runtime, session, officer, row, machine.Step.START_EXAMINATION, "examination_resumed", ip)


def request_documents(
    runtime, session, officer, application_id, items: list[dict], message: str, deadline: date, version=None, ip=None
) -> str:
    row = load_case(session, application_id)
    _guard(officer, Action.REQUEST_DOCUMENTS, row)
    _check_version(row, version)
    if not items:
        raise ValueError("at least one item must be requested")
    if any(i.get("code") == "other" for i in items) and not message.strip():
        raise ValueError("for other documents, say in the note what is needed")
    if deadline <= now().astimezone(JST).date():
        raise ValueError("the deadline must be in the future")
    request_id = str(uuid.uuid4())
    _transition(
        runtime,
        session,
        officer,
        row,
        machine.Step.REQUEST_DOCUMENTS,
        "documents_requested",
        ip,
        {"request_id": request_id, "items": items, "deadline": deadline.isoformat()},
    )
    with case_seal(session, application_id, row.applicant_id):
        session.execute(
            document_requests.insert().values(
                request_id=request_id,
                application_id=application_id,
                items=json.dumps(items, ensure_ascii=False),
                message=message,
                deadline=deadline,
                requested_by=officer.id,
                requested_at=now(),
            )
        )
    runtime.stage(
        session,
        review_event(
            "application.documents_requested",
            {
                "application_id": application_id,
                "applicant_id": row.applicant_id,
                "request_id": request_id,
                "items": items,
                "message": message,
                "deadline": deadline,
            },
            application_id,
            # v2 (coded kinds, shown in the applicant's language) whenever every item is a known kind, as the
            # officer page sends; a caller's free-text items still go out as v1.
            version=None if all(i.get("code") in DOCUMENT_KINDS for i in items) else 1,
        ),
    )
    return request_id


def add_note(runtime, session, officer, application_id, body: str, ip=None) -> None:
    row = load_case(session, application_id)
    _guard(officer, Action.ADD_NOTE, row)
    if not body.strip():
        raise ValueError("a note needs text")
    with case_seal(session, application_id, row.applicant_id):
        session.execute(notes.insert().values(application_id=application_id, author=officer.id, at=now(), body=body))
    audit.append(session, officer.id, "case.note_added", bureau=row.bureau, application_id=application_id, ip=ip)


def propose(
    runtime, session, officer, application_id, proposal: machine.Proposal, version=None, ip=None, coded: bool = False
) -> None:
    """coded: the status and period must be codes (the officer page's pickers), as decided v3 carries them."""
    row = load_case(session, application_id)
    _guard(officer, Action.PROPOSE, row)
    _check_version(row, version)
    if coded and not machine.coded_grant(proposal):
        raise ValueError("choose the granted status of residence and the period of stay from the lists")
    if proposal.proposed_by != officer.id:
        raise Forbidden("a proposal is made in one's own name")
    if row.withdrawal_requested_at is not None:
        raise machine.IllegalTransition(machine.Status(row.status), machine.Step.PROPOSE)
    if row.status == machine.Status.DOCUMENTS_ANSWERED.value:
        # The applicant answered: proposing resumes the examination on the way (issue 18: no separate
        # "resume" click first); the history still shows both steps.
        _transition(runtime, session, officer, row, machine.Step.START_EXAMINATION, "examination_resumed", ip)
        row = load_case(session, application_id)
    _transition(
        runtime, session, officer, row, machine.Step.PROPOSE, "decision_proposed", ip, {"outcome": proposal.outcome}
    )
    with case_seal(session, application_id, row.applicant_id):
        session.execute(
            proposals.insert().values(
                application_id=application_id,
                outcome=proposal.outcome,
                granted_status=proposal.granted_status,
                period_of_stay=proposal.period_of_stay,
                reason_codes=",".join(proposal.reason_codes),
                explanation=proposal.explanation,
                proposed_by=officer.id,
                proposed_at=now(),
            )
        )


def open_proposal(session, application_id):
    return session.execute(
        sa.select(proposals)
        .where(proposals.c.application_id == application_id, proposals.c.resolution.is_(None))
        .order_by(proposals.c.id.desc())
    ).first()


def _proposal_of(prow) -> machine.Proposal:
    return machine.Proposal(
        prow.outcome,
        prow.proposed_by,
        prow.granted_status,
        prow.period_of_stay,
        tuple(c for c in prow.reason_codes.split(",") if c),
        prow.explanation or "",
    )


def approval_fee(outcome: str, content: dict[str, Any], procedure: str, bundled: list[str], reentry_kind: str) -> int:
    """The fee the applicant signed at filing: intake reads it from the schedule in force on the day the
    application was received (an application received before a fee change keeps its fee), so review keeps no
    schedule of its own. Content signed before intake put the fee in it falls back to the 2025 online rates."""
    if outcome != "approved":
        return 0
    signed = content.get("fee_yen")
    if isinstance(signed, int) and not isinstance(signed, bool) and signed >= 0:
        return signed
    return fees.fee_yen(outcome, procedure, bundled, reentry_kind)


def confirm(runtime, session, officer, application_id, version=None, ip=None, acknowledged: bool = True) -> str:
    """A supervisor (not the proposer) confirms: the decision is final and announced."""
    row = load_case(session, application_id)
    _guard(officer, Action.CONFIRM, row)
    _check_version(row, version)
    prow = open_proposal(session, application_id)
    if prow is None:
        raise machine.IllegalTransition(machine.Status(row.status), machine.Step.CONFIRM_APPROVAL)
    proposal = _proposal_of(prow)
    machine.check_confirmation(officer, proposal)
    _check_two_people(session, officer, prow)
    if not acknowledged:  # asked after the access and four-eyes checks: they keep their own answers
        raise NotAcknowledged()
    if row.withdrawal_requested_at is not None:
        raise machine.IllegalTransition(machine.Status(row.status), proposal.confirm_step)
    at = now()
    content = json.loads(row.form)
    form = form_rules.form_of(content)
    bundled = [b for b in row.bundled.split(",") if b]
    fee = approval_fee(proposal.outcome, content, row.procedure, bundled, form_rules.reentry_kind(form))
    new = _transition(
        runtime,
        session,
        officer,
        row,
        proposal.confirm_step,
        "decision_confirmed",
        ip,
        {"outcome": proposal.outcome, "proposal_id": prow.id},
        outcome=proposal.outcome,
        decided_at=at,
        fee_yen=fee,
    )
    session.execute(
        proposals.update()
        .where(proposals.c.id == prow.id)
        .values(resolution="confirmed", resolved_by=officer.id, resolved_at=at)
    )
    delivery = delivery_instructions(row, content) if proposal.outcome == "approved" else None
    if machine.coded_grant(proposal):  # v5, not v2: the holder's date of birth goes with them
        delivery = _with_birth_date(delivery, content)
    runtime.stage(
        session,
        review_event(
            "application.decided",
            {
                "application_id": application_id,
                "applicant_id": row.applicant_id,
                "outcome": proposal.outcome,
                "procedure": row.procedure,
                "bundled": bundled,
                "bureau": row.bureau,
                "granted_status": proposal.granted_status,
                "period_of_stay": proposal.period_of_stay,
                "reason_codes": list(proposal.reason_codes),
                "explanation": proposal.explanation,
                "fee_yen": fee,
                "card_by_mail": bool(row.card_by_mail),
                "delivery": delivery,
                "decided_at": at,
                **_what_approval_delivers(proposal.outcome, row.procedure, bundled, form),
                **outcome_rules.stay_facts(row.procedure, japan_date(row.submitted_at), row.period_of_stay_expiry),
                # v4: the number the applicant quotes, so the mailroom finds the case by it (not in v2)
                **({"receipt_number": row.receipt_number} if machine.coded_grant(proposal) else {}),
            },
            application_id,
            version=None if machine.coded_grant(proposal) else 2,
        ),
    )  # v5: coded status and period (v3), the receipt number (v4) and the holder's date of birth
    if (
        proposal.outcome == "approved"
        and row.procedure == "coe"
        and outcome_rules.delivery_method(row.procedure, form) == "email"
    ):
        _issue_e_coe(runtime, session, row, proposal, content, at)
    days = processing_days(row.received_at, at)

    def count():
        metrics.DECISIONS.labels(row.bureau, row.procedure, proposal.outcome).inc()
        metrics.PROCESSING_DAYS.labels(row.bureau, row.procedure).observe(days)

    after_commit(session, count)
    return new.value


def _issue_e_coe(runtime, session, row, proposal, content: dict, at) -> None:
    """The COE chosen by e-mail: sealed with the bureau's key at the approval, kept for the public check."""
    from review.application import coe

    signer = ports(runtime).coe_signer
    document_id, sealed = coe.issue(
        session,
        signer,
        application_id=row.application_id,
        receipt_number=row.receipt_number,
        bureau=row.bureau,
        holder=coe.holder_of(content),
        status=proposal.granted_status or row.desired_status,
        at=at,
        public_url=runtime.settings.public_url,
    )
    runtime.emit(
        session,
        "coe.issued",
        coe.issued_event(row, document_id, signer.kid, sealed, at),
        correlation_id=row.application_id,
    )


def _what_approval_delivers(outcome: str, procedure: str, bundled: list[str], form: dict) -> dict:
    """application.decided v2's fields: nothing is delivered on a refusal."""
    if outcome != "approved":
        return {}
    return {
        "delivery_method": outcome_rules.delivery_method(procedure, form),
        "specified_card": outcome_rules.specified_card(procedure, form),
        "outside_activity": outcome_rules.outside_activity(bundled, form),
    }


def _with_birth_date(delivery: dict | None, content: dict) -> dict | None:
    """v5's delivery instructions: the holder's registered date of birth, for the new card's validity
    (card-delivery; art. 19-5); None when the signed identity has no date in ISO form (never guessed)."""
    if delivery is None:
        return None
    born = form_rules.applicant_of(content).get("date_of_birth")
    try:
        birth_date = date.fromisoformat(born).isoformat() if isinstance(born, str) else None
    except ValueError:
        birth_date = None
    return {**delivery, "date_of_birth": birth_date}


def delivery_instructions(row, content: dict) -> dict | None:
    """Where the new card (or a paper COE / certificate) goes: the registered name and mailing address as signed (the form's own
    mailing address if it has one, else the account's registered address, or for a proxy filing the
    applicant's address the filer entered), the certificate's address (card-delivery compares the two),
    the old card number from the form."""
    form = form_rules.form_of(content)
    registered = form_rules.applicant_of(content)
    holder = json.loads(row.evidence).get("holder") or {}
    if row.procedure == "coe" and holder.get("name") and holder.get("address"):
        # A paper COE goes to the filer in Japan, who forwards it to the person abroad (residence-procedures.md
        # item 7): the name and address of the certificate they signed with; no card changes hands.
        address = holder["address"]
        return {
            "name": holder["name"],
            "mailing_address": {"postal_code": None, "text": address},
            "certificate_address": address,
            "old_card_number": None,
        }
    name = form_rules.applicant_name(form) or registered.get("name") or holder.get("name")
    mailing = form_rules.mailing_address(form)
    if mailing is None and registered.get("address"):
        mailing = {"postal_code": registered.get("postal_code"), "text": registered["address"]}
    certificate_address = holder.get("address")
    if form_rules.filer_of(content) is not None:
        # Filed on the applicant's behalf: the certificate is the filer's, not the applicant's; the
        # address the filer signed for the applicant is all there is to compare with.
        certificate_address = registered.get("address")
    if not name or not mailing or not certificate_address:
        return None  # nothing to guess: card-delivery then asks the bureau
    card = form_rules.old_card_number(form)
    return {
        "name": name,
        "mailing_address": mailing,
        "certificate_address": certificate_address,
        "old_card_number": card if card and CARD_NUMBER.fullmatch(card) else None,
    }


def return_proposal(runtime, session, officer, application_id, reason: str, version=None, ip=None) -> None:
    row = load_case(session, application_id)
    _guard(officer, Action.RETURN, row)
    _check_version(row, version)
    prow = open_proposal(session, application_id)
    if prow is None:
        raise machine.IllegalTransition(machine.Status(row.status), machine.Step.RETURN)
    if prow.proposed_by == officer.id:
        raise machine.FourEyesViolation("nobody reviews their own proposal")
    _check_two_people(session, officer, prow)
    _transition(runtime, session, officer, row, machine.Step.RETURN, "proposal_returned", ip, {"reason": reason})
    session.execute(
        proposals.update()
        .where(proposals.c.id == prow.id)
        .values(resolution="returned", resolved_by=officer.id, resolved_at=now())
    )


def acknowledge_withdrawal(runtime, session, officer, application_id, version=None, ip=None) -> None:
    row = load_case(session, application_id)
    _guard(officer, Action.ACKNOWLEDGE_WITHDRAWAL, row)
    _check_version(row, version)
    if row.withdrawal_requested_at is None:
        raise ValueError("the applicant has not withdrawn")
    _transition(runtime, session, officer, row, machine.Step.WITHDRAW, "withdrawal_acknowledged", ip)
    runtime.stage(
        session,
        review_event(
            "application.closed",
            {
                "application_id": application_id,
                "applicant_id": row.applicant_id,
                "reason": "withdrawn",
                "closed_at": now(),
            },
            application_id,
        ),
    )


def handle_correction(runtime, session, officer, application_id, correction_id, ip=None) -> None:
    row = load_case(session, application_id)
    _guard(officer, Action.ADD_NOTE, row)
    result = session.execute(
        corrections.update()
        .where(
            corrections.c.correction_id == correction_id,
            corrections.c.application_id == application_id,
            corrections.c.handled_at.is_(None),
        )
        .values(handled_by=officer.id, handled_at=now())
    )
    if result.rowcount != 1:
        raise NotFound(correction_id)
    audit.append(
        session,
        officer.id,
        "case.correction_handled",
        bureau=row.bureau,
        application_id=application_id,
        target=correction_id,
        ip=ip,
    )


def _check_two_people(session, officer: Officer, prow) -> None:
    """The proposer and the reviewer are two natural people, not two accounts of one (staff ids)."""
    machine.check_two_people(
        officer_person(session, officer.id) or officer.id, officer_person(session, prow.proposed_by) or prow.proposed_by
    )


def as_officer(row) -> Officer:
    return Officer(row.id, Role(row.role), row.bureau, row.display_name, row.office)
