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
from intake.adapters.organisation_tables import org_drafts, organisation_staff, organisations, people, reminders
from intake.bootstrap import ports
from intake.domain import fields as field_rules
from intake.domain import organisations as rules
from intake.domain import statuses

from .common import new_id, now, today_jst, token, token_hash
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
    consent: str
    ends_soon: bool
    drafts: int


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
        sa.select(people).where(people.c.organisation_id == organisation_id, people.c.removed_at.is_(None))
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
                r.consent,
                rules.ends_soon(expiry, today),
                counts.get(r.id, 0),
            )
        )
    return sorted(out, key=lambda p: (p.period_expiry, p.name))


def get(session, organisation_id: str, person_id: str):
    row = session.execute(
        sa.select(people).where(
            people.c.id == person_id, people.c.organisation_id == organisation_id, people.c.removed_at.is_(None)
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


def record_consent_document(runtime, session, organisation_id: str, person_id: str, data: bytes) -> str:
    """A signed consent document (PDF or image, checked like every upload) recorded as the consent."""
    get(session, organisation_id, person_id)
    upload_checks.check(data, "other")  # raises UploadRefused with its reason
    # The scan is the roster person's, not the organisation's: sealed under a data key of the entry's own,
    # destroyed when the entry is purged (adapters/retention.py).
    sha = ports(runtime).store.put(data, person_id, session.connection())
    session.execute(
        people.update()
        .where(people.c.id == person_id)
        .values(consent="document", consent_at=now(), consent_document_sha256=sha, consent_code_hash=None)
    )
    return sha


def has_consent(session, organisation_id: str, person_id: str) -> bool:
    return get(session, organisation_id, person_id).consent in ("account", "document")


# -- reminders 90/60/30 days before expiry, once each, in each staff member's language --------------------
def send_reminders(runtime, session, today: date | None = None) -> int:
    """Stages one ``organisation.stay_reminder_due`` per staff member for each person whose threshold is
    reached today; the reminders table makes every threshold go once (a second run sends nothing)."""
    today = today or today_jst()
    sent_total = 0
    orgs = {r.id: r for r in session.execute(sa.select(organisations.c.id, organisations.c.name))}
    for r in session.execute(sa.select(people).where(people.c.removed_at.is_(None))).all():
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
