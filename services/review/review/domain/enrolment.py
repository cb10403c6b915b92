"""How an officer account comes to be without one administrator holding all the keys.

Issue 15, finding 4: an administrator created officers of any role and was shown their password and
TOTP secret, so one person could mint an examiner and a supervisor and decide a case alone. The rules
(the bureau's own control, no statute behind it; it is what makes the four-eyes rule of
``case.check_confirmation`` mean two people):

* an account an administrator creates is ``pending_approval`` until a *different person*, another
  administrator of the bureau, approves it;
* the creator receives a one-time enrolment link, the approver a one-time code; only with both does
  the officer set their own password and TOTP (dual control: neither administrator alone can enrol);
* an account names its natural person (``staff_id``, at most one live account each); nobody creates
  or approves an account for themself, and four-eyes compares people, not accounts.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum

LINK_VALID = timedelta(days=7)  # the creator's link: long enough to reach a new colleague, then void
CODE_VALID = timedelta(days=7)  # the approver's code, counted from the approval
MAX_ENROLMENT_FAILURES = 5  # wrong approval or TOTP codes on one link before it is void
MIN_PASSWORD_LENGTH = 12
STAFF_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


class Enrolment(StrEnum):
    PENDING_APPROVAL = "pending_approval"  # created, waiting for a second administrator
    APPROVED = "approved"  # approved, the officer has not set their credentials yet
    ENROLLED = "enrolled"  # credentials set by the officer (or bootstrapped from the shell)
    WITHDRAWN = "withdrawn"  # given up before enrolment (refused, mistaken, expired)


class SecondPersonRequired(Exception):
    """The step needs someone other than the person who took the step before it."""


def person(officer_id: str, staff_id: str | None) -> str:
    """The natural person behind an account: their staff id, or the account itself when it has none."""
    return f"staff:{staff_id}" if staff_id else f"account:{officer_id}"


def valid_staff_id(staff_id: str) -> bool:
    return STAFF_ID.fullmatch(staff_id) is not None


def check_creation(creator_person: str, account_person: str) -> None:
    """An administrator does not create an account for themself (they would approve the rest)."""
    if creator_person == account_person:
        raise SecondPersonRequired("an administrator does not create an account for themself")


def check_approval(
    *,
    state: Enrolment,
    approver_id: str,
    approver_person: str,
    creator_id: str | None,
    creator_person: str | None,
    account_person: str,
) -> None:
    """A pending account is approved by someone who neither created it nor is the person it is for."""
    if state is not Enrolment.PENDING_APPROVAL:
        raise ValueError(f"the account is {state.value}, not waiting for approval")
    if approver_id == creator_id or approver_person == creator_person:
        raise SecondPersonRequired("the administrator who created an account does not approve it")
    if approver_person == account_person:
        raise SecondPersonRequired("nobody approves their own account")


def password_problems(password: str, username: str) -> list[str]:
    """Why a password an officer chose is refused (empty: accepted)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append("too_short")
    if username and username.lower() in password.lower():
        problems.append("contains_username")
    return problems
