"""An organisation's staff sign and file the drafts it prepared (issue 21), one or many in one card session.

Who signs. ISA admits an organisation's staff as users once the organisation's application for use (利用申出) is
approved, and that approval "lasts one year from the day the password is set"
(../shared/reference/residence-procedures.md, "Who applies"): the staff member is a registered user of the
organisation (here password + TOTP), not the foreign national, whose own filing needs their My Number Card (same
section). Issue 21 makes the staff member's own card optional (their JPKI certificate carries their home address
and is revoked when they move). This module is the card path: the staff member signs each application with
their own card through the same one-time signing codes and desktop signer as an applicant, and the signing
service checks the signature against the identity in their certificate. Filing without a card needs an
organisation-authenticated submission the signing service can verify (a contract of its own): not built yet.

The organisation is the filer of every application: its kind's filer role, its name and corporate (or agent)
number, in the signed bytes and in application.submitted's ``filer``. The application belongs to the person's own
account (their consent from that account links it): they see it, its notices and the bureau's requests.
Everything is checked again when the signature arrives: the organisation's approval, the member not removed, the
person still on the roster and consenting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from intake.adapters.organisation_tables import (
    org_drafts,
    organisation_staff,
    organisations,
    people,
    readable_people,
)
from intake.adapters.tables import applicants
from intake.bootstrap import ports
from intake.domain import canonical, filers, procedures
from intake.domain import organisations as org_rules

from . import accounts, drafting, organisation_people, signing_requests, submission
from .common import new_id, now, today_jst
from .organisation_drafts import filer_values
from .organisations import Member, require_filing_allowed

PURPOSE = "org_submit"
MAX_BATCH = 50  # one card session; the signer lists each application before the password is asked


class NotFound(LookupError):
    pass


class NotReady(Exception):
    """Nothing was prepared: per draft, the problems (field -> message key) that keep it from being signed."""

    def __init__(self, problems: dict[str, dict[str, str]]):
        super().__init__(f"{len(problems)} drafts not ready")
        self.problems = problems


@dataclass(frozen=True)
class Prepared:
    draft_id: str
    person_name: str
    procedure: str
    code: str
    description: str


def _draft(session, organisation_id: str, draft_id: str):
    row = session.execute(
        sa.select(org_drafts).where(org_drafts.c.id == draft_id, org_drafts.c.organisation_id == organisation_id)
    ).first()
    if row is None:
        raise NotFound(draft_id)
    return row


def _person(session, organisation_id: str, person_id: str | None):
    if person_id is None:
        return None
    return session.execute(
        sa.select(people).where(
            people.c.id == person_id,
            people.c.organisation_id == organisation_id,
            people.c.removed_at.is_(None),
            readable_people,
        )
    ).first()


def _account(session, person) -> Any:
    """The account the application will be on: the person's own, through which they consented, or the one held
    for them when they consented with a document (organisation_people.filing_account_id)."""
    account_id = organisation_people.filing_account_id(person)
    if account_id is None:
        return None
    return session.execute(sa.select(applicants).where(applicants.c.id == account_id)).first()


def _as_draft(row) -> SimpleNamespace:
    """The organisation's draft in the shape the form's rules read (drafting.choice_of, drafting.data)."""
    data = json.loads(row.data)
    data[drafting.FILER_ROLE] = row.filer_role
    return SimpleNamespace(id=row.id, procedure=row.procedure, bundled="", data=json.dumps(data, ensure_ascii=False))


def _organisation_filer(org, member_staff_id: str) -> dict:
    """The signed ``filer``: the organisation (its kind's role and numbers); the signer is whoever's card signs."""
    role, values = filer_values(org)
    record: dict[str, Any] = {"role": role, "organisation_id": org.id, "staff_id": member_staff_id}
    for f in filers.filer_fields(role):
        if values.get(f.name):
            record[f.name] = values[f.name]
    return record


def check(session, member: Member, draft_id: str, *, online_payment: bool) -> dict:
    """What the draft's page shows: the person, the form checked as at submission, and what is missing."""
    row = _draft(session, member.organisation_id, draft_id)
    person = _person(session, member.organisation_id, row.person_id)
    account = _account(session, person)
    problems: dict[str, str] = {}
    if person is None:
        problems["card_number"] = "org.error.not_on_roster"
    elif not org_rules.consent_in_force(person.consent, person.consent_document_until, today_jst()):
        problems["card_number"] = "org.error.no_consent"
    elif account is None:
        problems["card_number"] = "org.error.needs_account"
    review = None
    if account is not None:
        review = submission.review(session, account, _as_draft(row), online_payment=online_payment)
        problems.update(review["errors"])
    return {
        "draft": row,
        "person": person,
        "account": account,
        "review": review,
        "errors": problems,
        "files": drafting.attachments_of_draft(session, account.id, row.id) if account is not None else [],
        "submitted": row.submitted_application_id,
    }


def add_attachment(runtime, session, member: Member, draft_id: str, kind: str, data: bytes, filename: str | None):
    """A photo or document for the draft, checked like every upload (UploadRefused), on the person's account."""
    found = check(session, member, draft_id, online_payment=submission.online_payment(runtime))
    if found["account"] is None or found["submitted"]:
        raise NotFound(draft_id)
    return drafting.add_attachment(runtime, session, found["account"].id, data, kind, filename, draft_id=draft_id)


def prepare(runtime, session, member: Member, draft_ids: list[str], batch_key: str) -> list[Prepared]:
    """One signing code per draft (the same key gives the same codes): each application is its own signature,
    listed by the signer before the password is asked once. All or nothing: a draft that is not ready stops
    the batch, with its problems."""
    require_filing_allowed(session, member.organisation_id)
    org = session.execute(sa.select(organisations).where(organisations.c.id == member.organisation_id)).one()
    ids = list(dict.fromkeys(draft_ids))[:MAX_BATCH]
    problems: dict[str, dict[str, str]] = {}
    ready = []
    for draft_id in ids:
        organisation_people.attach_consent_document(runtime, session, member.organisation_id, draft_id)
        found = check(session, member, draft_id, online_payment=submission.online_payment(runtime))
        if found["submitted"]:
            problems[draft_id] = {"draft": "submit.already_submitted"}
        elif found["errors"]:
            problems[draft_id] = found["errors"]
        else:
            ready.append(found)
    if problems or not ready:
        raise NotReady(problems)
    out = []
    for found in ready:
        row, account, review = found["draft"], found["account"], found["review"]
        key = f"org:{row.id}:{batch_key}"
        existing = session.execute(
            sa.select(signing_requests.t.c.code, signing_requests.t.c.description).where(
                signing_requests.t.c.idempotency_key == key
            )
        ).first()
        if existing is None:
            application_id = new_id()
            review["filer"] = _organisation_filer(org, member.staff_id)
            content = submission.document(account, _as_draft(row), application_id, review)
            name = review["applicant"].get("name") or found["person"].name
            description = (
                f"Zairyu application {procedures.NAMES_JA[row.procedure]} for {name}, filed by {org.name} "
                f"({canonical.digest(content)[:16]})"
            )
            organisation_people.held_contact(runtime, session, account.id, member.staff_id)
            code = signing_requests.create(
                runtime,
                session,
                purpose=PURPOSE,
                content=content,
                applicant_id=account.id,
                subject_id=row.id,
                idempotency_key=key,
                description=description,
                extra={
                    "application_id": application_id,
                    "idempotency_key": f"org:{row.id}",
                    "organisation_id": org.id,
                    "staff_id": member.staff_id,
                },
            )
        else:
            code, description = existing.code, existing.description
        out.append(Prepared(row.id, found["person"].name, row.procedure, code, description))
    return out


def _still_allowed(session, row, extra: dict) -> str | None:
    """Why the signature can no longer file (message key), or None: everything is checked again at signing."""
    from .organisations import NotAllowedToFile

    try:
        require_filing_allowed(session, extra["organisation_id"])
    except NotAllowedToFile:
        return "org.error.not_allowed"
    staff = session.execute(
        sa.select(organisation_staff.c.removed_at).where(organisation_staff.c.id == extra["staff_id"])
    ).first()
    if staff is None or staff.removed_at is not None:
        return "org.error.staff_removed"
    draft = session.execute(sa.select(org_drafts).where(org_drafts.c.id == row.subject_id)).first()
    person = _person(session, extra["organisation_id"], draft.person_id if draft else None)
    if organisation_people.filing_account_id(person) != row.applicant_id:
        return "org.error.no_consent"
    return None


def staff_language(session, row) -> str | None:
    """The language of the staff member who prepared the code (they sign it, with their own card)."""
    staff_id = signing_requests.extra_of(row).get("staff_id")
    return session.execute(sa.select(organisation_staff.c.language).where(organisation_staff.c.id == staff_id)).scalar()


def filed_for(session, row) -> str | None:
    """Who and for whom, as the signer lists a batch: the person's name, the organisation's."""
    found = session.execute(
        sa.select(people.c.name, organisations.c.name.label("organisation"))
        .select_from(org_drafts.join(people, people.c.id == org_drafts.c.person_id))
        .join(organisations, organisations.c.id == org_drafts.c.organisation_id)
        .where(org_drafts.c.id == row.subject_id, readable_people)
    ).first()
    return f"{found.name}, {found.organisation}" if found else None


def procedure_of(session, row) -> str | None:
    return session.execute(sa.select(org_drafts.c.procedure).where(org_drafts.c.id == row.subject_id)).scalar()


def staff_card_holder(runtime, content: bytes, cms_der: bytes, language: str | None = None) -> accounts.Holder | dict:
    """Whose card signed what a staff member sends with a card (this module's filing, a follow-up's request): any
    valid JPKI card, no holder expected (the staff member's own, whose certificate names them; signing checks the
    same identity again). The holder, or the completion's answer refusing the signature (a dict)."""
    verdict = ports(runtime).signing.verify_cms(content, cms_der, expected_holder=None, language=language)
    if not verdict.valid:
        return {"ok": False, "error": "signing.invalid", "reason": verdict.reason, "message": verdict.message}
    try:
        return accounts.Holder.from_evidence(verdict.evidence)
    except accounts.AccountError:
        return {"ok": False, "error": "signing.invalid"}


@signing_requests.completion(PURPOSE)
def _complete(runtime, session, row, cms_der: bytes) -> dict:
    extra = signing_requests.extra_of(row)
    draft = session.execute(sa.select(org_drafts).where(org_drafts.c.id == row.subject_id)).first()
    if draft is None:
        return {"ok": False, "error": "signing.expired"}
    if draft.submitted_application_id:  # another code for the same draft was signed first
        app = submission.get_any(session, draft.submitted_application_id)
        return {"ok": True, "application_id": app.id, "provisional_number": app.provisional_number, "duplicate": True}
    refused = _still_allowed(session, row, extra)
    if refused:
        return {"ok": False, "error": refused}
    content = signing_requests.content_of(row)
    # Whose card signed: the staff member's certificate names them; signing checks the same identity again.
    holder = staff_card_holder(runtime, content, cms_der, signing_requests.signer_language(session, row))
    if isinstance(holder, dict):
        return holder
    person = session.execute(sa.select(applicants).where(applicants.c.id == row.applicant_id)).first()
    answer = submission.record(
        runtime,
        session,
        person,
        content,
        cms_der,
        application_id=extra["application_id"],
        idempotency_key=extra["idempotency_key"],
        draft_id=draft.id,
        expected_holder=holder.as_dict(),
        filer_name=holder.name,
    )
    session.execute(
        org_drafts.update()
        .where(org_drafts.c.id == draft.id)
        .values(submitted_application_id=answer["application_id"], submitted_by=extra["staff_id"], submitted_at=now())
    )
    return answer


def batch(session, member: Member, batch_key: str) -> list[dict]:
    """The signing codes of one batch, each with its person, procedure and outcome (only the organisation's own)."""
    t = signing_requests.t
    rows = session.execute(
        sa.select(t.c.code, t.c.description, org_drafts.c.person_id, org_drafts.c.procedure, org_drafts.c.id)
        .join(org_drafts, org_drafts.c.id == t.c.subject_id)
        .where(
            t.c.purpose == PURPOSE,
            t.c.idempotency_key.like(f"org:%:{batch_key}"),
            org_drafts.c.organisation_id == member.organisation_id,
        )
        .order_by(t.c.created_at, t.c.code)
    ).all()
    out = []
    for r in rows:
        status, result = signing_requests.outcome(session, r.code)
        person = _person(session, member.organisation_id, r.person_id)
        out.append(
            {
                "code": r.code,
                "draft_id": r.id,
                "description": r.description,
                "procedure": r.procedure,
                "person_name": person.name if person else "",
                "status": status,
                "result": result,
            }
        )
    return out


def drafts(session, member: Member) -> list[dict]:
    """The organisation's drafts for the list page: the person, the procedure, whether it is filed."""
    rows = session.execute(
        sa.select(org_drafts)
        .where(org_drafts.c.organisation_id == member.organisation_id)
        .order_by(org_drafts.c.created_at.desc(), org_drafts.c.id)
    ).all()
    names = {
        p.id: p.name
        for p in session.execute(
            sa.select(people.c.id, people.c.name).where(
                people.c.organisation_id == member.organisation_id, readable_people
            )
        )
    }
    return [
        {
            "draft_id": r.id,
            "person_name": names.get(r.person_id, ""),
            "procedure": r.procedure,
            "submitted_application_id": r.submitted_application_id,
            "created_at": r.created_at,
        }
        for r in rows
    ]


def delete(session, member: Member, draft_id: str) -> None:
    """A draft not filed yet goes, with the files attached to it (to import the corrected row again); a filed one
    stays as the record of what the organisation filed (NotFound, like another organisation's)."""
    from intake.adapters.tables import attachments

    row = _draft(session, member.organisation_id, draft_id)
    if row.submitted_application_id:
        raise NotFound(draft_id)
    session.execute(
        attachments.delete().where(attachments.c.draft_id == draft_id, attachments.c.application_id.is_(None))
    )
    session.execute(
        signing_requests.t.update()
        .where(signing_requests.t.c.subject_id == draft_id, signing_requests.t.c.status == "pending")
        .values(status="expired")
    )
    session.execute(org_drafts.delete().where(org_drafts.c.id == draft_id))
