"""Officers, their roles and the authorization matrix (a pure function)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .offices import OFFICES


class Role(str, Enum):
    EXAMINER = "examiner"
    SUPERVISOR = "supervisor"
    ADMIN = "bureau_admin"
    AUDITOR = "auditor"


class Action(str, Enum):
    VIEW_QUEUE = "view_queue"
    VIEW_CASE = "view_case"
    CLAIM = "claim"
    ASSIGN = "assign"
    REQUEST_DOCUMENTS = "request_documents"
    ADD_NOTE = "add_note"
    PROPOSE = "propose"
    CONFIRM = "confirm"
    RETURN = "return"
    ACKNOWLEDGE_WITHDRAWAL = "acknowledge_withdrawal"
    VIEW_WORKLOAD = "view_workload"
    VIEW_STATISTICS = "view_statistics"
    VIEW_AUDIT = "view_audit"
    MANAGE_OFFICERS = "manage_officers"
    HAND_OVER = "hand_over"  # give a case to one of the bureau's offices, or take it back
    CANCEL_DOCUMENT = "cancel_document"  # cancel an issued e-COE / certificate (the public check says so)


_EXAMINING = {
    Action.VIEW_QUEUE,
    Action.VIEW_CASE,
    Action.CLAIM,
    Action.REQUEST_DOCUMENTS,
    Action.ADD_NOTE,
    Action.PROPOSE,
    Action.ACKNOWLEDGE_WITHDRAWAL,
    Action.VIEW_STATISTICS,
    Action.VIEW_WORKLOAD,
}

MATRIX: dict[Role, frozenset[Action]] = {
    Role.EXAMINER: frozenset(_EXAMINING),
    # Cancelling an issued document undoes a confirmed decision's effect: supervisors only, as confirming is.
    Role.SUPERVISOR: frozenset(
        _EXAMINING | {Action.ASSIGN, Action.CONFIRM, Action.RETURN, Action.HAND_OVER, Action.CANCEL_DOCUMENT}
    ),
    # Administrators manage accounts and hand cases to offices; they do not read applicants' files.
    Role.ADMIN: frozenset({Action.MANAGE_OFFICERS, Action.VIEW_WORKLOAD, Action.VIEW_STATISTICS, Action.HAND_OVER}),
    # Auditors read everything in scope, change nothing.
    Role.AUDITOR: frozenset(
        {Action.VIEW_QUEUE, Action.VIEW_CASE, Action.VIEW_AUDIT, Action.VIEW_STATISTICS, Action.VIEW_WORKLOAD}
    ),
}

# Actions that change a case only its assignee (or a supervisor) may take.
_ASSIGNEE_ONLY = {Action.REQUEST_DOCUMENTS, Action.PROPOSE}
# Only the bureau itself moves cases between its offices (an office cannot pass work sideways).
_BUREAU_ONLY = {Action.HAND_OVER}


@dataclass(frozen=True)
class Officer:
    id: str
    role: Role
    bureau: str | None  # None only for a national auditor
    display_name: str = ""
    office: str | None = None  # None: the whole bureau (its own cases and its offices'); else that office only

    def __post_init__(self) -> None:
        if self.bureau is None and self.role is not Role.AUDITOR:
            raise ValueError("only an auditor may be national (without a bureau)")
        if self.office is not None:
            if self.bureau is None or self.office not in OFFICES or OFFICES[self.office].bureau != self.bureau:
                raise ValueError(f"{self.office!r} is not an office of {self.bureau!r}")

    @property
    def is_national(self) -> bool:
        return self.bureau is None


def in_scope(officer: Officer, bureau: str, office: str | None = None) -> bool:
    """Is something of ``bureau`` at ``office`` (None: at the bureau itself) within the officer's scope?

    A bureau-wide officer supervises the bureau's offices too; an office officer sees only the office."""
    if officer.bureau is None:
        return True
    if officer.bureau != bureau:
        return False
    return officer.office is None or officer.office == office


def can(officer: Officer, action: Action, bureau: str, assignee: str | None = None, office: str | None = None) -> bool:
    """May ``officer`` take ``action`` on something of ``bureau`` at ``office`` (a case assigned to ``assignee``)?"""
    if not in_scope(officer, bureau, office):
        return False
    if action not in MATRIX[officer.role]:
        return False
    if action in _ASSIGNEE_ONLY and officer.role is Role.EXAMINER and assignee != officer.id:
        return False
    if action in _BUREAU_ONLY and (officer.office is not None or officer.bureau is None):
        return False
    return True


class Forbidden(Exception):
    pass


def require(
    officer: Officer, action: Action, bureau: str, assignee: str | None = None, office: str | None = None
) -> None:
    if not can(officer, action, bureau, assignee, office):
        raise Forbidden(f"{officer.role.value} {officer.id} may not {action.value} in {bureau}/{office or '-'}")
