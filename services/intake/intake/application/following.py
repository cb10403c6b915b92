"""Following an application: the applicant's list, timeline and inbox, and what they can still do."""

from __future__ import annotations

import base64
import hmac
import json
import re
import unicodedata
from datetime import timedelta

import sqlalchemy as sa

from intake.adapters.tables import applications, attachments, document_requests, notices, timeline_entries
from intake.domain import canonical, timeline
from zairyu_shared import deliverables

from . import signing_requests, staying
from .common import JST, aware, new_id, now


class FollowError(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def mine(session, applicant_id: str):
    return session.execute(
        sa.select(applications)
        .where(applications.c.applicant_id == applicant_id)
        .order_by(applications.c.submitted_at.desc())
    ).all()


def filing_of(app) -> dict:
    """For whom and by whom an application was filed, read from the signed bytes (the record of it):
    ``{"applicant": {...}, "filer": {...} | None}``; ``filer`` None means the account holder's own."""
    doc = json.loads(base64.b64decode(app.signed_content))
    return {"applicant": doc.get("applicant") or {}, "filer": doc.get("filer")}


def get(session, applicant_id: str, application_id: str):
    """The applicant's own application, or None: another's application does not exist for them."""
    return session.execute(
        sa.select(applications).where(applications.c.id == application_id, applications.c.applicant_id == applicant_id)
    ).first()


def entries(session, application_id: str) -> list[dict]:
    rows = session.execute(
        sa.select(timeline_entries)
        .where(timeline_entries.c.application_id == application_id)
        .order_by(timeline_entries.c.occurred_at, timeline_entries.c.id)
    ).all()
    return [{"kind": r.kind, "occurred_at": aware(r.occurred_at), "detail": json.loads(r.detail or "{}")} for r in rows]


def attachments_of(session, application_id: str):
    return session.execute(
        sa.select(attachments).where(attachments.c.application_id == application_id).order_by(attachments.c.created_at)
    ).all()


def open_requests(session, application_id: str):
    return session.execute(
        sa.select(document_requests).where(
            document_requests.c.application_id == application_id, document_requests.c.answered_at.is_(None)
        )
    ).all()


def inbox(session, applicant_id: str):
    return session.execute(
        sa.select(notices).where(notices.c.applicant_id == applicant_id).order_by(notices.c.created_at.desc())
    ).all()


def notice(session, applicant_id: str, notice_id: str):
    row = session.execute(
        sa.select(notices).where(notices.c.id == notice_id, notices.c.applicant_id == applicant_id)
    ).first()
    if row is not None and row.read_at is None:
        session.execute(notices.update().where(notices.c.id == notice_id).values(read_at=now()))
    return row


def unread_count(session, applicant_id: str) -> int:
    return int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(notices)
            .where(notices.c.applicant_id == applicant_id, notices.c.read_at.is_(None))
        ).scalar()
    )


# Official processing targets (ISA: change/extension 2 weeks to 1 month, COE 1 to 3 months; residence-procedures.md,
# "Who decides"), used until enough decisions have been seen here.
OFFICIAL_DAYS = {
    "change": (14, 30),
    "extension": (14, 30),
    "coe": (30, 90),
}
# No official target is published for these: our own estimate, and the page says so (it said "official target").
ESTIMATED_DAYS = {
    "acquisition": (14, 30),
    "employment_certificate": (7, 30),
}
MIN_SAMPLES = 5
RECENT = timedelta(days=365)  # "recent decisions": those of the last year, not every decision ever recorded


