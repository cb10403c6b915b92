"""An applicant changes the account's e-mail address (APPI art. 65, accuracy; art. 90, correction).

The new address is proven the way a registration proves one: a link sent to it. Nothing on the account
changes until that link is used; opening it only shows what it would do (a mail scanner, a second tap), the
confirmation spends it. Only the newest request's link works. Once confirmed, notify writes to the new
address and tells the previous one, in the person's language (``applicant.sign_in_changed``, change
``email_changed``; ``applicant.email_changed`` before it), so a change made by someone else with a stolen
session does not go unseen. The confirmed request stays as the account's record of the change (when asked,
when confirmed; the new address under the person's own key, the old one not kept).

Asking needs the person to prove again who they are, as strongly as the account signs in (password and
authenticator code, or the linked card: ``accounts.reauthenticate``, domain/reauthentication.py): a session left
open is not enough to move the account, whose password-reset links follow the address. Confirming ends every
other session of the account at once (its session generation moves on); the browser that confirms stays
signed in if it was signed in to this account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from intake.adapters.tables import applicants, email_changes, personal

from .accounts import AccountError, Reauthenticated, clean_email, email_lookup, end_sessions, get, tell_sign_in_changed
from .common import aware, now, token, token_hash

log = logging.getLogger(__name__)

LINK_HOURS = 24


@dataclass(frozen=True)
class Pending:
    email: str
    requested_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Confirmed:
    applicant_id: str
    session_epoch: int  # the account's new session generation: the confirming session may keep it


def request(runtime, session, proof: Reauthenticated, new_email_raw: str) -> str:
    """Sends the confirmation link to the new address; returns that address (cleaned). ``proof``: the person
    proved again who they are in this request (``accounts.reauthenticate``).

    An address already on another account gets the same answer here (the page must not tell whose address
    it is); the confirmation refuses it then, to the owner of the new mailbox only."""
    applicant_id = proof.applicant_id
    me = get(session, applicant_id)
    if me is None or not me.email:
        raise AccountError("account.link_invalid")
    email = clean_email(new_email_raw)
    lookup = email_lookup(runtime, email)
    if lookup == me.email_lookup:
        raise AccountError("email_change.same")
    # Only the newest link works: earlier requests not yet confirmed are dropped.
    session.execute(
        email_changes.delete().where(
            email_changes.c.applicant_id == applicant_id, email_changes.c.confirmed_at.is_(None)
        )
    )
    value = token()
    expires = now() + timedelta(hours=LINK_HOURS)
    with personal(session, applicant_id):
        session.execute(
            email_changes.insert().values(
                token_hash=token_hash(value),
                applicant_id=applicant_id,
                email=email,
                email_lookup=lookup,
                requested_at=now(),
                expires_at=expires,
            )
        )
    runtime.emit(
        session,
        "applicant.email_change_requested",
        {
            "applicant_id": applicant_id,
            "email": email,
            "language": me.language,
            "confirm_url": runtime.settings.public_url.rstrip("/") + f"/account/email/confirm/{value}",
            "expires_at": expires,
        },
        correlation_id=applicant_id,
    )
    return email


def pending(session, applicant_id: str) -> Pending | None:
    """The request waiting for its link, if any (the account page says where the link went)."""
    row = session.execute(
        sa.select(email_changes).where(
            email_changes.c.applicant_id == applicant_id,
            email_changes.c.confirmed_at.is_(None),
            email_changes.c.expires_at > now(),
        )
    ).first()
    return Pending(row.email, aware(row.requested_at), aware(row.expires_at)) if row else None


def changes(session, applicant_id: str) -> list[datetime]:
    """When the address was changed, newest first (the account's record of it)."""
    return [
        aware(at)
        for at in session.execute(
            sa.select(email_changes.c.confirmed_at)
            .where(email_changes.c.applicant_id == applicant_id, email_changes.c.confirmed_at.is_not(None))
            .order_by(email_changes.c.confirmed_at.desc())
        ).scalars()
    ]


def _usable(session, value: str):
    row = session.execute(sa.select(email_changes).where(email_changes.c.token_hash == token_hash(value or ""))).first()
    if row is None or row.confirmed_at is not None or aware(row.expires_at) < now():
        raise AccountError("account.link_invalid")
    return row


def link(session, value: str) -> str:
    """The new address a link would confirm, without spending it (GET may run any number of times)."""
    return _usable(session, value).email


def confirm(runtime, session, value: str) -> Confirmed:
    """Spends the link, changes the address and ends the account's sessions (the one confirming may stay)."""
    row = _usable(session, value)
    me = get(session, row.applicant_id)
    if me is None or not me.email:  # the account was closed since
        raise AccountError("account.link_invalid")
    taken = session.execute(
        sa.select(applicants.c.id).where(applicants.c.email_lookup == row.email_lookup, applicants.c.id != me.id)
    ).first()
    if taken is not None:
        raise AccountError("email_change.taken")
    spent = session.execute(
        email_changes.update()
        .where(email_changes.c.token_hash == row.token_hash, email_changes.c.confirmed_at.is_(None))
        .values(confirmed_at=now())
    )
    if spent.rowcount != 1:  # a concurrent confirmation won
        raise AccountError("account.link_invalid")
    with personal(session, me.id):
        session.execute(
            applicants.update()
            .where(applicants.c.id == me.id)
            .values(email=row.email, email_lookup=row.email_lookup, email_verified_at=now())
        )
    tell_sign_in_changed(runtime, session, me.id, "email_changed", previous_email=me.email)
    epoch = end_sessions(session, me.id)
    log.info("e-mail address changed", extra={"applicant_id": me.id})  # never the addresses
    return Confirmed(me.id, int(epoch or 0))
