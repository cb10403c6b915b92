"""Sign and submit: the exact bytes, a one-time signing code, and an idempotent submission.

The review page carries an idempotency key; preparing twice with it gives the same code, and a
signature posted twice (or two codes signed for one draft) never makes two applications.
"""

from __future__ import annotations

import base64
import json
from datetime import date

import sqlalchemy as sa

from intake.adapters.metrics import APPLICATIONS_SUBMITTED
from intake.adapters.tables import applicants, applications, attachments, drafts, personal, timeline_entries
from intake.domain import canonical, deliveries, fees, filers, form, numbers, procedures, routing, statuses
from zairyu_shared.db import after_commit, statement_once

from . import accounts, drafting, signing_requests
from .common import new_id, now, today_jst


class NotReady(Exception):
    """The draft cannot be signed yet: per-field errors (message keys) and missing attachments."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def _born(person) -> date | None:
    dob = getattr(person, "date_of_birth", None)
    if isinstance(dob, str):
        try:
            return date.fromisoformat(dob)
        except ValueError:
            return None
    return dob if isinstance(dob, date) else None


def online_payment(runtime) -> bool:
    """Whether this intake takes fees online (a payment provider is configured: the embedded demo's; none in the real
    mode until a provider is contracted)."""
    from intake.bootstrap import ports

    return ports(runtime).payment_provider is not None


def review(session, person, draft, *, online_payment: bool) -> dict:
    """Everything the review page shows: validated values, errors, fee, bureau, attachments, who files for whom.
    ``online_payment``: whether fees can be paid online here (an employment certificate as a PDF needs it)."""
    choice = drafting.choice_of(draft)
    today = today_jst()
    born = _born(person) if not filers.is_proxy(choice.filer_role) else None
    values, errors = form.validate(choice, drafting.data(draft), today, filer_born=born)
    files = drafting.attachments_of_draft(session, person.id, draft.id)
    if not any(a.kind == "photo" for a in files):
        errors["photo"] = "upload.photo_missing"
    if deliveries.needs_online_payment(choice.procedure, values) and not online_payment:
        # The signed PDF is issued once its fee is paid online (review: fee.paid); with no way to pay online it
        # would never come (found 2026-12-07): paper by post, the fee in revenue stamps.
        errors["certificate_delivery"] = "certificate.pdf_needs_online_payment"
    if filers.needs_medical_certificate(
        choice.filer_role, values, today, choice.procedure, tuple(choice.bundled)
    ) and not any(a.kind == filers.MEDICAL_CERTIFICATE for a in files):
        errors[filers.MEDICAL_CERTIFICATE] = "filer.medical_certificate_missing"
    governing = procedures.governing_status(form.request_of(choice, values))
    sections = form.sections_for(choice, governing)
    address = routing.routing_address(choice.procedure, choice.filer_role, person.address, values, sections)
    route = routing.route_address(address)
    if route is None:
        where = routing.routing_field(choice.procedure, choice.filer_role, sections)
        errors.setdefault(where, "routing.no_bureau" if where == "address" else "routing.no_prefecture")
    verdict = form.verdict(choice, values, today, born)
    holder = accounts.expected_holder(person)
    proxy = filers.is_proxy(choice.filer_role)
    return {
        "choice": choice,
        "values": values,
        "errors": errors,
        "attachments": files,
        "bureau": route.bureau if route else None,
        "route": route,
        # Accepted but for the examiner to weigh (an early extension's special reason), and what to read first.
        "flags": verdict.flags,
        "advice": verdict.advice,
        # The schedule in force today: the day the system receives it (an application keeps this fee).
        "fee_lines": fees.lines(choice.procedure, choice.bundled, values.get("reentry_type"), received_on=today),
        "fee_total": fees.total(choice.procedure, choice.bundled, values.get("reentry_type"), received_on=today),
        "sections": sections,
        "governing_status": governing,
        # Who the application is for, and who files it (signs with their own card).
        "applicant": filers.applicant_record(values) if proxy else holder,
        "filer": filers.filer_record(choice.filer_role, holder, values) if proxy else None,
    }


_IDENTITY_FIELDS = {f.name for f in form.SECTIONS["applicant"]} | {f.name for f in form.SECTIONS["filer"]}


def document(person, draft, application_id: str, r: dict, authentication: dict | None = None) -> bytes:
    """The signed bytes. Self filing: ``applicant`` is the account's (card's) identity, as before.
    Proxy filing: ``applicant`` is the identity the filer typed and ``filer`` says who signs (their
    card's identity, as the account holds it) in which role; the form keeps the official form's fields.
    ``authentication``: an organisation's staff filing without a card (organisation_staff_filing) writes its staff
    session into the bytes it submits, so that signing can hold the event to them; a card-signed one has none."""
    extra = {
        "bureau": r["bureau"],
        "fee_yen": r["fee_total"],
        "routing": r["route"].as_event(),
        "examiner_flags": list(r["flags"]),
    }
    if authentication is not None:
        extra["authentication"] = authentication
    form_values = r["values"]
    if r["filer"] is not None:
        extra["filer"] = r["filer"]
        form_values = {k: v for k, v in form_values.items() if k not in _IDENTITY_FIELDS}
    return canonical.signed_document(
        application_id=application_id,
        applicant_id=person.id,
        procedure=draft.procedure,
        bundled=r["choice"].bundled,
        form=form_values,
        holder=r["applicant"],
        attachments=[
            {"sha256": a.sha256, "kind": a.kind, "media_type": a.media_type, "size": a.size} for a in r["attachments"]
        ],
        extra=extra,
    )


def prepare(runtime, session, person, draft_id: str, idempotency_key: str) -> str:
    """The signing code for this draft's exact bytes (same key -> same code)."""
    draft = drafting.get(session, person.id, draft_id)
    if draft is None:
        raise drafting.DraftError("error.not_found")
    key = f"submit:{person.id}:{idempotency_key}"
    existing = session.execute(
        sa.select(signing_requests.t.c.code).where(signing_requests.t.c.idempotency_key == key)
    ).first()
    if existing:
        return existing.code
    if draft.submitted_application_id:
        raise drafting.DraftError("submit.already_submitted")
    r = review(session, person, draft, online_payment=online_payment(runtime))
    if r["errors"]:
        raise NotReady(r["errors"])
    application_id = new_id()
    content = document(person, draft, application_id, r)
    names = "+".join([procedures.NAMES_JA[draft.procedure]] + [procedures.NAMES_JA[b] for b in r["choice"].bundled])
    return signing_requests.create(
        runtime,
        session,
        purpose="submit",
        content=content,
        applicant_id=person.id,
        subject_id=draft.id,
        idempotency_key=key,
        description=f"Zairyu application {names} ({canonical.digest(content)[:16]})",
        extra={"application_id": application_id, "idempotency_key": idempotency_key},
    )


@signing_requests.completion("submit")
def _complete_submit(runtime, session, row, cms_der: bytes) -> dict:
    extra = signing_requests.extra_of(row)
    db = session.connection()  # Core statements: the session's transaction, without the ORM's bookkeeping
    person = _claim_draft(db, row.subject_id, row.applicant_id, extra["application_id"])
    if person is None:
        gone = db.execute(
            sa.select(drafts.c.submitted_application_id).where(drafts.c.id == row.subject_id)
        ).scalar_one_or_none()
        if not gone:
            return {"ok": False, "error": "signing.expired"}  # the person deleted the draft after starting to sign
        app = get_any(session, gone)  # another code for the same draft was signed first
        return {"ok": True, "application_id": app.id, "provisional_number": app.provisional_number, "duplicate": True}
    # The signer is the account holder: the applicant themself or, for a proxy, the filer.
    return record(
        runtime,
        session,
        person,
        signing_requests.content_of(row),
        cms_der,
        application_id=extra["application_id"],
        idempotency_key=extra["idempotency_key"],
        draft_id=row.subject_id,
        expected_holder=accounts.expected_holder(person),
    )


def _submitter():
    # Of the person, only what submitting needs (the language, and the holder signing must find): every other
    # personal column would be decrypted for nothing (e-mail, TOTP secret).
    c = applicants.c
    return c.id, c.language, c.name, c.date_of_birth, c.sex, c.address


def _claim_draft(db, draft_id: str, applicant_id: str, application_id: str):
    """The person (their id, language and the four fields of the holder) once their draft is marked submitted as
    ``application_id``; None if it was submitted or deleted already. The draft's row stays locked until the commit,
    so a second code for the same draft, signed at the same moment, waits and then finds it submitted: never two
    applications. On PostgreSQL the same statement reads the person (SQLite's RETURNING names only the updated
    table's columns: a SELECT after it)."""
    params = {"draft_key": draft_id, "applicant_key": applicant_id, "submitted_application_id": application_id}

    def claim():
        return drafts.update().where(
            drafts.c.id == sa.bindparam("draft_key"),
            drafts.c.submitted_application_id.is_(None),
            drafts.c.deleted_at.is_(None),
            drafts.c.applicant_id == sa.bindparam("applicant_key"),
            applicants.c.id == drafts.c.applicant_id,
        )

    if db.dialect.name == "postgresql":
        return db.execute(
            statement_once(("intake.draft_claim", "postgresql"), lambda: claim().returning(*_submitter())), params
        ).first()
    claimed = db.execute(
        statement_once(("intake.draft_claim", "sqlite"), lambda: claim().returning(drafts.c.id)), params
    )
    if claimed.first() is None:
        return None
    return db.execute(
        statement_once(
            ("intake.submitter",),
            lambda: sa.select(*_submitter()).where(applicants.c.id == sa.bindparam("applicant_key")),
        ),
        params,
    ).first()


def record(
    runtime,
    session,
    person,
    content: bytes,
    cms_der: bytes | None,
    *,
    application_id: str,
    idempotency_key: str,
    draft_id: str,
    expected_holder: dict | None,
    filer_name: str | None = None,
    authentication: dict | None = None,
) -> dict:
    """The signed application on the applicant's account, its draft's attachments with it, the timeline's first
    entry and application.submitted staged (the applicant's own draft, or a draft an organisation filed for them:
    organisation_filing). ``expected_holder``: whom signing must find in the certificate. Without a card
    (``cms_der`` None, organisation_staff_filing): ``authentication`` is the organisation staff session intake
    checked, and there is no signature and no holder to expect."""
    doc = json.loads(content)
    submitted_at = now()
    provisional = numbers.provisional_number(today_jst())
    form_values = doc["form"]
    status_code = form_values.get("current_status") or form_values.get("desired_status")
    fee = doc["fee_yen"]
    # Each once: the row and the event carry the same.
    content_b64, content_sha256 = base64.b64encode(content).decode(), canonical.digest(content)
    signature_b64 = base64.b64encode(cms_der).decode() if cms_der is not None else None
    db = session.connection()  # Core statements: the session's transaction, without the ORM's bookkeeping
    application = dict(
        id=application_id,
        applicant_id=person.id,
        idempotency_key=idempotency_key,
        provisional_number=provisional,
        procedure=doc["procedure"],
        bundled=",".join(doc["bundled"]),
        status="submitted",
        bureau=doc["bureau"],
        language=person.language,
        fee_yen=fee,
        form=json.dumps(form_values, ensure_ascii=False),
        signed_content=content_b64,
        content_sha256=content_sha256,
        # No card signature (an organisation's staff filing): empty, and the staff session is in the bytes.
        signature_cms=signature_b64 or "",
        submitted_at=submitted_at,
        updated_at=submitted_at,
    )
    entry = json.dumps({"provisional_number": provisional})
    with personal(session, person.id):
        attached = _recorded(db, application, entry, draft_id)
    status = statuses.get(status_code)
    names = _filenames(attached)
    runtime.emit(
        session,
        "application.submitted",
        {
            "application_id": application_id,
            "applicant_id": person.id,
            "provisional_number": provisional,
            "procedure": doc["procedure"],
            "bundled": doc["bundled"],
            "status_of_residence": status.code if status else status_code,
            "desired_status": form_values.get("desired_status"),
            "nationality": form_values.get("nationality", "")[:80],
            "bureau": doc["bureau"],
            "language": person.language,
            "submitted_at": submitted_at,
            "period_of_stay_expiry": form_values.get("period_expiry"),
            "card_by_mail": form_values.get("card_receipt", "post") != "counter",
            "signed_content_b64": content_b64,
            "content_sha256": content_sha256,
            "signature_cms_b64": signature_b64,
            # v3: how the filer was authenticated (their card's signature, or an organisation staff session).
            "authentication": authentication or {"method": "card_signature"},
            "attachments": [
                {
                    "sha256": a["sha256"],
                    "media_type": a["media_type"],
                    "size": a["size"],
                    "kind": a["kind"],
                    # Not signed (the signed bytes hold the hash): what the officer reads beside the kind.
                    "filename": names.get((a["sha256"], a["kind"])),
                }
                for a in doc["attachments"]
            ],
            "expected_holder": expected_holder,
            # intake's routing decision and the examiner's flags, as signed (review files the case there).
            "routing": doc.get("routing"),
            "examiner_flags": doc.get("examiner_flags") or [],
            **_filer_payload(doc, filer_name),
        },
        correlation_id=application_id,
    )
    # Counted once the submission is durable, not when the transaction merely staged it.
    after_commit(session, lambda: APPLICATIONS_SUBMITTED.labels(doc["bureau"], doc["procedure"]).inc())
    return {"ok": True, "application_id": application_id, "provisional_number": provisional}


def _recorded(db, application: dict, entry: str, draft_id: str) -> list:
    """The application's row, its first timeline entry (``entry``: its detail) and its draft's attachments moved to
    it; returns the attachments. On PostgreSQL in one statement (_recording); SQLite has no data-modifying CTE."""
    if db.dialect.name == "postgresql":
        return db.execute(
            statement_once(("intake.application_recorded",), _recording),
            {**application, "entry_detail": entry, "draft_key": draft_id},
        ).all()
    db.execute(statement_once(("intake.application_insert",), applications.insert), application)
    attached = db.execute(
        statement_once(
            ("intake.attachments_submitted",),
            lambda: (
                attachments.update().where(attachments.c.draft_id == sa.bindparam("draft_key")).returning(*_ATTACHED)
            ),
        ),
        {"draft_key": draft_id, "application_id": application["id"]},
    ).all()
    db.execute(
        statement_once(("intake.timeline_entry",), timeline_entries.insert),
        dict(
            application_id=application["id"],
            applicant_id=application["applicant_id"],
            kind="submitted",
            occurred_at=application["submitted_at"],
            detail=entry,
        ),
    )
    return attached


# What submitting reads back of the draft's attachments, and the columns an application is inserted with (not those
# written later: its receipt number, when review received it, when it closed).
_ATTACHED = (attachments.c.sha256, attachments.c.kind, attachments.c.filename, attachments.c.created_at)
_INSERTED = [c for c in applications.c if c.name not in ("receipt_number", "received_at", "closed_at")]


def _recording():
    """_recorded's three statements as one for PostgreSQL: one round trip, and one statement for the server to parse
    and plan. The timeline entry and the attachments take the application's id from its inserted row. Each value is
    bound with its column's type: the encrypted ones are sealed as ever (under the person's key, in personal())."""
    return (
        sa.text(
            f"WITH application AS (INSERT INTO applications ({', '.join(c.name for c in _INSERTED)})"
            f" VALUES ({', '.join(':' + c.name for c in _INSERTED)}) RETURNING id, applicant_id, submitted_at),"
            " first_entry AS (INSERT INTO timeline_entries (application_id, applicant_id, kind, detail, occurred_at)"
            " SELECT id, applicant_id, 'submitted', :entry_detail, submitted_at FROM application)"
            " UPDATE attachments SET application_id = (SELECT id FROM application) WHERE draft_id = :draft_key"
            " RETURNING sha256, kind, filename, created_at"
        )
        .bindparams(*(sa.bindparam(c.name, type_=c.type) for c in _INSERTED))
        .columns(*_ATTACHED)
    )


def _filenames(attached) -> dict[tuple[str, str], str | None]:
    """The files' names as the applicant's computer called them (cleaned on upload: upload_checks.clean_filename),
    by hash and kind (the first uploaded of two alike): the signed bytes carry no names, the officer's case page
    shows them. ``attached``: the draft's attachments as submitting them returned them."""
    names: dict[tuple[str, str], str | None] = {}
    for row in sorted(attached, key=lambda row: row.created_at):
        names.setdefault((row.sha256, row.kind), row.filename)
    return names


def _filer_payload(doc: dict, filer_name: str | None = None) -> dict:
    """application.submitted's ``filer`` for a proxy filing (absent when the applicant files themself).
    ``filer_name``: the signer's name from their certificate, when the signed bytes do not hold it (an
    organisation's staff member)."""
    filer = doc.get("filer")
    if not filer:
        return {}
    applicant = doc.get("applicant") or {}
    return {
        "filer": {
            "role": filer["role"],
            "name": filer_name or (filer.get("holder") or {}).get("name"),
            "organisation_name": filer.get("organisation_name"),
            "organisation_number": filers.organisation_number(filer["role"], filer),
            "agent_qualification": filer.get("agent_qualification"),
            "relationship": filer.get("filer_relationship"),
            "applicant_name": applicant.get("name"),
            "applicant_date_of_birth": applicant.get("date_of_birth"),
        }
    }


def get_any(session, application_id: str):
    return session.execute(sa.select(applications).where(applications.c.id == application_id)).first()
