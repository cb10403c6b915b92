"""A person asks for everything the system holds about them (APPI art. 76, disclosure).

Intake holds the account and the applications; the other services hold their own parts. Intake asks them
all with one event (``personal_data.export_requested``); each answers with its part as an event; the
export is complete when every service in ``PERSONAL_DATA_SERVICES`` has answered. Intake's own part is
read when the export is downloaded, so it is as current as the page. Nothing of another applicant: each
part is selected by this applicant's id, and a download is refused for anyone but its owner.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from intake.adapters.tables import (
    applicants,
    applications,
    attachments,
    data_export_parts,
    data_exports,
    document_requests,
    drafts,
    email_changes,
    notices,
    payments,
    timeline_entries,
)
from zairyu_shared.events.contracts import PERSONAL_DATA_SERVICES
from zairyu_shared.personal_data import from_json, plain, record

SERVICES = ("intake", *PERSONAL_DATA_SERVICES)


def request_export(runtime, session, applicant_id: str, language: str) -> str:
    export_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    session.execute(
        data_exports.insert().values(id=export_id, applicant_id=applicant_id, language=language, requested_at=now)
    )
    runtime.emit(
        session,
        "personal_data.export_requested",
        {
            "request_id": export_id,
            "applicant_id": applicant_id,
            "language": language,
            "requested_at": now,
        },
        correlation_id=export_id,
    )
    return export_id


def on_part(runtime, session, event) -> None:
    """A service's answer: kept (encrypted) until the export is downloaded; complete when all are in."""
    data = event.data
    export = session.execute(sa.select(data_exports).where(data_exports.c.id == data["request_id"])).first()
    if export is None or export.applicant_id != data["applicant_id"]:
        return  # an export since purged, or an answer that does not match its request: nothing to keep
    exists = session.execute(
        sa.select(data_export_parts.c.service).where(
            data_export_parts.c.export_id == export.id, data_export_parts.c.service == data["service"]
        )
    ).first()
    if exists is None:
        session.execute(
            data_export_parts.insert().values(
                export_id=export.id,
                service=data["service"],
                applicant_id=export.applicant_id,
                content=json.dumps(plain(data["records"]), ensure_ascii=False),
                received_at=datetime.now(UTC),
            )
        )
    answered = set(
        session.execute(
            sa.select(data_export_parts.c.service).where(data_export_parts.c.export_id == export.id)
        ).scalars()
    )
    if answered >= set(PERSONAL_DATA_SERVICES) and export.completed_at is None:
        session.execute(
            data_exports.update().where(data_exports.c.id == export.id).values(completed_at=datetime.now(UTC))
        )


def exports_of(session, applicant_id: str) -> list[dict[str, Any]]:
    rows = session.execute(
        sa.select(data_exports)
        .where(data_exports.c.applicant_id == applicant_id)
        .order_by(data_exports.c.requested_at.desc())
    ).all()
    out = []
    for r in rows:
        answered = set(
            session.execute(
                sa.select(data_export_parts.c.service).where(data_export_parts.c.export_id == r.id)
            ).scalars()
        )
        out.append(
            {
                "id": r.id,
                "requested_at": r.requested_at,
                "completed_at": r.completed_at,
                "waiting_for": [s for s in PERSONAL_DATA_SERVICES if s not in answered],
            }
        )
    return out


def assemble(session, applicant_id: str, export_id: str) -> dict[str, Any] | None:
    """The whole export: intake's part now, and each service's answer. None if not theirs or not complete."""
    export = session.execute(
        sa.select(data_exports).where(data_exports.c.id == export_id, data_exports.c.applicant_id == applicant_id)
    ).first()
    if export is None or export.completed_at is None:
        return None
    parts = {"intake": intake_part(session, applicant_id)}
    for row in session.execute(sa.select(data_export_parts).where(data_export_parts.c.export_id == export_id)):
        parts[row.service] = json.loads(row.content)
    return {
        "export_id": export_id,
        "applicant_id": applicant_id,
        "language": export.language,
        "requested_at": plain(export.requested_at),
        "completed_at": plain(export.completed_at),
        "services": {s: parts.get(s, []) for s in SERVICES},
    }


