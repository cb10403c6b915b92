"""Officers, their roles and the authorization matrix (a pure function)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


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


_EXAMINING = {Action.VIEW_QUEUE, Action.VIEW_CASE, Action.CLAIM, Action.REQUEST_DOCUMENTS, Action.ADD_NOTE,
              Action.PROPOSE, Action.ACKNOWLEDGE_WITHDRAWAL, Action.VIEW_STATISTICS, Action.VIEW_WORKLOAD}

MATRIX: dict[Role, frozenset[Action]] = {
    Role.EXAMINER: frozenset(_EXAMINING),
    Role.SUPERVISOR: frozenset(_EXAMINING | {Action.ASSIGN, Action.CONFIRM, Action.RETURN}),
    # Administrators manage accounts; they do not read applicants' files.
    Role.ADMIN: frozenset({Action.MANAGE_OFFICERS, Action.VIEW_WORKLOAD, Action.VIEW_STATISTICS}),
    # Auditors read everything in scope, change nothing.
    Role.AUDITOR: frozenset({Action.VIEW_QUEUE, Action.VIEW_CASE, Action.VIEW_AUDIT, Action.VIEW_STATISTICS,
                             Action.VIEW_WORKLOAD}),
}

# Actions that change a case only its assignee (or a supervisor) may take.
_ASSIGNEE_ONLY = {Action.REQUEST_DOCUMENTS, Action.PROPOSE}


@dataclass(frozen=True)
class Officer:
    id: str
    role: Role
    bureau: str | None  # None only for a national auditor
    display_name: str = ""

    def __post_init__(self):
        if self.bureau is None and self.role is not Role.AUDITOR:
            raise ValueError("only an auditor may be national (without a bureau)")

    @property
    def is_national(self) -> bool:
        return self.bureau is None


def in_scope(officer: Officer, bureau: str) -> bool:
    return officer.bureau is None or officer.bureau == bureau


def can(officer: Officer, action: Action, bureau: str, assignee: str | None = None) -> bool:
    """May ``officer`` take ``action`` on something of ``bureau`` (a case assigned to ``assignee``)?"""
    if not in_scope(officer, bureau):
        return False
    if action not in MATRIX[officer.role]:
        return False
    if action in _ASSIGNEE_ONLY and officer.role is Role.EXAMINER and assignee != officer.id:
        return False
    return True


class Forbidden(Exception):
    pass


def require(officer: Officer, action: Action, bureau: str, assignee: str | None = None) -> None:
    if not can(officer, action, bureau, assignee):
        raise Forbidden(f"{officer.role.value} {officer.id} may not {action.value} in {bureau}")
