"""Use cases of the bureau for organisations' applications for use (issue 21), one transaction each.

An application arrives as ``organisation.use_requested`` (intake routed it to the bureau covering the
organisation's address); an examiner or supervisor of that bureau proposes approval or refusal, a supervisor
who is another person confirms, and ``organisation.use_decided`` tells intake. Every step is in the
hash-chained audit (actions ``organisation.*``, target = the organisation id).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from review.adapters import audit
from review.adapters.enrolments import officer_person
from review.adapters.organisation_tables import organisation_requests as requests
from review.application.casework import Conflict, NotFound, now
from review.domain import case as machine
from review.domain import organisation_use as rules
from review.domain.roles import Action, Forbidden, Officer, can
from zairyu_shared.events import new_event
from zairyu_shared.japan_time import japan_date


def receive(runtime, session, event) -> None:
    """Consumer handler: file the application at its bureau (redeliveries are the inbox's to skip)."""
    data = event.data
    values = dict(
        bureau=data["bureau"],
        name=data["name"],
        kind=data["kind"],
        corporate_number=data.get("corporate_number"),
        agent_qualification=data.get("agent_qualification"),
        agent_number=data.get("agent_number"),
        address=data["address"],
        status=rules.UseStatus.PENDING.value,
        requested_at=data["requested_at"],
    )
    known = session.execute(
        sa.select(requests.c.status, requests.c.version).where(requests.c.organisation_id == data["organisation_id"])
    ).first()
    if known is None:
        session.execute(requests.insert().values(organisation_id=data["organisation_id"], **values))
        action = "organisation.use_requested"
    elif known.status in (rules.UseStatus.APPROVED.value, rules.UseStatus.REFUSED.value):
        # The periodic report (定期報告): the same organisation asks again; examined like the first time, the
        # current approval running on meanwhile (its period stays until the new decision extends it).
        session.execute(
            requests.update()
            .where(requests.c.organisation_id == data["organisation_id"])
            .values(
                proposed_outcome=None,
                proposed_by=None,
                proposed_at=None,
                reason=None,
                decided_by=None,
                version=known.version + 1,
                **values,
            )
        )
        action = "organisation.renewal_requested"
    else:
        return  # already waiting for a decision: nothing to add
    audit.append(
        session, "system", action, bureau=data["bureau"], target=data["organisation_id"], detail={"kind": data["kind"]}
    )


@dataclass(frozen=True)
class UseRequest:
    organisation_id: str
    bureau: str
    name: str
    kind: str
    corporate_number: str | None
    agent_qualification: str | None
    agent_number: str | None
    address: str
    status: str
    requested_at: datetime
    proposed_outcome: str | None
    proposed_by: str | None
    reason: str | None
    decided_by: str | None
    approved_from: date | None
    approved_until: date | None
    version: int


def _as_request(row) -> UseRequest:
    return UseRequest(**{f: getattr(row, f) for f in UseRequest.__dataclass_fields__})


def _require(officer: Officer, action: Action, bureau: str) -> None:
    # Organisations are the bureau's (never an office's); an examiner's proposal needs no claim first.
    if not can(officer, action, bureau, assignee=officer.id):
        raise Forbidden(f"{officer.role.value} {officer.id} may not {action.value} organisations of {bureau}")


def queue(session, officer: Officer, bureau: str) -> list[UseRequest]:
    _require(officer, Action.VIEW_QUEUE, bureau)
    rows = session.execute(
        sa.select(requests)
        .where(requests.c.bureau == bureau)
        .order_by(sa.case((requests.c.status.in_(("pending", "proposed")), 0), else_=1), requests.c.requested_at.desc())
        .limit(200)
    )
    return [_as_request(r) for r in rows]


def load(session, officer: Officer, organisation_id: str) -> UseRequest:
    row = session.execute(sa.select(requests).where(requests.c.organisation_id == organisation_id)).first()
    if row is None:
        raise NotFound(organisation_id)
    _require(officer, Action.VIEW_CASE, row.bureau)
    audit.append(session, officer.id, "organisation.viewed", bureau=row.bureau, target=organisation_id)
    return _as_request(row)


def _update(session, found: UseRequest, version: int | None, **values) -> None:
    if version is not None and version != found.version:
        raise Conflict(found.organisation_id)
    done = session.execute(
        requests.update()
        .where(requests.c.organisation_id == found.organisation_id, requests.c.version == found.version)
        .values(version=found.version + 1, **values)
    )
    if done.rowcount != 1:
        raise Conflict(found.organisation_id)


def _row(session, organisation_id: str) -> UseRequest:
    row = session.execute(sa.select(requests).where(requests.c.organisation_id == organisation_id)).first()
    if row is None:
        raise NotFound(organisation_id)
    return _as_request(row)


def propose(
    runtime,
    session,
    officer: Officer,
    organisation_id: str,
    outcome: str,
    reason: str | None,
    version: int | None = None,
    ip: str | None = None,
) -> None:
    found = _row(session, organisation_id)
    _require(officer, Action.PROPOSE, found.bureau)
    proposal = rules.propose(rules.UseStatus(found.status), officer, outcome, reason)
    _update(
        session,
        found,
        version,
        status=rules.UseStatus.PROPOSED.value,
        proposed_outcome=proposal.outcome,
        proposed_by=officer.id,
        proposed_at=now(),
        reason=proposal.reason,
    )
    audit.append(
        session,
        officer.id,
        "organisation.proposed",
        bureau=found.bureau,
        target=organisation_id,
        ip=ip,
        detail={"outcome": outcome},
    )


def return_proposal(
    runtime, session, officer: Officer, organisation_id: str, version: int | None = None, ip: str | None = None
) -> None:
    """A supervisor sends a proposal back (it can be proposed again)."""
    found = _row(session, organisation_id)
    _require(officer, Action.RETURN, found.bureau)
    if found.status != rules.UseStatus.PROPOSED.value:
        raise rules.IllegalUseStep(f"nothing proposed on {organisation_id}")
    _update(
        session,
        found,
        version,
        status=rules.UseStatus.PENDING.value,
        proposed_outcome=None,
        proposed_by=None,
        proposed_at=None,
        reason=None,
    )
    audit.append(session, officer.id, "organisation.returned", bureau=found.bureau, target=organisation_id, ip=ip)


def confirm(
    runtime, session, officer: Officer, organisation_id: str, version: int | None = None, ip: str | None = None
) -> str:
    """A supervisor who is another person confirms: the decision is final and intake is told."""
    found = _row(session, organisation_id)
    _require(officer, Action.CONFIRM, found.bureau)
    if found.proposed_outcome is None or found.proposed_by is None:
        raise rules.IllegalUseStep(f"nothing proposed on {organisation_id}")
    proposal = rules.UseProposal(found.proposed_outcome, found.proposed_by, found.reason)
    status = rules.confirm(rules.UseStatus(found.status), officer, proposal)
    machine.check_two_people(
        officer_person(session, officer.id) or officer.id,
        officer_person(session, proposal.proposed_by) or proposal.proposed_by,
    )
    at = now()
    start, until = (
        rules.approval_period(rules.renewal_start(japan_date(at), found.approved_until))
        if status is rules.UseStatus.APPROVED
        else (None, None)
    )
    if status is rules.UseStatus.REFUSED and found.approved_until is not None:
        start, until = found.approved_from, found.approved_until  # a refused renewal: the running period stays
    _update(
        session,
        found,
        version,
        status=status.value,
        decided_by=officer.id,
        decided_at=at,
        approved_from=start,
        approved_until=until,
    )
    audit.append(
        session,
        officer.id,
        "organisation.decided",
        bureau=found.bureau,
        target=organisation_id,
        ip=ip,
        detail={
            "outcome": proposal.outcome,
            "proposed_by": proposal.proposed_by,
            "approved_until": until.isoformat() if until else None,
        },
    )
    runtime.stage(
        session,
        new_event(
            "organisation.use_decided",
            {
                "organisation_id": organisation_id,
                "outcome": proposal.outcome,
                "bureau": found.bureau,
                "approved_from": start,
                "approved_until": until,
                "reason": proposal.reason if proposal.outcome == "refused" else None,
                "decided_at": at,
            },
            source="review",
            correlation_id=organisation_id,
        ),
    )
    return status.value


@dataclass(frozen=True)
class FilerStanding:
    """What the case page says about the organisation that filed: its approval for use, by its number."""

    organisation_id: str
    bureau: str
    status: str  # pending | proposed | approved | refused | lapsed
    approved_until: date | None


def standing_of_filer(session, number: str | None, today: date) -> FilerStanding | None:
    """The latest application for use of the organisation with this corporate or agent's number, or None (an
    organisation that files as a person with their own card, as before issue 21, has none)."""
    if not number:
        return None
    row = session.execute(
        sa.select(requests)
        .where(sa.or_(requests.c.corporate_number == number, requests.c.agent_number == number))
        .order_by(requests.c.requested_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    status = row.status
    if status == rules.UseStatus.APPROVED.value and (row.approved_until is None or row.approved_until < today):
        status = "lapsed"
    return FilerStanding(row.organisation_id, row.bureau, status, row.approved_until)


@dataclass(frozen=True)
class FiledCase:
    """One application an organisation filed, as the bureau's lists show it."""

    application_id: str
    receipt_number: str
    procedure: str
    status: str
    received_at: datetime


# Cases received before the index existed (filer_lookup NULL until `zairyu-review index-filers` has run) are still
# matched as they were, by reading their encrypted filer: the newest this many of them.
LEGACY_LOOK_BACK = 2000


def _filed_where(officer: Officer, bureau: str, exclude: str | None) -> list:
    from review.adapters.tables import cases

    where = [cases.c.bureau == bureau]
    if officer.office is not None:
        where.append(cases.c.office == officer.office)
    if exclude is not None:
        where.append(cases.c.application_id != exclude)
    return where


def _legacy_filed(session, where: list, number: str) -> list[FiledCase]:
    from review.adapters.tables import cases

    rows = session.execute(
        sa.select(
            cases.c.application_id,
            cases.c.receipt_number,
            cases.c.procedure,
            cases.c.status,
            cases.c.received_at,
            cases.c.filer,
        )
        .where(*where, cases.c.filer.is_not(None), cases.c.filer_lookup.is_(None))
        .order_by(cases.c.received_at.desc())
        .limit(LEGACY_LOOK_BACK)
    ).all()
    return [
        FiledCase(r.application_id, r.receipt_number, r.procedure, r.status, r.received_at)
        for r in rows
        if (json.loads(r.filer) or {}).get("organisation_number") == number
    ]


def cases_filed_by(
    session,
    officer: Officer,
    bureau: str,
    number: str | None,
    key: str,
    exclude: str | None = None,
    limit: int = 50,
) -> list[FiledCase]:
    """The applications an organisation (its corporate or agent's number) filed at ``bureau``, newest first, at most
    ``limit``, only those the officer may see (an office's officer: that office's), without ``exclude`` (the case
    being viewed). One indexed query on the keyed hash of the number (``key``: settings.hashing_key), however many
    cases the bureau holds."""
    from review.adapters.tables import cases

    if not number or not can(officer, Action.VIEW_CASE, bureau, office=officer.office):
        return []
    where = _filed_where(officer, bureau, exclude)
    rows = session.execute(
        sa.select(
            cases.c.application_id, cases.c.receipt_number, cases.c.procedure, cases.c.status, cases.c.received_at
        )
        .where(*where, cases.c.filer_lookup == rules.filer_lookup(key, number))
        .order_by(cases.c.received_at.desc(), cases.c.application_id)
        .limit(limit)
    ).all()
    found = [FiledCase(*r) for r in rows] + _legacy_filed(session, where, number)
    return sorted(found, key=lambda c: c.received_at, reverse=True)[:limit]


def count_filed_by(
    session, officer: Officer, bureau: str, number: str | None, key: str, exclude: str | None = None
) -> int:
    """How many applications cases_filed_by would list without its limit."""
    from review.adapters.tables import cases

    if not number or not can(officer, Action.VIEW_CASE, bureau, office=officer.office):
        return 0
    where = _filed_where(officer, bureau, exclude)
    indexed = session.execute(
        sa.select(sa.func.count())
        .select_from(cases)
        .where(*where, cases.c.filer_lookup == rules.filer_lookup(key, number))
    ).scalar_one()
    return int(indexed) + len(_legacy_filed(session, where, number))


def index_filers(
    session, key: str, everything: bool = False, after: str = "", batch: int = 500
) -> tuple[int, str | None]:
    """``zairyu-review index-filers``: the keyed hash of each case's filing organisation's number, for the cases
    received before the index (or every case filed on someone's behalf, ``everything``, after ZAIRYU_REVIEW_HASH_KEY
    changed), a batch at a time in application id order from ``after``. Reads each filer under its applicant's key
    (an erased applicant's filer reads as nothing: nothing to find the case by). Returns (cases indexed, the last
    id read, None when there are no more)."""
    from review.adapters.tables import cases

    query = sa.select(cases.c.application_id, cases.c.filer).where(
        cases.c.filer.is_not(None), cases.c.application_id > after
    )
    if not everything:
        query = query.where(cases.c.filer_lookup.is_(None))
    rows = session.execute(query.order_by(cases.c.application_id).limit(batch)).all()
    for r in rows:
        try:
            filer = json.loads(r.filer) if r.filer else None
        except ValueError:
            filer = None
        value = rules.filer_index_value(key, filer) or rules.NO_ORGANISATION  # unreadable: nothing to find it by
        session.execute(cases.update().where(cases.c.application_id == r.application_id).values(filer_lookup=value))
    return len(rows), (rows[-1].application_id if len(rows) == batch else None)
