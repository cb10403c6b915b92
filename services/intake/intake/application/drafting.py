"""Drafts (saved on the server at every step: nothing is lost on timeout or a closed tab) and attachments."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from intake.adapters import upload_checks
from intake.adapters.tables import attachments, drafts, personal
from intake.bootstrap import ports
from intake.domain import filers, form, procedures

from . import draft_limits
from .common import new_id, now

DOCUMENT_KINDS = (
    "photo",
    "passport",
    "residence_card",
    "employment_contract",
    "tax_certificate",
    "enrolment_certificate",
    "family_register",
    "other",
    filers.MEDICAL_CERTIFICATE,
)
# Chosen once, on the first step: it decides which sections the form has, so saving fields never changes it.
FILER_ROLE = "filer_role"


class DraftError(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def create(session, applicant_id: str, procedure: str, bundled: list[str], filer_role: str = filers.SELF) -> str:
    """A new draft. ``filer_role``: "self", or the role in which the account holder files for someone else."""
    if procedure not in procedures.MAIN:
        raise DraftError("eligibility.bundled_only" if procedure in procedures.BUNDLED_ONLY else "error.choice")
    if filer_role not in filers.ROLES:
        raise DraftError("error.choice")
    bundled = [b for b in procedures.BUNDLED_ONLY if b in set(bundled)]
    if bundled and procedure not in procedures.BUNDLE_HOSTS:
        raise DraftError("eligibility.bundle_host")
    # Who may file what is ISA's table (filers.PROCEDURES_BY_ROLE): say so before any typing.
    problems = filers.role_problems(procedure, filer_role, {}, tuple(bundled))
    if problems:
        raise DraftError(problems[0][1])
    if not draft_limits.room_for_another(session, applicant_id):
        raise DraftError("draft.too_many")
    draft_id = new_id()
    with personal(session, applicant_id):
        session.execute(
            drafts.insert().values(
                id=draft_id,
                applicant_id=applicant_id,
                procedure=procedure,
                bundled=",".join(bundled),
                data=json.dumps({FILER_ROLE: filer_role}),
                step=0,
                updated_at=now(),
            )
        )
    return draft_id


def get(session, applicant_id: str, draft_id: str):
    """The applicant's own draft, or None (another applicant's draft, or a deleted one, does not exist for them)."""
    return session.execute(
        sa.select(drafts).where(
            drafts.c.id == draft_id, drafts.c.applicant_id == applicant_id, drafts.c.deleted_at.is_(None)
        )
    ).first()


def mine(session, applicant_id: str):
    return session.execute(
        sa.select(drafts)
        .where(
            drafts.c.applicant_id == applicant_id,
            drafts.c.submitted_application_id.is_(None),
            drafts.c.deleted_at.is_(None),
        )
        .order_by(drafts.c.updated_at.desc())
    ).all()


def recently_deleted(session, applicant_id: str):
    """Drafts deleted within UNDO_WINDOW: the person can still restore them."""
    return session.execute(
        sa.select(drafts)
        .where(
            drafts.c.applicant_id == applicant_id,
            drafts.c.submitted_application_id.is_(None),
            drafts.c.deleted_at > now() - UNDO_WINDOW,
        )
        .order_by(drafts.c.deleted_at.desc())
    ).all()


def data(row) -> dict:
    return json.loads(row.data or "{}")


def bundled(row) -> tuple[str, ...]:
    return tuple(b for b in (row.bundled or "").split(",") if b)


def filer_role(row) -> str:
    return data(row).get(FILER_ROLE) or filers.SELF  # drafts from before proxy filing are the holder's own


def choice_of(row) -> form.Choice:
    return form.Choice(row.procedure, bundled(row), filer_role(row))


def save(session, applicant_id: str, draft_id: str, fields: dict, step: int | None = None) -> None:
    """Merge raw field values into the draft (raw as typed: the form shows them back exactly)."""
    row = get(session, applicant_id, draft_id)
    if row is None or row.submitted_application_id:
        raise DraftError("error.not_found")
    fields = {str(k): ("" if v is None else str(v)) for k, v in fields.items() if k != FILER_ROLE}
    draft_limits.check_fields(choice_of(row), fields)  # only this form's fields, each bounded
    merged = data(row)
    merged.update(fields)
    values = {"data": json.dumps(merged, ensure_ascii=False), "updated_at": now()}
    if step is not None:
        values["step"] = max(step, row.step)
    with personal(session, applicant_id):
        session.execute(drafts.update().where(drafts.c.id == draft_id).values(**values))


# Deleting a draft is one tap away from losing hours of typing: it is hidden first and can be restored for
# UNDO_WINDOW; after that it is removed for good (with its attachments) at the account's next deletion,
# and by the retention purge.
UNDO_WINDOW = timedelta(minutes=30)


def delete(session, applicant_id: str, draft_id: str) -> None:
    session.execute(
        drafts.update()
        .where(
            drafts.c.id == draft_id,
            drafts.c.applicant_id == applicant_id,
            drafts.c.submitted_application_id.is_(None),
            drafts.c.deleted_at.is_(None),
        )
        .values(deleted_at=now())
    )
    expired = (
        session.execute(
            sa.select(drafts.c.id).where(
                drafts.c.applicant_id == applicant_id,
                drafts.c.submitted_application_id.is_(None),
                drafts.c.deleted_at <= now() - UNDO_WINDOW,
            )
        )
        .scalars()
        .all()
    )
    for gone in expired:
        session.execute(
            attachments.delete().where(
                attachments.c.draft_id == gone,
                attachments.c.applicant_id == applicant_id,
                attachments.c.application_id.is_(None),
            )
        )
        session.execute(drafts.delete().where(drafts.c.id == gone))


def restore(session, applicant_id: str, draft_id: str) -> bool:
    """Undo a deletion within UNDO_WINDOW (and within the open-draft limit); False when too late."""
    if not draft_limits.room_for_another(session, applicant_id):
        raise DraftError("draft.too_many")
    done = session.execute(
        drafts.update()
        .where(
            drafts.c.id == draft_id,
            drafts.c.applicant_id == applicant_id,
            drafts.c.submitted_application_id.is_(None),
            drafts.c.deleted_at > now() - UNDO_WINDOW,
        )
        .values(deleted_at=None)
    )
    return done.rowcount == 1


# --- attachments ------------------------------------------------------------------------------
def total_size(session, applicant_id: str, *, draft_id: str | None = None, request_id: str | None = None) -> int:
    q = sa.select(sa.func.coalesce(sa.func.sum(attachments.c.size), 0)).where(
        attachments.c.applicant_id == applicant_id
    )
    q = q.where(attachments.c.draft_id == draft_id) if draft_id else q.where(attachments.c.request_id == request_id)
    return int(session.execute(q).scalar())


def add_attachment(
    runtime,
    session,
    applicant_id: str,
    data_bytes: bytes,
    kind: str,
    filename: str | None,
    *,
    draft_id: str | None = None,
    application_id: str | None = None,
    request_id: str | None = None,
) -> dict:
    """Check the file by content, store it by hash, record it. Raises UploadRefused with a reason."""
    if kind not in DOCUMENT_KINDS:
        raise upload_checks.UploadRefused("upload.kind")
    checked = upload_checks.check(data_bytes, kind)
    upload_checks.check_total(
        total_size(session, applicant_id, draft_id=draft_id, request_id=request_id),
        checked.size,
        runtime.settings.max_upload_bytes,
    )
    if kind == "photo" and draft_id:
        session.execute(attachments.delete().where(attachments.c.draft_id == draft_id, attachments.c.kind == "photo"))
    sha = ports(runtime).store.put(data_bytes, applicant_id, session.connection())
    att_id = new_id()
    row = {
        "id": att_id,
        "applicant_id": applicant_id,
        "draft_id": draft_id,
        "application_id": application_id,
        "request_id": request_id,
        "sha256": sha,
        "media_type": checked.media_type,
        "size": checked.size,
        "kind": kind,
        "filename": upload_checks.clean_filename(filename),
        "created_at": now(),
    }
    with personal(session, applicant_id):
        session.execute(attachments.insert().values(**row))
    return row


def attachments_of_draft(session, applicant_id: str, draft_id: str):
    return session.execute(
        sa.select(attachments)
        .where(attachments.c.draft_id == draft_id, attachments.c.applicant_id == applicant_id)
        .order_by(attachments.c.created_at)
    ).all()


def remove_attachment(session, applicant_id: str, attachment_id: str) -> bool:
    done = session.execute(
        attachments.delete().where(
            attachments.c.id == attachment_id,
            attachments.c.applicant_id == applicant_id,
            attachments.c.application_id.is_(None),
        )
    )
    return done.rowcount == 1


def attachment_for(session, applicant_id: str, attachment_id: str):
    return session.execute(
        sa.select(attachments).where(attachments.c.id == attachment_id, attachments.c.applicant_id == applicant_id)
    ).first()
