"""An organisation's staff accounts (issue 21): invited by its administrator, switched off when they leave.

An invitation is an e-mail link (notify sends ``organisation.staff_invited`` in the invitee's language); the
invitee chooses a password and gets an authenticator secret, then signs in with both (organisations.py).
Removing a member ends their sessions at once (every request checks ``removed_at``) and revokes their API tokens;
the notices that went to them for people without an account of their own go to the administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from intake.adapters.organisation_tables import api_tokens, organisation_staff, organisations, staff_invitations
from zairyu_shared import credentials
from zairyu_shared.events.contracts import LANGUAGES

from .accounts import AccountError, clean_email, email_lookup
from .common import aware, new_id, now, token, token_hash
from .organisation_people import held_contacts_after_removal
from .organisations import MIN_PASSWORD, Invalid, Member

INVITATION_HOURS = 72
NAME_MAX = 200  # as application.submitted's filer name


def clean_name(raw: str | None) -> str | None:
    """A staff member's name as given (normalised, at most 200 characters), or None when not given. It names them to
    the officer on what they send without a card (the filer of an application, the requester of a correction or
    withdrawal): personal data, kept encrypted (organisation_staff.name) and purged with the member's row."""
    from intake.domain.normalise import text as norm_text

    name = " ".join(norm_text(raw or "").split())
    if len(name) > NAME_MAX:
        raise Invalid({"name": "error.too_long"})
    return name or None


class NotFound(LookupError):
    """No such member in the caller's organisation (another organisation's staff do not exist for it)."""


def invite(runtime, session, admin: Member, email_raw: str, language: str, name: str | None = None) -> str:
    """Creates the member (no password yet) and sends the link; returns the new member's id. ``name``: the member's
    name as the administrator gives it (the invitee confirms or corrects it when they accept)."""
    staff_name = clean_name(name)
    try:
        email = clean_email(email_raw)
    except AccountError:
        raise Invalid({"email": "error.email"}) from None
    lookup = email_lookup(runtime, email)
    if (
        session.execute(sa.select(organisation_staff.c.id).where(organisation_staff.c.email_lookup == lookup)).first()
        is not None
    ):
        raise Invalid({"email": "org.error.email_taken"})
    language = language if language in LANGUAGES else "ja"
    staff_id, value, expires = new_id(), token(), now() + timedelta(hours=INVITATION_HOURS)
    session.execute(
        organisation_staff.insert().values(
            id=staff_id,
            organisation_id=admin.organisation_id,
            email=email,
            email_lookup=lookup,
            name=staff_name,
            language=language,
            is_admin=False,
            created_at=now(),
        )
    )
    session.execute(
        staff_invitations.insert().values(token_hash=token_hash(value), staff_id=staff_id, expires_at=expires)
    )
    name = session.execute(
        sa.select(organisations.c.name).where(organisations.c.id == admin.organisation_id)
    ).scalar_one()
    base = (runtime.settings.public_url or "").rstrip("/")
    runtime.emit(
        session,
        "organisation.staff_invited",
        {
            "applicant_id": staff_id,
            "organisation_id": admin.organisation_id,
            "email": email,
            "language": language,
            "organisation_name": name,
            "invite_url": f"{base}/org/invite/{value}",
            "expires_at": expires,
        },
        correlation_id=admin.organisation_id,
    )
    return staff_id


def _invitation(session, value: str, at: datetime):
    row = session.execute(
        sa.select(
            staff_invitations, organisation_staff.c.email, organisation_staff.c.name, organisation_staff.c.removed_at
        )
        .join(organisation_staff, organisation_staff.c.id == staff_invitations.c.staff_id)
        .where(staff_invitations.c.token_hash == token_hash(value or ""))
    ).first()
    if row is None or row.used_at is not None or aware(row.expires_at) <= at or row.removed_at is not None:
        return None
    return row


def invitation_valid(session, value: str) -> bool:
    return _invitation(session, value, now()) is not None


def invited_name(session, value: str) -> str | None:
    """The name the administrator gave when inviting (the acceptance page shows it to confirm), if the link holds."""
    row = _invitation(session, value, now())
    return row.name if row is not None else None


@dataclass(frozen=True)
class Accepted:
    staff_id: str
    email: str
    totp_secret: str


def accept(session, value: str, password: str, name: str | None = None) -> Accepted:
    """The invitee chooses a password and gives their name (the administrator's, if they gave one and the invitee
    leaves the field as it was); the link is spent only then (a mail scanner's visit spends nothing)."""
    at = now()
    row = _invitation(session, value, at)
    if row is None:
        raise Invalid({"token": "org.error.invitation"})
    staff_name = clean_name(name) or row.name
    if len(password or "") < MIN_PASSWORD:
        raise Invalid({"password": "error.password_short"})
    done = session.execute(
        staff_invitations.update()
        .where(staff_invitations.c.token_hash == row.token_hash, staff_invitations.c.used_at.is_(None))
        .values(used_at=at)
    )
    if done.rowcount != 1:  # a second tab got there first
        raise Invalid({"token": "org.error.invitation"})
    secret = credentials.new_totp_secret()
    session.execute(
        organisation_staff.update()
        .where(organisation_staff.c.id == row.staff_id)
        .values(password_hash=credentials.hash_password(password), totp_secret=secret, name=staff_name)
    )
    return Accepted(row.staff_id, row.email, secret)


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    email: str
    name: str | None
    is_admin: bool
    active: bool  # has chosen a password
    language: str


def name_of(session, staff_id: str) -> str | None:
    """The staff member's name as their account gives it (None: not given): it names them to the officer on what
    they file or send without a card (application.submitted's filer name, a follow-up's requested_by)."""
    return session.execute(sa.select(organisation_staff.c.name).where(organisation_staff.c.id == staff_id)).scalar()


def members(session, organisation_id: str) -> list[StaffMember]:
    rows = session.execute(
        sa.select(organisation_staff)
        .where(organisation_staff.c.organisation_id == organisation_id, organisation_staff.c.removed_at.is_(None))
        .order_by(organisation_staff.c.created_at)
    ).all()
    return [StaffMember(r.id, r.email, r.name, bool(r.is_admin), r.password_hash is not None, r.language) for r in rows]


def remove(runtime, session, admin: Member, staff_id: str) -> None:
    """Switches the member off at once: sessions end on their next request, API tokens are revoked; the notices of
    the applications they filed for people without an account of their own go to the administrator from now on
    (organisation_people.held_contacts_after_removal)."""
    if staff_id == admin.staff_id:
        raise Invalid({"staff": "org.error.remove_self"})
    done = session.execute(
        organisation_staff.update()
        .where(
            organisation_staff.c.id == staff_id,
            organisation_staff.c.organisation_id == admin.organisation_id,
            organisation_staff.c.removed_at.is_(None),
        )
        .values(removed_at=now())
    )
    if done.rowcount != 1:
        raise NotFound(staff_id)
    session.execute(api_tokens.delete().where(api_tokens.c.staff_id == staff_id))
    held_contacts_after_removal(runtime, session, admin.organisation_id, staff_id)
