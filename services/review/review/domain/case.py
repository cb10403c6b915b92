"""The case state machine: guarded transitions, four-eyes confirmation.

An illegal transition raises; the caller never writes a state the machine did not return.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from zairyu_shared.events.vocabulary import PERIODS_OF_STAY, STATUSES_OF_RESIDENCE

from .roles import Officer, Role


class Status(str, Enum):
    RECEIVED = "received"
    UNDER_EXAMINATION = "under_examination"
    DOCUMENTS_REQUESTED = "documents_requested"
    DOCUMENTS_ANSWERED = "documents_answered"
    DECISION_PROPOSED = "decision_proposed"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Step(str, Enum):
    START_EXAMINATION = "start_examination"
    REQUEST_DOCUMENTS = "request_documents"
    DOCUMENTS_SUBMITTED = "documents_submitted"
    PROPOSE = "propose"
    CONFIRM_APPROVAL = "confirm_approval"
    CONFIRM_REFUSAL = "confirm_refusal"
    RETURN = "return"
    WITHDRAW = "withdraw"


TERMINAL = frozenset({Status.APPROVED, Status.REFUSED, Status.WITHDRAWN})
OPEN = frozenset(Status) - TERMINAL

TRANSITIONS: dict[tuple[Status, Step], Status] = {
    (Status.RECEIVED, Step.START_EXAMINATION): Status.UNDER_EXAMINATION,
    (Status.DOCUMENTS_ANSWERED, Step.START_EXAMINATION): Status.UNDER_EXAMINATION,
    (Status.UNDER_EXAMINATION, Step.REQUEST_DOCUMENTS): Status.DOCUMENTS_REQUESTED,
    (Status.DOCUMENTS_REQUESTED, Step.DOCUMENTS_SUBMITTED): Status.DOCUMENTS_ANSWERED,
    (Status.UNDER_EXAMINATION, Step.PROPOSE): Status.DECISION_PROPOSED,
    (Status.DECISION_PROPOSED, Step.CONFIRM_APPROVAL): Status.APPROVED,
    (Status.DECISION_PROPOSED, Step.CONFIRM_REFUSAL): Status.REFUSED,
    (Status.DECISION_PROPOSED, Step.RETURN): Status.UNDER_EXAMINATION,
    **{(s, Step.WITHDRAW): Status.WITHDRAWN for s in OPEN},
}


class IllegalTransition(Exception):
    def __init__(self, status: Status, step: Step):
        super().__init__(f"cannot {step.value} a case that is {status.value}")
        self.status = status
        self.step = step


def next_status(status: Status | str, step: Step | str) -> Status:
    status, step = Status(status), Step(step)
    try:
        return TRANSITIONS[(status, step)]
    except KeyError:
        raise IllegalTransition(status, step) from None


def allowed_steps(status: Status | str) -> list[Step]:
    return [step for (s, step) in TRANSITIONS if s == Status(status)]


@dataclass(frozen=True)
class Proposal:
    outcome: str  # approved | refused
    proposed_by: str
    granted_status: str | None = None
    period_of_stay: str | None = None
    reason_codes: tuple[str, ...] = ()
    explanation: str = ""

    def __post_init__(self) -> None:
        if self.outcome == "approved":
            if not self.granted_status or not self.period_of_stay:
                raise ValueError("an approval needs the granted status and period of stay")
        elif self.outcome == "refused":
            if not self.reason_codes or not self.explanation.strip():
                raise ValueError("a refusal needs reason codes and an explanation")
        else:
            raise ValueError(f"unknown outcome {self.outcome!r}")

    @property
    def confirm_step(self) -> Step:
        return Step.CONFIRM_APPROVAL if self.outcome == "approved" else Step.CONFIRM_REFUSAL


def coded_grant(proposal: Proposal) -> bool:
    """Whether an approval names its status and period by code (vocabulary.STATUSES_OF_RESIDENCE,
    PERIODS_OF_STAY), as the officer page's pickers do, so application.decided v3 carries them and the
    applicant reads them in their language. A refusal grants nothing and is always coded."""
    if proposal.outcome != "approved":
        return True
    return proposal.granted_status in STATUSES_OF_RESIDENCE and proposal.period_of_stay in PERIODS_OF_STAY


class FourEyesViolation(Exception):
    pass


def check_confirmation(confirmer: Officer, proposal: Proposal) -> None:
    """Only a supervisor confirms, and never their own proposal."""
    if confirmer.role is not Role.SUPERVISOR:
        raise FourEyesViolation(f"{confirmer.role.value} cannot confirm a decision")
    if confirmer.id == proposal.proposed_by:
        raise FourEyesViolation("nobody confirms their own proposal")


def check_two_people(reviewer_person: str, proposer_person: str) -> None:
    """Four eyes are two people's: a proposal is confirmed or returned by someone other than its
    proposer through any of their accounts (people as ``enrolment.person`` names them; issue 15)."""
    if reviewer_person == proposer_person:
        raise FourEyesViolation("nobody reviews their own proposal, from any of their accounts")
