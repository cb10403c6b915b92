"""The filing organisation's staff correct or withdraw an application it filed (issue 21).

Who may, and why (the rule and its sources are review's domain/follow_up.py): the person, with their own card,
from their account (following.own_card); or a staff member of the organisation that filed the application, while
active in an organisation whose approval is current and while the person's consent is in force (the same check as
answering the bureau's document requests: organisation_requests._filed), either with a card in their staff session
(any JPKI card: the staff member's own, as when they file by card; the signing service checks it and intake names
its holder to review) or without a card, with a fresh TOTP code (the step-up of filing without a card). Another
organisation's application, or one whose person withdrew their consent, is not found; a removed member has no
session, and a member removed between the code and the signature is refused when it arrives.

The request is the same as the person's (application.correction_requested / application.withdrawn v2), with
``requested_by`` naming the staff member and, without a card, ``authentication`` written into its bytes too; the
person sees it on their application's timeline.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from intake.adapters.organisation_tables import organisation_staff, organisations
from intake.domain import canonical, timeline

from . import following, organisation_filing, organisation_requests, organisation_staff_filing, signing_requests
from . import organisation_staff as staff_accounts
from .common import new_id, now
from .organisations import Member, NotAllowedToFile, require_filing_allowed

PURPOSE = "org_follow_up"
ACTIONS = {
    # action -> (event, the person's timeline entry, the application's status after it)
    "correction": ("application.correction_requested", "correction_requested", None),
    "withdrawal": ("application.withdrawn", "withdrawal_requested", "withdrawal_requested"),
}
NotFound = organisation_requests.NotFound


class Refused(Exception):
    """Why nothing was sent (a message key): the application closed, the approval lapsed, no message."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Sent:
    application_id: str
    number: str
    action: str


def page(session, member: Member, application_id: str) -> dict:
    """What the page shows: the person, the application and whether it is still open (NotFound: not this
    organisation's filing, or the person's consent ended)."""
    app, _account, person = organisation_requests._filed(session, member, application_id)
    return {"app": app, "person_name": person.name, "open": timeline.is_open(app.status)}


def _allowed(session, member_or_ids, application_id: str, action: str, message: str):
    """The application (this organisation's filing, still open) after every check, or NotFound / Refused."""
    if action not in ACTIONS:
        raise Refused("error.invalid")
    staff = session.execute(
        sa.select(organisation_staff.c.removed_at, organisation_staff.c.organisation_id).where(
            organisation_staff.c.id == member_or_ids.staff_id
        )
    ).first()
    if staff is None or staff.removed_at is not None or staff.organisation_id != member_or_ids.organisation_id:
        raise Refused("org.error.staff_removed")
    try:
        require_filing_allowed(session, member_or_ids.organisation_id)
    except NotAllowedToFile:
        raise Refused("org.error.not_allowed") from None
    app, _account, _person = organisation_requests._filed(session, member_or_ids, application_id)
    if not timeline.is_open(app.status):
        raise Refused("follow.not_open")
    if action == "correction" and not message:
        raise Refused("error.required")
    return app


def _requested_by(member_or_ids, name: str | None = None) -> dict[str, Any]:
    by: dict[str, Any] = {
        "role": "organisation_staff",
        "organisation_id": member_or_ids.organisation_id,
        "staff_id": member_or_ids.staff_id,
    }
    if name:
        by["staff_name"] = name
    return by


def _statement(app, member_or_ids, action: str, action_id: str, message: str, authentication=None) -> bytes:
    fields: dict[str, Any] = {
        "application_id": app.id,
        "applicant_id": app.applicant_id,
        "action_id": action_id,
        "provisional_number": app.provisional_number,
        "receipt_number": app.receipt_number,
        "message": message[:4000],
        "issued_at": now().isoformat(),
        "requested_by": _requested_by(member_or_ids),
    }
    if authentication is not None:
        fields["authentication"] = _as_text(authentication)
    return canonical.statement(action, **fields)


def _as_text(value):
    """The staff session as the bytes carry it (ISO dates and times)."""
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    return value.isoformat() if hasattr(value, "isoformat") else value


