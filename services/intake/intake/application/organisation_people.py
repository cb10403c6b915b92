"""The organisation's people (issue 21): roster, consent, the dashboard and the expiry reminders.

Every query is scoped by the caller's organisation id: another organisation's people do not exist for it
(NotFound, the same as an unknown id). Personal data (name, card number, expiry...) is EncryptedText.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from intake.adapters import upload_checks
from intake.adapters.organisation_tables import (
    org_drafts,
    organisation_staff,
    organisations,
    people,
    readable_people,
    reminders,
)
from intake.adapters.tables import HELD_ACCOUNT_ISSUER, applicants, applications, attachments, personal
from intake.bootstrap import ports
from intake.domain import fields as field_rules
from intake.domain import organisations as rules
from intake.domain import statuses

from .common import keyed_hash, new_id, now, today_jst, token, token_hash
from .organisations import Invalid

PERSON_FIELDS = ("name", "nationality", "date_of_birth", "status", "period_of_stay", "period_expiry", "card_number")


class NotFound(LookupError):
    pass


def check_person(raw: dict) -> tuple[dict, dict[str, str]]:
    """A roster entry from raw input: (values, {field: error key}); the form's own field rules."""
    values: dict = {}
    errors: dict[str, str] = {}
    specs = {
        "name": field_rules.Field("name", "text", max_length=200),
        "nationality": field_rules.Field("nationality", "text", required=False, max_length=100),
        "date_of_birth": field_rules.Field("date_of_birth", "date", required=False),
        "status": field_rules.Field("status", "choice", choices=tuple(s.code for s in statuses.STATUSES)),
        "period_of_stay": field_rules.Field("period_of_stay", "text", required=False, max_length=40),
        "period_expiry": field_rules.Field("period_expiry", "date"),
        "card_number": field_rules.Field("card_number", "card_number", max_length=20),
    }
    for name, spec in specs.items():
        value, error = field_rules.clean(spec, raw.get(name))
        if error:
            errors[name] = error
        elif value is not None and value != "":
            values[name] = value
    return values, errors


def add(runtime, session, organisation_id: str, raw: dict) -> str:
    values, errors = check_person(raw)
    if errors:
        raise Invalid(errors)
    person_id = new_id()
    with personal(session, person_id):  # under the entry's own data key (organisation_tables.people)
        session.execute(
            people.insert().values(
                id=person_id,
                organisation_id=organisation_id,
                name=values["name"],
                nationality=values.get("nationality"),
                date_of_birth=values["date_of_birth"].isoformat() if values.get("date_of_birth") else None,
                status=values["status"],
                period_of_stay=values.get("period_of_stay"),
                period_expiry=values["period_expiry"].isoformat(),
                card_number=values["card_number"],
                created_at=now(),
            )
        )
    return person_id


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    nationality: str | None
    status: str
    period_of_stay: str | None
    period_expiry: date
    card_number: str
    consent: str  # account | document | expired | withdrawn | none (domain organisations.consent_state)
    ends_soon: bool
    drafts: int
    consent_until: date | None = None  # the last day a consent document covers


def roster(session, organisation_id: str, today: date | None = None) -> list[Person]:
    today = today or today_jst()
    counts = dict(
        session.execute(
            sa.select(org_drafts.c.person_id, sa.func.count())
            .where(org_drafts.c.organisation_id == organisation_id)
            .group_by(org_drafts.c.person_id)
        ).all()
    )
    out = []
    for r in session.execute(
        sa.select(people).where(
            people.c.organisation_id == organisation_id, people.c.removed_at.is_(None), readable_people
        )
    ):
        expiry = date.fromisoformat(r.period_expiry)
        out.append(
            Person(
                r.id,
                r.name,
                r.nationality,
                r.status,
                r.period_of_stay,
                expiry,
                r.card_number,
                rules.consent_state(r.consent, r.consent_document_until, today),
                rules.ends_soon(expiry, today),
                counts.get(r.id, 0),
                r.consent_document_until if r.consent == rules.DOCUMENT else None,
            )
        )
    return sorted(out, key=lambda p: (p.period_expiry, p.name))


def get(session, organisation_id: str, person_id: str):
    row = session.execute(
        sa.select(people).where(
            people.c.id == person_id,
            people.c.organisation_id == organisation_id,
            people.c.removed_at.is_(None),
            readable_people,
        )
    ).first()
    if row is None:
        raise NotFound(person_id)
    return row