def expected_days(session, procedure: str, bureau: str) -> dict:
    """Expected processing time at this bureau for this procedure, from decisions recorded here.

    Median and 80th percentile of days from receipt to decision over decided applications; the
    official target range when fewer than MIN_SAMPLES decisions exist.
    """
    decided = (
        sa.select(timeline_entries.c.application_id, sa.func.min(timeline_entries.c.occurred_at).label("at"))
        .where(timeline_entries.c.kind.in_(("approved", "refused")))
        .group_by(timeline_entries.c.application_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(applications.c.received_at, decided.c.at)
        .join(decided, decided.c.application_id == applications.c.id)
        .where(
            applications.c.procedure == procedure,
            applications.c.bureau == bureau,
            applications.c.received_at.is_not(None),
            decided.c.at >= now() - RECENT,
        )
    ).all()
    days = sorted(max(0.0, (aware(at) - aware(received)).total_seconds() / 86400) for received, at in rows)
    if len(days) < MIN_SAMPLES:
        if procedure in OFFICIAL_DAYS:
            low, high = OFFICIAL_DAYS[procedure]
            return {"source": "official", "low": low, "high": high, "samples": len(days)}
        low, high = ESTIMATED_DAYS.get(procedure, (14, 30))
        return {"source": "estimate", "low": low, "high": high, "samples": len(days)}
    median = days[len(days) // 2]
    p80 = days[min(len(days) - 1, int(len(days) * 0.8))]
    return {"source": "decisions", "low": round(median), "high": round(p80), "samples": len(days)}


def receipt_token(secret: str, receipt_number: str) -> str:
    """Printed on the e-receipt (in its QR code and as the check code): the public check answers only
    to the number together with it, so a walk over sequential receipt numbers learns nothing."""
    from .common import keyed_hash

    return keyed_hash(secret, "e-receipt", receipt_number)[:20]


def receipt_code(secret: str, receipt_number: str) -> str:
    """The check code as a person reads and types it: the token in groups of four (``1A2B-3C4D-...``)."""
    token = receipt_token(secret, receipt_number).upper()
    return "-".join(token[i : i + 4] for i in range(0, len(token), 4))


_NOT_HEX = re.compile("[^0-9a-f]")


def normalise_receipt_code(value: str | None) -> str:
    """Typed check code -> token: any width, case, spaces and dashes; O read as 0 and I/L as 1 (the code
    is hexadecimal, so they cannot be meant). Only ASCII hex survives, so comparing it never raises."""
    folded = unicodedata.normalize("NFKC", value or "").lower().translate(str.maketrans("oil", "011"))
    return _NOT_HEX.sub("", folded)


def public_status(session, receipt_number: str, code: str | None, secret: str) -> dict | None:
    """For the public verification page: no personal data, only whether it is pending and since when.

    None unless ``code`` is the e-receipt's check code for this number: a bare number, a wrong code and
    a number that does not exist get the same answer (the database is not even asked without the code).
    """
    expected = receipt_token(secret, receipt_number or "")
    if not receipt_number or not hmac.compare_digest(normalise_receipt_code(code), expected):
        return None
    row = session.execute(
        sa.select(
            applications.c.id,
            applications.c.status,
            applications.c.received_at,
            applications.c.procedure,
            applications.c.bureau,
            applications.c.closed_at,
            applications.c.submitted_at,
            applications.c.form,
        ).where(applications.c.receipt_number == receipt_number)
    ).first()
    if row is None:
        return None
    since = aware(row.received_at)
    # An approval that gives a new card leaves the application pending until the card is issued: the old
    # card is still what the person holds (issue 17).
    awaiting_card = row.status == "approved" and deliverables.issues_card(row.procedure)
    pending = timeline.is_open(row.status) or row.status == "withdrawal_requested" or awaiting_card
    stay = (
        staying.special_period_of(row.procedure, aware(row.submitted_at), row.form, staying.decided_at(session, row.id))
        if pending
        else None
    )
    return {
        "pending": pending,
        "awaiting_card": awaiting_card,
        "since": since,
        "since_date": since.astimezone(JST).date() if since else None,  # the Japanese calendar day
        "procedure": row.procedure,
        "bureau": row.bureau,
        # Until when the person may stay while it is pending (extension, change), before the decision only.
        "special_period_until": stay["until"] if stay and not stay["decided"] else None,
        "closed": not pending and (row.status in timeline.TERMINAL or row.status in timeline.DECIDED_CARD_ON_ITS_WAY),
    }


# --- answering a request for documents ----------------------------------------------------------
def answer_documents(runtime, session, person, application_id: str, request_id: str, message: str) -> None:
    app = get(session, person.id, application_id)
    if app is None:
        raise FollowError("error.not_found")
    req = session.execute(
        sa.select(document_requests).where(
            document_requests.c.request_id == request_id, document_requests.c.application_id == app.id
        )
    ).first()
    if req is None:
        raise FollowError("error.not_found")
    if req.answered_at is not None:
        raise FollowError("documents.already_answered")
    files = session.execute(
        sa.select(attachments).where(attachments.c.request_id == request_id, attachments.c.applicant_id == person.id)
    ).all()
    if not files:
        raise FollowError("documents.none_attached")
    at = now()
    session.execute(
        attachments.update()
        .where(attachments.c.request_id == request_id, attachments.c.applicant_id == person.id)
        .values(application_id=app.id)
    )
    session.execute(
        document_requests.update().where(document_requests.c.request_id == request_id).values(answered_at=at)
    )
    runtime.emit(
        session,
        "application.documents_submitted",
        {
            "application_id": app.id,
            "applicant_id": person.id,
            "request_id": request_id,
            "message": (message or "")[:4000],
            "attachments": [
                {
                    "sha256": f.sha256,
                    "media_type": f.media_type,
                    "size": f.size,
                    "kind": f.kind,
                    "filename": f.filename,
                }
                for f in files
            ],
            "submitted_at": at,
        },
        correlation_id=app.id,
    )
    _add_entry(session, app, "documents_submitted", at, {"files": len(files)})
    _move(session, app.id, "under_examination")


# --- signed correction request and withdrawal ---------------------------------------------------
def start_signed_action(runtime, session, person, application_id: str, action: str, message: str) -> str:
    """A signing code for a correction request or a withdrawal of an open application."""
    app = get(session, person.id, application_id)
    if app is None:
        raise FollowError("error.not_found")
    if not timeline.is_open(app.status):
        raise FollowError("follow.not_open")
    message = (message or "").strip()
    if action == "correction" and not message:
        raise FollowError("error.required")
    action_id = new_id()
    statement = canonical.statement(
        action,
        application_id=app.id,
        applicant_id=person.id,
        action_id=action_id,
        provisional_number=app.provisional_number,
        receipt_number=app.receipt_number,
        message=message[:4000],
        issued_at=now().isoformat(),
    )
    label = "correction request" if action == "correction" else "withdrawal"
    return signing_requests.create(
        runtime,
        session,
        purpose=action,
        content=statement,
        applicant_id=person.id,
        subject_id=app.id,
        description=f"Zairyu: {label} for {app.provisional_number}",
        extra={"action_id": action_id, "message": message[:4000]},
    )


def own_card(runtime, session, account_id: str, content: bytes, cms_der: bytes) -> dict:
    """The signature of a correction or withdrawal from the person's account must be the account holder's own card
    (who may correct or withdraw: review.domain.follow_up, with its sources): signing checks it against the holder
    the account was registered with, and the card's holder must be the account's (name, date of birth and sex, as
    a re-bound card is compared: accounts.rebind). Another card, however valid, is refused here with a clear
    message, and review refuses it again. Returns the holder the event names for review, or ``{"error": ...}``."""
    from intake.adapters.tables import applicants
    from intake.bootstrap import ports

    from . import accounts

    account = session.execute(sa.select(applicants).where(applicants.c.id == account_id)).first()
    holder = accounts.expected_holder(account)
    verdict = ports(runtime).signing.verify_cms(content, cms_der, expected_holder=holder, language=account.language)
    if not verdict.valid:
        return {"error": "signing.invalid", "reason": verdict.reason, "message": verdict.message}
    try:
        signer = accounts.Holder.from_evidence(verdict.evidence)
    except accounts.AccountError:
        return {"error": "signing.invalid"}
    if (signer.name, signer.date_of_birth, signer.sex) != (account.name, str(account.date_of_birth), account.sex):
        return {"error": "follow.other_card"}
    return {"holder": holder}


def follow_up_payload(event_type: str, extra: dict, at) -> dict:
    if event_type == "application.correction_requested":
        return {"correction_id": extra["action_id"], "message": extra["message"], "requested_at": at}
    return {"reason": extra["message"], "withdrawn_at": at}


def record_follow_up(session, app, entry_kind: str, status: str | None, at) -> None:
    _add_entry(session, app, entry_kind, at, {})
    if status:
        _move(session, app.id, status)


def _signed_action(event_type: str, entry_kind: str, status: str | None):
    def complete(runtime, session, row, cms_der: bytes) -> dict:
        extra = signing_requests.extra_of(row)
        app = session.execute(sa.select(applications).where(applications.c.id == row.subject_id)).first()
        if not timeline.is_open(app.status):
            return {"ok": False, "error": "follow.not_open"}
        checked = own_card(runtime, session, app.applicant_id, signing_requests.content_of(row), cms_der)
        if "error" in checked:
            return {"ok": False, **checked}
        at = now()
        runtime.emit(
            session,
            event_type,
            {
                "application_id": app.id,
                "applicant_id": app.applicant_id,
                "signed_content_b64": row.content,
                "signature_cms_b64": base64.b64encode(cms_der).decode(),
                "requested_by": {"role": "applicant"},
                "expected_holder": checked["holder"],
                **follow_up_payload(event_type, extra, at),
            },
            correlation_id=app.id,
        )
        record_follow_up(session, app, entry_kind, status, at)
        return {"ok": True, "application_id": app.id}

    return complete


signing_requests.COMPLETIONS["correction"] = _signed_action(
    "application.correction_requested", "correction_requested", None
)
signing_requests.COMPLETIONS["withdrawal"] = _signed_action(
    "application.withdrawn", "withdrawal_requested", "withdrawal_requested"
)


def _add_entry(session, app, kind: str, at, detail: dict, event_id: str | None = None) -> None:
    session.execute(
        timeline_entries.insert().values(
            application_id=app.id,
            applicant_id=app.applicant_id,
            kind=kind,
            occurred_at=at,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
            event_id=event_id,
        )
    )


def _move(session, application_id: str, target: str | None, **values) -> None:
    current = session.execute(sa.select(applications.c.status).where(applications.c.id == application_id)).scalar()
    status = timeline.advance(current, target)
    session.execute(
        applications.update()
        .where(applications.c.id == application_id)
        .values(status=status, updated_at=now(), **values)
    )
