"""Use cases of organisational users (issue 21): applying for use, the bureau's answer, staff sign-in.

The organisation's administrator applies with the organisation's details and their own e-mail, password
and authenticator (TOTP); the bureau covering the address (routing.py) approves or refuses in review, which
answers with ``organisation.use_decided``. Staff sign in with password + TOTP through zairyu_shared.credentials
(argon2id, each TOTP step accepted once, failures counted in SQL, one lockout policy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from intake.adapters.organisation_tables import organisation_staff, organisations
from intake.bootstrap import ports
from intake.domain import organisations as rules
from zairyu_shared import credentials

from .accounts import AccountError, clean_email, email_lookup
from .common import aware, new_id, now, today_jst

MIN_PASSWORD = 10
STAFF_CREDENTIALS = credentials.SignInColumns(
    key=organisation_staff.c.id,
    failures=organisation_staff.c.failed_logins,
    locked_until=organisation_staff.c.locked_until,
    last_step=organisation_staff.c.totp_last_step,
)


class Invalid(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Applied:
    organisation_id: str
    staff_id: str
    totp_secret: str


def apply_for_use(
    runtime, session, raw: dict, email_raw: str, password: str, language: str, admin_name: str | None = None
) -> Applied:
    """Records the application and its administrator (``admin_name``: their name, for what they file without a
    card); stages ``organisation.use_requested`` for review."""
    from .organisation_staff import clean_name

    application, errors = rules.check_application(raw)
    try:
        name = clean_name(admin_name)
    except Invalid as invalid:
        errors.update(invalid.errors)
        name = None
    number = rules.corporate_number_of(raw)
    extract = ports(runtime).corporate_numbers
    if extract is not None and number and "corporate_number" not in errors:
        # Format and check digit hold; the NTA's published list (where one is shipped) must have it, not closed.
        refused = rules.CORPORATE_NUMBER_REFUSALS.get(extract.lookup(number).state)
        if refused:
            errors["corporate_number"] = refused
    try:
        email = clean_email(email_raw)
    except AccountError:
        errors["email"], email = "error.email", ""
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = "error.password_short"
    lookup = email_lookup(runtime, email) if email else ""
    if (
        email
        and session.execute(
            sa.select(organisation_staff.c.id).where(organisation_staff.c.email_lookup == lookup)
        ).first()
        is not None
    ):
        errors["email"] = "org.error.email_taken"
    if errors or application is None:
        raise Invalid(errors)
    at, org_id, staff_id, secret = now(), new_id(), new_id(), credentials.new_totp_secret()
    session.execute(
        organisations.insert().values(
            id=org_id,
            name=application.name,
            kind=application.kind,
            corporate_number=application.corporate_number,
            agent_qualification=application.agent_qualification,
            agent_number=application.agent_number,
            address=application.address,
            bureau=application.bureau,
            status=rules.PENDING,
            requested_at=at,
        )
    )
    session.execute(
        organisation_staff.insert().values(
            id=staff_id,
            organisation_id=org_id,
            email=email,
            email_lookup=lookup,
            name=name,
            language=language,
            is_admin=True,
            password_hash=credentials.hash_password(password),
            totp_secret=secret,
            created_at=at,
        )
    )
    runtime.emit(
        session,
        "organisation.use_requested",
        {
            "organisation_id": org_id,
            "name": application.name,
            "kind": application.kind,
            "corporate_number": application.corporate_number,
            "agent_qualification": application.agent_qualification,
            "agent_number": application.agent_number,
            "address": application.address,
            "bureau": application.bureau,
            "requested_at": at,
        },
        correlation_id=org_id,
    )
    return Applied(org_id, staff_id, secret)


def on_use_decided(session, event) -> None:
    """The bureau's answer (consumer handler, in the inbox transaction)."""
    data = event.data
    approved = data["outcome"] == "approved"
    # A refused renewal (periodic report) carries the period still running: the organisation files until it ends.
    running = not approved and data.get("approved_until") is not None
    done = session.execute(
        organisations.update()
        .where(organisations.c.id == data["organisation_id"])
        .values(
            status=rules.APPROVED if approved or running else rules.REFUSED,
            decided_at=data["decided_at"],
            approved_from=data.get("approved_from") if approved or running else None,
            approved_until=data.get("approved_until") if approved or running else None,
            refusal_reason=None if approved else data.get("reason"),
        )
    )
    if done.rowcount != 1:
        raise LookupError(f"organisation {data['organisation_id']} is not known to intake")
    from .organisation_api import queue_decision

    queue_decision(session, data["organisation_id"], event)  # the organisation's webhook, if it named one