def _emit(runtime, session, app, member_or_ids, action: str, extra: dict, how: dict, at: datetime) -> None:
    event_type, entry_kind, status = ACTIONS[action]
    runtime.emit(
        session,
        event_type,
        {
            "application_id": app.id,
            "applicant_id": app.applicant_id,
            "requested_by": _requested_by(member_or_ids, staff_accounts.name_of(session, member_or_ids.staff_id)),
            **how,
            **following.follow_up_payload(event_type, extra, at),
        },
        correlation_id=app.id,
    )
    following.record_follow_up(session, app, entry_kind, status, at)


# -- with a card: a signing code, signed in the staff member's session ------------------------------------------
def start_with_card(runtime, session, member: Member, application_id: str, action: str, message: str) -> str:
    """A one-time signing code for the request (NotFound, Refused)."""
    message = (message or "").strip()
    app = _allowed(session, member, application_id, action, message)
    org_name = session.execute(
        sa.select(organisations.c.name).where(organisations.c.id == member.organisation_id)
    ).scalar()
    action_id = new_id()
    label = "correction request" if action == "correction" else "withdrawal"
    return signing_requests.create(
        runtime,
        session,
        purpose=PURPOSE,
        content=_statement(app, member, action, action_id, message),
        applicant_id=app.applicant_id,
        subject_id=app.id,
        description=f"Zairyu: {label} for {app.receipt_number or app.provisional_number}, by {org_name}",
        extra={
            "action": action,
            "action_id": action_id,
            "message": message[:4000],
            "organisation_id": member.organisation_id,
            "staff_id": member.staff_id,
        },
    )


@dataclass(frozen=True)
class _Ids:
    staff_id: str
    organisation_id: str


@signing_requests.completion(PURPOSE)
def _complete(runtime, session, row, cms_der: bytes) -> dict:
    """The card's signature arrives: everything is checked again (the member still active, the approval, the
    filing, the consent, the application open), then the card (signing names its holder)."""
    extra = signing_requests.extra_of(row)
    ids = _Ids(extra["staff_id"], extra["organisation_id"])
    try:
        app = _allowed(session, ids, row.subject_id, extra["action"], extra["message"])
    except Refused as refused:
        return {"ok": False, "error": refused.key}
    except NotFound:
        return {"ok": False, "error": "org.error.no_consent"}
    holder = organisation_filing.staff_card_holder(
        runtime, signing_requests.content_of(row), cms_der, signing_requests.signer_language(session, row)
    )
    if isinstance(holder, dict):
        return holder
    how = {
        "signed_content_b64": row.content,
        "signature_cms_b64": base64.b64encode(cms_der).decode(),
        "expected_holder": holder.as_dict(),
    }
    _emit(runtime, session, app, ids, extra["action"], extra, how, now())
    return {"ok": True, "application_id": app.id}


# -- without a card: a fresh TOTP code -------------------------------------------------------------------------------
def send_without_card(
    runtime,
    session,
    member: Member,
    application_id: str,
    action: str,
    message: str,
    code: str,
    *,
    signed_in_at: datetime,
    channel: str = "web",
) -> Sent | str:
    """Send the request with the staff session and a new TOTP code as its authentication: what was sent, or why the
    code was refused (a message key, returned so that the caller commits the counted failure). NotFound, Refused."""
    message = (message or "").strip()
    app = _allowed(session, member, application_id, action, message)
    org = session.execute(sa.select(organisations).where(organisations.c.id == member.organisation_id)).one()
    stepped_up = organisation_staff_filing.step_up(
        session, member, org, code, signed_in_at=signed_in_at, channel=channel
    )
    if isinstance(stepped_up, str):
        return stepped_up
    at, authentication = stepped_up.at, stepped_up.authentication
    action_id = new_id()
    content = _statement(app, member, action, action_id, message, authentication)
    how = {"signed_content_b64": base64.b64encode(content).decode(), "authentication": authentication}
    extra = {"action_id": action_id, "message": message[:4000]}
    _emit(runtime, session, app, member, action, extra, how, at)
    return Sent(app.id, app.receipt_number or app.provisional_number, action)