def intake_part(session, applicant_id: str) -> list[dict[str, Any]]:
    """What intake holds: the account (credentials only as whether they are set), changes of its e-mail address,
    drafts, applications with
    the signed form, the files' descriptions, the timeline, inbox copies, requests for documents, payments."""
    records: list[dict[str, Any]] = []
    me = session.execute(sa.select(applicants).where(applicants.c.id == applicant_id)).first()
    if me is None:
        return records
    records.append(
        record(
            "account",
            me.created_at,
            email=me.email,
            email_verified_at=me.email_verified_at,
            language=me.language,
            name=me.name,
            date_of_birth=me.date_of_birth,
            sex=me.sex,
            address=me.address,
            certificate_serial=me.cert_serial,
            certificate_issuer=me.cert_issuer,
            password_set=me.password_hash is not None,
            two_step_login=me.totp_secret is not None,
            card_login_linked=me.auth_subject is not None,
        )
    )
    for c in session.execute(
        sa.select(email_changes)
        .where(email_changes.c.applicant_id == applicant_id)
        .order_by(email_changes.c.requested_at)
    ):
        records.append(
            record(
                "email_change",
                c.requested_at,
                email=c.email,
                expires_at=c.expires_at,
                confirmed_at=c.confirmed_at,
            )
        )
    for d in session.execute(
        sa.select(drafts).where(drafts.c.applicant_id == applicant_id).order_by(drafts.c.updated_at)
    ):
        records.append(
            record(
                "draft",
                d.updated_at,
                draft_id=d.id,
                procedure=d.procedure,
                bundled=d.bundled,
                form=from_json(d.data),
                submitted_application_id=d.submitted_application_id,
            )
        )
    for a in session.execute(
        sa.select(applications).where(applications.c.applicant_id == applicant_id).order_by(applications.c.submitted_at)
    ):
        records.append(
            record(
                "application",
                a.submitted_at,
                application_id=a.id,
                provisional_number=a.provisional_number,
                receipt_number=a.receipt_number,
                procedure=a.procedure,
                bundled=a.bundled,
                status=a.status,
                bureau=a.bureau,
                language=a.language,
                fee_yen=a.fee_yen,
                form=from_json(a.form),
                content_sha256=a.content_sha256,
                received_at=a.received_at,
                closed_at=a.closed_at,
            )
        )
    for f in session.execute(
        sa.select(attachments).where(attachments.c.applicant_id == applicant_id).order_by(attachments.c.created_at)
    ):
        records.append(
            record(
                "attachment",
                f.created_at,
                application_id=f.application_id,
                draft_id=f.draft_id,
                kind=f.kind,
                filename=f.filename,
                media_type=f.media_type,
                size=f.size,
                sha256=f.sha256,
            )
        )
    for t in session.execute(
        sa.select(timeline_entries)
        .where(timeline_entries.c.applicant_id == applicant_id)
        .order_by(timeline_entries.c.occurred_at, timeline_entries.c.id)
    ):
        records.append(
            record("timeline", t.occurred_at, application_id=t.application_id, step=t.kind, detail=from_json(t.detail))
        )
    for n in session.execute(
        sa.select(notices).where(notices.c.applicant_id == applicant_id).order_by(notices.c.created_at)
    ):
        records.append(
            record(
                "inbox_notice",
                n.created_at,
                application_id=n.application_id,
                notice_type=n.notice_type,
                subject=n.subject,
                body=n.body,
                read_at=n.read_at,
            )
        )
    for r in session.execute(sa.select(document_requests).where(document_requests.c.applicant_id == applicant_id)):
        records.append(
            record(
                "documents_request",
                None,
                application_id=r.application_id,
                items=from_json(r.items),
                message=r.message,
                deadline=r.deadline,
                answered_at=r.answered_at,
            )
        )
    for p in session.execute(
        sa.select(payments).where(payments.c.applicant_id == applicant_id).order_by(payments.c.created_at)
    ):
        records.append(
            record(
                "payment",
                p.created_at,
                application_id=p.application_id,
                amount_yen=p.amount_yen,
                state=p.state,
                method=p.method,
                provider_reference=p.provider_reference,
                paid_at=p.paid_at,
            )
        )
    return records


def change_language(runtime, session, applicant_id: str, language: str) -> bool:
    """The language of the account's e-mails and notices: the applicant changes it directly (APPI art. 65,
    accuracy); notify learns it with applicant.contact_changed. False for a language we do not write in."""
    from zairyu_shared.events.contracts import LANGUAGES

    if language not in LANGUAGES:
        return False
    me = session.execute(sa.select(applicants.c.email).where(applicants.c.id == applicant_id)).first()
    if me is None or not me.email:
        return False
    session.execute(applicants.update().where(applicants.c.id == applicant_id).values(language=language))
    runtime.emit(
        session,
        "applicant.contact_changed",
        {
            "applicant_id": applicant_id,
            "email": me.email,
            "language": language,
        },
        correlation_id=applicant_id,
    )
    return True