# -- staff sign-in and sessions -----------------------------------------------------------------------
def staff_sign_in(
    runtime, session, email_raw: str, password: str, code: str, at: datetime | None = None
) -> tuple[str | None, credentials.Outcome]:
    """(staff id, outcome): password and code on one form; a removed member is an unknown account."""
    try:
        lookup = email_lookup(runtime, clean_email(email_raw))
    except AccountError:
        lookup = ""
    row = session.execute(
        sa.select(organisation_staff).where(
            organisation_staff.c.email_lookup == lookup, organisation_staff.c.removed_at.is_(None)
        )
    ).first()
    outcome = credentials.sign_in(
        session,
        STAFF_CREDENTIALS,
        row.id if row is not None else None,
        stored=row.password_hash if row is not None else None,
        password=password,
        secret=row.totp_secret if row is not None else None,
        code=code,
        locked_until=aware(row.locked_until) if row is not None else None,
        at=at or now(),
    )
    return (row.id if row is not None and outcome is credentials.Outcome.SIGNED_IN else None), outcome


@dataclass(frozen=True)
class Member:
    staff_id: str
    organisation_id: str
    is_admin: bool
    language: str


def active_member(session, staff_id: str | None) -> Member | None:
    """The staff member behind a session, only while they are not removed (checked on every request)."""
    if not staff_id:
        return None
    row = session.execute(
        sa.select(
            organisation_staff.c.id,
            organisation_staff.c.organisation_id,
            organisation_staff.c.is_admin,
            organisation_staff.c.language,
        ).where(
            organisation_staff.c.id == staff_id,
            organisation_staff.c.removed_at.is_(None),
            organisation_staff.c.password_hash.is_not(None),
        )
    ).first()
    return Member(row.id, row.organisation_id, bool(row.is_admin), row.language) if row else None


@dataclass(frozen=True)
class Standing:
    organisation_id: str
    name: str
    kind: str
    bureau: str
    standing: str  # pending | approved | refused | lapsed
    approved_from: date | None
    approved_until: date | None
    refusal_reason: str | None

    @property
    def may_file(self) -> bool:
        return self.standing == rules.APPROVED


def standing(session, organisation_id: str, today: date | None = None) -> Standing:
    row = session.execute(sa.select(organisations).where(organisations.c.id == organisation_id)).one()
    return Standing(
        row.id,
        row.name,
        row.kind,
        row.bureau,
        rules.standing(row.status, row.approved_until, today or today_jst()),
        row.approved_from,
        row.approved_until,
        row.refusal_reason,
    )


class NotAllowedToFile(Exception):
    """The organisation's approval is pending, refused or lapsed: nothing is filed in its name."""


def require_filing_allowed(session, organisation_id: str, today: date | None = None) -> Standing:
    found = standing(session, organisation_id, today)
    if not found.may_file:
        raise NotAllowedToFile(found.standing)
    return found


def send_periodic_report(runtime, session, member: Member) -> None:
    """The administrator's periodic report (定期報告): the organisation asks the bureau again, and a new approval
    continues the running one for another year (review's organisation_use.renewal_start)."""
    row = session.execute(sa.select(organisations).where(organisations.c.id == member.organisation_id)).one()
    runtime.emit(
        session,
        "organisation.use_requested",
        {
            "organisation_id": row.id,
            "name": row.name,
            "kind": row.kind,
            "corporate_number": row.corporate_number,
            "agent_qualification": row.agent_qualification,
            "agent_number": row.agent_number,
            "address": row.address,
            "bureau": row.bureau,
            "requested_at": now(),
        },
        correlation_id=row.id,
    )