# -- consent: from the person's own account, or a signed document ----------------------------------------
def consent_link(runtime, session, organisation_id: str, person_id: str) -> str:
    """A one-time link the organisation gives the person; opened from their own account, it records consent."""
    get(session, organisation_id, person_id)
    value = token()
    session.execute(people.update().where(people.c.id == person_id).values(consent_code_hash=token_hash(value)))
    return f"{(runtime.settings.public_url or '').rstrip('/')}/org/consent/{value}"


def consent_request(session, value: str):
    """(organisation name, person row) behind a consent link, or None."""
    row = session.execute(
        sa.select(people, organisations.c.name.label("organisation_name"))
        .join(organisations, organisations.c.id == people.c.organisation_id)
        .where(people.c.consent_code_hash == token_hash(value or ""), people.c.removed_at.is_(None))
    ).first()
    return row


def give_consent(session, value: str, applicant_id: str) -> bool:
    """The person, signed in to their own account, consents: the link is spent."""
    done = session.execute(
        people.update()
        .where(people.c.consent_code_hash == token_hash(value or ""), people.c.removed_at.is_(None))
        .values(consent="account", consent_at=now(), consent_applicant_id=applicant_id, consent_code_hash=None)
    )
    return done.rowcount == 1


def record_consent_document(
    runtime, session, organisation_id: str, person_id: str, data: bytes, until_raw: str | None
) -> str:
    """A signed consent document (PDF or image, checked like every upload) recorded as the consent, with the last
    day it covers (domain organisations.consent_document_until_problem). Invalid({field: key}) for a wrong day or
    while the person's own consent from their account is in force (it needs no document)."""
    person = get(session, organisation_id, person_id)
    cleaned, error = field_rules.clean(field_rules.Field("consent_until", "date"), until_raw)
    until = cleaned if isinstance(cleaned, date) else None
    problem = error or rules.consent_document_until_problem(until, today_jst())
    if problem:
        raise Invalid({"consent_until": problem})
    if person.consent == rules.ACCOUNT:
        raise Invalid({"document": "org.error.consent_from_account"})
    checked = upload_checks.check(data, "other")  # raises UploadRefused with its reason
    # The scan is the roster person's, not the organisation's: sealed under a data key of the entry's own,
    # destroyed when the entry is purged (adapters/retention.py).
    sha = ports(runtime).store.put(data, person_id, session.connection())
    session.execute(
        people.update()
        .where(people.c.id == person_id)
        .values(
            consent=rules.DOCUMENT,
            consent_at=now(),
            consent_document_sha256=sha,
            consent_document_type=checked.media_type,
            consent_document_until=until,
            consent_code_hash=None,
        )
    )
    held_account(runtime, session, person)  # what is filed on the document sits there
    return sha


def consent_document(runtime, session, organisation_id: str, person_id: str) -> tuple[bytes, str] | None:
    """(bytes, media type) of the person's recorded consent document, for the organisation's staff; None if none."""
    person = get(session, organisation_id, person_id)
    if not person.consent_document_sha256:
        return None
    data = ports(runtime).store.get(person.consent_document_sha256, person_id)
    return (data, person.consent_document_type or "application/octet-stream") if data is not None else None


def withdraw_consent_document(session, organisation_id: str, person_id: str) -> None:
    """The person withdrew, on paper or in person, the consent their document gave: staff record it at once.
    The organisation can no longer prepare, sign or file for them (as after a withdrawal from an account)."""
    person = get(session, organisation_id, person_id)
    if person.consent != rules.DOCUMENT:
        raise NotFound(person_id)
    session.execute(people.update().where(people.c.id == person_id).values(consent=rules.WITHDRAWN, consent_at=now()))


def has_consent(session, organisation_id: str, person_id: str) -> bool:
    person = get(session, organisation_id, person_id)
    return rules.consent_in_force(person.consent, person.consent_document_until, today_jst())


# -- where what the organisation files for a person sits -------------------------------------------------
def filing_account_id(person, today: date | None = None) -> str | None:
    """The account an application filed for ``person`` (a roster row) belongs to, while their consent is in force:
    their own (consent from their account), or the account held for them (a consent document); else None."""
    if person is None or person.removed_at is not None:
        return None
    state = rules.consent_state(person.consent, person.consent_document_until, today or today_jst())
    if state == rules.ACCOUNT:
        return person.consent_applicant_id
    if state == rules.DOCUMENT:
        return person.held_applicant_id
    return None


