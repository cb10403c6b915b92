"""Accounts an administrator creates: a second administrator approves, the officer enrols themself
(review/domain/enrolment.py says why; issue 15, finding 4). Tokens and codes are kept as hashes only."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from review.domain.enrolment import (
    CODE_VALID,
    LINK_VALID,
    MAX_ENROLMENT_FAILURES,
    Enrolment,
    check_approval,
    check_creation,
    person,
)
from zairyu_shared.credentials import hash_password, new_totp_secret, totp_step

from .tables import officers

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
_NOT_A_HASH = "!enrolment-pending"  # no argon2 hash: no password verifies until the officer sets one


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _managed(bureau: str, office: str | None):
    """The accounts an administrator manages: the whole bureau's, or only their office's."""
    where = officers.c.bureau == bureau
    return sa.and_(where, officers.c.office == office) if office is not None else where


class EnrolmentRefused(Exception):
    """Why an approval or an enrolment step is refused (``reason``: a code for the page)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def officer_person(session, officer_id: str | None) -> str | None:
    """The natural person behind an account id (None for the shell, the seed or an unknown id)."""
    if officer_id is None:
        return None
    row = session.execute(sa.select(officers.c.id, officers.c.staff_id).where(officers.c.id == officer_id)).first()
    return person(row.id, row.staff_id) if row is not None else None


def staff_id_taken(session, staff_id: str) -> bool:
    """Does a live account (active, or on its way to be) already belong to this person?"""
    return (
        session.execute(
            sa.select(officers.c.id).where(
                officers.c.staff_id == staff_id,
                sa.or_(
                    officers.c.active,
                    officers.c.enrolment.in_((Enrolment.PENDING_APPROVAL.value, Enrolment.APPROVED.value)),
                ),
            )
        ).first()
        is not None
    )


def create_pending_officer(
    session,
    *,
    username: str,
    display_name: str,
    role: str,
    bureau: str,
    office: str | None,
    staff_id: str,
    created_by: str,
    at: datetime | None = None,
) -> tuple[str, str]:
    """(officer id, enrolment token): an account that can do nothing until another administrator
    approves it and the officer enrols. The token is for the creator's link; only its hash is kept."""
    at = at or datetime.now(UTC)
    check_creation(officer_person(session, created_by) or "", person("", staff_id))
    token = secrets.token_urlsafe(32)
    officer_id = str(uuid.uuid4())
    session.execute(
        officers.insert().values(
            id=officer_id,
            username=username,
            display_name=display_name,
            role=role,
            bureau=bureau,
            office=office,
            password_hash=_NOT_A_HASH,
            totp_secret=new_totp_secret(),  # replaced when the officer enrols
            active=False,
            staff_id=staff_id,
            created_by=created_by,
            enrolment=Enrolment.PENDING_APPROVAL.value,
            enrolment_token_sha256=_digest(token),
            enrolment_expires_at=at + LINK_VALID,
        )
    )
    return officer_id, token


def approve_officer(
    session, officer_id: str, approver_id: str, bureau: str, office: str | None = None, at: datetime | None = None
) -> str:
    """A second administrator approves a pending account; returns the one-time approval code for the
    officer (only its hash is kept). LookupError: not an account this administrator manages."""
    at = at or datetime.now(UTC)
    row = session.execute(
        sa.select(officers).where(officers.c.id == officer_id, _managed(bureau, office)).with_for_update()
    ).first()
    if row is None:
        raise LookupError(officer_id)
    check_approval(
        state=Enrolment(row.enrolment),
        approver_id=approver_id,
        approver_person=officer_person(session, approver_id) or "",
        creator_id=row.created_by,
        creator_person=officer_person(session, row.created_by),
        account_person=person(row.id, row.staff_id),
    )
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))  # 60 bits
    done = session.execute(
        officers.update()
        .where(officers.c.id == officer_id, officers.c.enrolment == Enrolment.PENDING_APPROVAL.value)
        .values(
            enrolment=Enrolment.APPROVED.value,
            approved_by=approver_id,
            approved_at=at,
            approval_code_sha256=_digest(code),
            approval_code_expires_at=at + CODE_VALID,
        )
    ).rowcount
    if done != 1:
        raise ValueError("the account changed meanwhile")
    return "-".join(code[i : i + 4] for i in range(0, 12, 4))


