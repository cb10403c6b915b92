"""What other services' events do here: signing's verdict, review's steps and decision, card-delivery's
deliveries and the issued documents become an application's status and timeline entries (and the bureau's
document requests); notify's notices become inbox items.

Each runs inside the inbox transaction (a redelivered event is skipped), and an event about an application
this service does not know is dead-lettered by raising: it means a contract or routing fault that an
operator must see, not something to swallow.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from intake.adapters.tables import applications, document_requests, notices, personal, timeline_entries
from intake.domain import timeline
from zairyu_shared.db import statement_once
from zairyu_shared.subject_keys import SubjectErased

from . import organisation_api, roster_decisions
from .common import now


class UnknownApplication(LookupError):
    pass


def _record(session, event, kind: str, target: str | None, detail: dict, **values):
    """The application's step (its status moved towards ``target`` as timeline.advance says, ``values`` set) and its
    timeline entry; returns the application's id, applicant_id and idempotency_key.

    One UPDATE ... RETURNING reads and moves it (was a SELECT, then the UPDATE): the new status is computed in the
    statement from the row's own (timeline.MOVES_TO: the statuses an event leading to ``target`` moves on), so two
    events about one application in concurrent transactions cannot move it back either. Only those columns are
    returned: the whole row would decrypt the signed content for every event. The key says whether an organisation
    filed it (organisation_api.queue_application_event)."""
    data = event.data
    values["updated_at"] = now()
    update = statement_once(
        ("intake.application_step", target, tuple(values)),
        lambda: (
            applications.update()
            .where(
                applications.c.id == sa.bindparam("step_application_id"),
                applications.c.applicant_id == sa.bindparam("step_applicant_id"),
            )
            .values(
                {}
                if target is None
                else {
                    applications.c.status: sa.case(
                        # literals, each its own parameter: an "expanding" IN would be rendered again at each run
                        (applications.c.status.in_([sa.literal(s) for s in sorted(timeline.MOVES_TO[target])]), target),
                        else_=applications.c.status,
                    )
                }
            )
            .returning(applications.c.id, applications.c.applicant_id, applications.c.idempotency_key)
        ),
    )
    # Core statements straight on the transaction's connection: the session's ORM execution adds nothing to them.
    conn = session.connection()
    app = conn.execute(
        update,
        {**values, "step_application_id": data["application_id"], "step_applicant_id": data["applicant_id"]},
    ).first()
    if app is None:  # not here, or another applicant's
        raise UnknownApplication(f"application {data['application_id']} is not known to intake")
    conn.execute(
        statement_once(("intake.timeline_entry",), timeline_entries.insert),
        dict(
            application_id=app.id,
            applicant_id=app.applicant_id,
            kind=kind,
            occurred_at=event.occurred_at,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
            event_id=event.id,
        ),
    )
    return app


def on_application_event(runtime, session, event) -> None:
    data = event.data
    t = event.type
    if t == "signature.verified":
        app = _record(
            session,
            event,
            "signature_verified",
            "signature_verified",
            {"issuer": data["evidence"].get("issuer"), "soft_fail": data["evidence"].get("soft_fail", False)},
        )
    elif t == "attestation.accepted":
        # No signature to verify: signing accepted the organisation's staff filing; the status stays "submitted"
        # until the bureau receives it (the timeline says how it was accepted, never "signature verified").
        app = _record(session, event, "filing_accepted", None, {"checks": data["checks"]})
    elif t == "signature.rejected":
        app = _record(
            session,
            event,
            "signature_rejected",
            "signature_rejected",
            {"reason": data["reason"], "message": data["message"]},
        )
    elif t == "application.received":
        app = _record(
            session,
            event,
            "received",
            "received",
            {"receipt_number": data["receipt_number"], "bureau": data["bureau"], "office": data.get("office")},
            receipt_number=data["receipt_number"],
            received_at=data["received_at"],
        )
    elif t == "application.transferred":  # the bureau handed the case to an office (or took it back)
        app = _record(session, event, "transferred", None, {"bureau": data["bureau"], "office": data["office"]})
    elif t == "application.examination_started":
        app = _record(session, event, "examination_started", "under_examination", {})
    elif t == "application.documents_requested":
        app = _record(
            session,
            event,
            "documents_requested",
            "documents_requested",
            {"request_id": data["request_id"], "deadline": data["deadline"], "items": data["items"]},
        )
        with personal(session, app.applicant_id):
            session.execute(
                document_requests.insert().values(
                    request_id=data["request_id"],
                    application_id=app.id,
                    applicant_id=app.applicant_id,
                    items=json.dumps(data["items"], ensure_ascii=False),
                    message=data.get("message") or "",
                    deadline=data["deadline"],
                )
            )
    elif t == "application.decided":
        outcome = data["outcome"]
        # v2 says what the approval delivers and how: kept for the timeline and the account page.
        delivers = {k: data[k] for k in ("delivery_method", "specified_card", "outside_activity") if data.get(k)}
        app = _record(
            session,
            event,
            outcome,
            outcome,
            {
                "granted_status": data.get("granted_status"),
                "period_of_stay": data.get("period_of_stay"),
                "fee_yen": data["fee_yen"],
                "explanation": data.get("explanation", ""),
                # the grounds of a refusal, as codes: the page names them in the reader's language
                "reason_codes": list(data.get("reason_codes") or []),
                **delivers,
            },
            fee_yen=data["fee_yen"],
            closed_at=data["decided_at"] if outcome == "refused" else None,
        )
        roster_decisions.after_decision(session, event, app)  # issue 21: the filing organisation's roster entry
    elif t in ("coe.issued", "certificate.issued"):  # the signed PDF itself went by mail: only its facts here
        app = _record(
            session,
            event,
            "document_issued",
            None,
            {"document_id": data["document_id"], "valid_until": data["valid_until"], "verify_url": data["verify_url"]},
        )
    elif t == "document.dispatched":  # the paper COE or certificate was posted: tracked like a card
        kind, target = timeline.EVENT_EFFECTS[t]
        app = _record(
            session, event, kind, target, {"tracking_number": data["tracking_number"], "document": data["kind"]}
        )
    elif t in ("document.delivered", "document.returned"):  # and delivered, or back with the post office's reason
        kind, target = timeline.EVENT_EFFECTS[t]
        detail = {"document": data["kind"], **{k: data[k] for k in ("reason", "reason_code") if data.get(k)}}
        app = _record(session, event, kind, target, detail)
    elif t == "application.closed":
        app = _record(session, event, "closed", "withdrawn", {"reason": data["reason"]}, closed_at=data["closed_at"])
    elif t.startswith("card."):
        kind, target = timeline.EVENT_EFFECTS[t]
        detail = {
            k: data[k]
            for k in ("tracking_number", "card_number", "reason", "reason_code", "shortfall_yen")
            if data.get(k)
        }
        app = _record(session, event, kind, target, detail)
        if t == "card.issued":  # a change takes effect with its card: the roster's expiry counts from that day
            roster_decisions.after_card_issued(session, event, app)
    else:  # bound by mistake: surface it
        raise ValueError(f"intake has no handling for {t}")
    if t in organisation_api.APPLICATION_EVENTS:  # issue 21: the filing organisation's webhook, if it named one
        organisation_api.queue_application_event(session, app, event)


def on_notice_created(runtime, session, event) -> None:
    """The notice in the applicant's inbox, once (a notice already here, under another event id, is kept as it is)."""
    data = event.data
    try:
        with personal(session, data["applicant_id"]):
            session.connection().execute(  # a Core statement: the session's ORM execution adds nothing
                _notice_insert(session),
                dict(
                    id=data["notice_id"],
                    applicant_id=data["applicant_id"],
                    application_id=data.get("application_id"),
                    notice_type=data["notice_type"],
                    subject=data["subject"],
                    body=data["body_text"],
                    created_at=data["created_at"],
                ),
            )
    except SubjectErased:
        return  # the person was erased: nothing new is kept about them


def _notice_insert(session):
    """One statement: INSERT ... ON CONFLICT (id) DO NOTHING (was a look-up, then the insert)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return statement_once(
        ("intake.notice_insert", dialect), lambda: insert(notices).on_conflict_do_nothing(index_elements=["id"])
    )