def held_account(runtime, session, person) -> str:
    """The account that holds the applications filed for a person who consented with a document (they have no
    account of their own), made once per roster entry. It has no way to sign in: no password, no card
    (``cert_serial`` empty) and look-up hashes of its own id that no address or card holder ever gives, so no
    registration, sign-in or password reset finds it. Its personal data is under a data key of its own, as any
    account's; its contact is the staff member who files (held_contact)."""
    if person.held_applicant_id:
        return person.held_applicant_id
    from .accounts import _secret

    held_id = new_id()
    with personal(session, held_id):
        session.execute(
            applicants.insert().values(
                id=held_id,
                email="",
                email_lookup=keyed_hash(_secret(runtime), "held-account", held_id),
                language="ja",
                name=person.name,
                date_of_birth=person.date_of_birth or "",
                sex="",
                address="",
                cert_serial="",
                cert_issuer=HELD_ACCOUNT_ISSUER,
                holder_lookup=keyed_hash(_secret(runtime), "held-holder", held_id),
                created_at=now(),
            )
        )
    session.execute(people.update().where(people.c.id == person.id).values(held_applicant_id=held_id))
    return held_id


def held_contact(runtime, session, account_id: str, staff_id: str) -> None:
    """The notices of a held account's applications go to the staff member filing them, in their language (as ISA
    answers the organisational user who filed): ``applicant.contact_changed`` tells notify, the account's language
    follows. Nothing for a person's own account."""
    held = session.execute(sa.select(people.c.id).where(people.c.held_applicant_id == account_id)).first()
    if held is None:
        return
    _point_contact(runtime, session, account_id, staff_id)


def held_contacts_after_removal(runtime, session, organisation_id: str, staff_id: str) -> int:
    """A staff member leaves (organisation_staff.remove): the held accounts whose notices went to them, those whose
    last application the organisation filed was filed by them (held_contact), now go to the organisation's
    administrator, in the administrator's language. The administrator manages the staff and hands the person's
    matter on; all the staff would each get every notice about a person most of them never dealt with. A held
    account whose roster entry has gone keeps its applications, and their notices, so it counts too; the person's own
    account is theirs and is not touched. Returns how many accounts now go to the administrator."""
    admin = session.execute(
        sa.select(organisation_staff.c.id)
        .where(
            organisation_staff.c.organisation_id == organisation_id,
            organisation_staff.c.is_admin,
            organisation_staff.c.removed_at.is_(None),
            organisation_staff.c.id != staff_id,
        )
        .order_by(organisation_staff.c.created_at)
        .limit(1)
    ).scalar()
    if admin is None:  # (the administrator cannot remove themselves: not reached)
        return 0
    filings = session.execute(
        sa.select(applications.c.applicant_id, org_drafts.c.submitted_by, org_drafts.c.submitted_at)
        .join(applications, applications.c.id == org_drafts.c.submitted_application_id)
        .join(applicants, applicants.c.id == applications.c.applicant_id)
        .where(org_drafts.c.organisation_id == organisation_id, applicants.c.cert_issuer == HELD_ACCOUNT_ISSUER)
    ).all()
    last: dict[str, tuple] = {}
    for f in filings:
        if f.applicant_id not in last or f.submitted_at > last[f.applicant_id][1]:
            last[f.applicant_id] = (f.submitted_by, f.submitted_at)
    theirs = sorted(account for account, (by, _at) in last.items() if by == staff_id)
    for account_id in theirs:
        _point_contact(runtime, session, account_id, admin)
    return len(theirs)


def _point_contact(runtime, session, account_id: str, staff_id: str) -> None:
    member = session.execute(
        sa.select(organisation_staff.c.email, organisation_staff.c.language).where(organisation_staff.c.id == staff_id)
    ).one()
    with personal(session, account_id):
        session.execute(applicants.update().where(applicants.c.id == account_id).values(language=member.language))
    runtime.emit(
        session,
        "applicant.contact_changed",
        {"applicant_id": account_id, "email": member.email, "language": member.language},
        correlation_id=account_id,
    )


CONSENT_KIND = "consent_document"  # its attachment kind (zairyu_shared.events.vocabulary.UPLOAD_KINDS)