def withdraw_officer(session, officer_id: str, bureau: str, office: str | None = None) -> bool:
    """Give up an account before it is enrolled (mistaken, refused, its link expired)."""
    return (
        session.execute(
            officers.update()
            .where(
                officers.c.id == officer_id,
                _managed(bureau, office),
                officers.c.enrolment.in_((Enrolment.PENDING_APPROVAL.value, Enrolment.APPROVED.value)),
            )
            .values(
                enrolment=Enrolment.WITHDRAWN.value,
                enrolment_token_sha256=None,
                approval_code_sha256=None,
                active=False,
            )
        ).rowcount
        == 1
    )


def enrolment_of(session, token: str, at: datetime | None = None):
    """The account an enrolment link is for, while the link is valid (unused, unexpired), else None."""
    at = at or datetime.now(UTC)
    row = session.execute(sa.select(officers).where(officers.c.enrolment_token_sha256 == _digest(token))).first()
    if row is None or row.enrolment not in (Enrolment.PENDING_APPROVAL.value, Enrolment.APPROVED.value):
        return None
    if row.enrolment_expires_at is None or _aware(row.enrolment_expires_at) <= at:
        return None
    return row


def renew_totp_secret(session, officer_id: str) -> str:
    """A fresh secret for the officer's authenticator, shown on the enrolment page only; the account
    stays inactive until the officer confirms a code of it."""
    secret = new_totp_secret()
    session.execute(
        officers.update()
        .where(officers.c.id == officer_id, officers.c.enrolment == Enrolment.APPROVED.value)
        .values(totp_secret=secret)
    )
    return secret


def _normal_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def complete_enrolment(
    session, token: str, approval_code: str, password: str, totp_code: str, at: datetime | None = None
):
    """The officer sets their password and confirms their TOTP: the account becomes active.

    Returns the officer row, or raises EnrolmentRefused. A wrong approval or TOTP code is counted (in SQL,
    so concurrent guesses all count); at MAX_ENROLMENT_FAILURES the link is void. The caller commits
    the count even when refused."""
    at = at or datetime.now(UTC)
    row = enrolment_of(session, token, at)
    if row is None:
        raise EnrolmentRefused("link_invalid")
    if row.enrolment != Enrolment.APPROVED.value:
        raise EnrolmentRefused("not_approved")
    ok = (
        row.approval_code_expires_at is not None
        and _aware(row.approval_code_expires_at) > at
        and secrets.compare_digest(_digest(_normal_code(approval_code)), row.approval_code_sha256 or "")
    )
    step = totp_step(row.totp_secret, totp_code, at) if ok else None
    if not ok or step is None:
        failures = officers.c.enrolment_failures + 1
        session.execute(
            officers.update()
            .where(officers.c.id == row.id)
            .values(
                enrolment_failures=failures,
                enrolment_token_sha256=sa.case(
                    (failures >= MAX_ENROLMENT_FAILURES, None), else_=officers.c.enrolment_token_sha256
                ),
            )
        )
        raise EnrolmentRefused("approval_code_wrong" if not ok else "totp_wrong")
    done = session.execute(
        officers.update()
        .where(
            officers.c.id == row.id,
            officers.c.enrolment == Enrolment.APPROVED.value,
            officers.c.enrolment_token_sha256 == _digest(token),
        )
        .values(
            password_hash=hash_password(password),
            enrolment=Enrolment.ENROLLED.value,
            enrolled_at=at,
            active=True,
            last_totp_step=step,
            failed_attempts=0,
            locked_until=None,
            enrolment_token_sha256=None,
            enrolment_expires_at=None,
            approval_code_sha256=None,
            approval_code_expires_at=None,
        )
    ).rowcount
    if done != 1:  # the same link used twice at once: the first wins
        raise EnrolmentRefused("link_invalid")
    return row