def attach_consent_document(runtime, session, organisation_id: str, draft_id: str) -> None:
    """A draft for a person who consented with a document carries that document, on the held account, as an
    attachment of its own kind: it is in the signed bytes and goes to the bureau with the application, whose
    officer sees that the consent rests on it and opens it. Replaced when a newer document was recorded."""
    draft = session.execute(
        sa.select(org_drafts.c.person_id).where(
            org_drafts.c.id == draft_id, org_drafts.c.organisation_id == organisation_id
        )
    ).first()
    person = get(session, organisation_id, draft.person_id) if draft and draft.person_id else None
    if person is None or rules.consent_state(person.consent, person.consent_document_until, today_jst()) != (
        rules.DOCUMENT
    ):
        return
    account_id = held_account(runtime, session, person)
    present = (
        session.execute(
            sa.select(attachments.c.sha256).where(
                attachments.c.draft_id == draft_id,
                attachments.c.applicant_id == account_id,
                attachments.c.kind == CONSENT_KIND,
            )
        )
        .scalars()
        .all()
    )
    if present == [person.consent_document_sha256]:
        return
    store = ports(runtime).store
    data = store.get(person.consent_document_sha256, person.id)
    if data is None:
        return
    session.execute(
        attachments.delete().where(
            attachments.c.draft_id == draft_id,
            attachments.c.applicant_id == account_id,
            attachments.c.kind == CONSENT_KIND,
        )
    )
    # The application's copy is the held account's (sealed under its key, kept with the application); the roster's
    # own copy goes with the roster entry.
    sha = store.put(data, account_id, session.connection())
    with personal(session, account_id):
        session.execute(
            attachments.insert().values(
                id=new_id(),
                applicant_id=account_id,
                draft_id=draft_id,
                sha256=sha,
                media_type=person.consent_document_type or "application/pdf",
                size=len(data),
                kind=CONSENT_KIND,
                filename=None,
                created_at=now(),
            )
        )


# -- reminders 90/60/30 days before expiry, once each, in each staff member's language --------------------
def send_reminders(runtime, session, today: date | None = None) -> int:
    """Stages one ``organisation.stay_reminder_due`` per staff member for each person whose threshold is
    reached today; the reminders table makes every threshold go once (a second run sends nothing)."""
    today = today or today_jst()
    sent_total = 0
    orgs = {r.id: r for r in session.execute(sa.select(organisations.c.id, organisations.c.name))}
    for r in session.execute(sa.select(people).where(people.c.removed_at.is_(None), readable_people)).all():
        expiry = date.fromisoformat(r.period_expiry)
        sent = set(
            session.execute(
                sa.select(reminders.c.days_before).where(reminders.c.person_id == r.id, reminders.c.expiry == expiry)
            ).scalars()
        )
        days = rules.reminder_due(expiry, today, sent)
        if days is None:
            continue
        for d in rules.superseded(days):
            if d not in sent:
                session.execute(reminders.insert().values(person_id=r.id, expiry=expiry, days_before=d, sent_at=now()))
        staff = session.execute(
            sa.select(organisation_staff.c.id, organisation_staff.c.email, organisation_staff.c.language).where(
                organisation_staff.c.organisation_id == r.organisation_id,
                organisation_staff.c.removed_at.is_(None),
                organisation_staff.c.password_hash.is_not(None),
            )
        ).all()
        for member in staff:
            runtime.emit(
                session,
                "organisation.stay_reminder_due",
                {
                    "applicant_id": member.id,
                    "organisation_id": r.organisation_id,
                    "email": member.email,
                    "language": member.language,
                    "organisation_name": orgs[r.organisation_id].name,
                    "person_name": r.name,
                    "status": r.status,
                    "period_expiry": expiry,
                    "days_before": days,
                    "dashboard_url": f"{(runtime.settings.public_url or '').rstrip('/')}/org/",
                },
                correlation_id=r.id,
            )
            sent_total += 1
    return sent_total


def drafts_of(session, organisation_id: str) -> list[dict]:
    rows = session.execute(
        sa.select(org_drafts)
        .where(org_drafts.c.organisation_id == organisation_id)
        .order_by(org_drafts.c.created_at.desc())
    ).all()
    return [
        {
            "draft_id": r.id,
            "person_id": r.person_id,
            "procedure": r.procedure,
            "filer_role": r.filer_role,
            "batch_id": r.batch_id,
            "fields": json.loads(r.data),
            "created_at": r.created_at,
        }
        for r in rows
    ]
