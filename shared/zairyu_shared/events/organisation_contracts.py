"""Contracts of organisational users (issue 21): the application for use (利用申出) and its four-eyes decision
between intake and review, and the two mails notify sends to an organisation's staff."""

from __future__ import annotations

from marshmallow import fields, validate

from .contracts import BUREAUS, _id, _lang, _Strict
from .registry import EventSpec, register
from .vocabulary import STATUSES_OF_RESIDENCE

# --- organisations (issue 21) ------------------------------------------------------------------
# The kinds of organisational users ISA admits after an application for use (利用申出): receiving
# organisations (employer, school), supervising and registered support organisations, public-interest
# corporations that help receive foreign nationals, and a licensed agent's office (residence-procedures.md,
# "Who applies").
ORGANISATION_KINDS = (
    "employer",
    "school",
    "supervising_organisation",
    "support_organisation",
    "public_interest_corporation",
    "agent_office",
)
ORGANISATION_OUTCOMES = ("approved", "refused")


class OrganisationUseRequested(_Strict):
    """An organisation applied for use; the bureau covering its address (intake's routing) examines it. Sent
    again for the same organisation, it is the periodic report asking for another year."""

    organisation_id = _id()
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS))
    corporate_number = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[1-9][0-9]{12}$"))
    agent_qualification = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["gyoseishoshi", "lawyer"])
    )
    agent_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    address = fields.String(required=True, validate=validate.Length(min=1, max=400))
    bureau = fields.String(required=True, validate=validate.OneOf(BUREAUS))
    requested_at = fields.AwareDateTime(required=True)


class OrganisationUseDecided(_Strict):
    """The bureau approved (for a period, Japan's dates, both days included) or refused the use. A refused
    renewal (the periodic report, 定期報告) carries the period still running; a first refusal carries none."""

    organisation_id = _id()
    outcome = fields.String(required=True, validate=validate.OneOf(ORGANISATION_OUTCOMES))
    bureau = fields.String(required=True, validate=validate.OneOf(BUREAUS))
    approved_from = fields.Date(load_default=None, allow_none=True)
    approved_until = fields.Date(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    decided_at = fields.AwareDateTime(required=True)


class OrganisationStaffInvited(_Strict):
    """An organisation's administrator invited a staff member: notify mails the link in their language.
    ``applicant_id`` is the staff member's account id (notify's recipient key), not a resident's."""

    applicant_id = _id()
    organisation_id = _id()
    email = fields.Email(required=True)
    language = _lang()
    organisation_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    invite_url = fields.Url(required=True, require_tld=False)
    expires_at = fields.AwareDateTime(required=True)


class OrganisationStayReminderDue(_Strict):
    """A person on an organisation's roster reaches 90, 60 or 30 days before the expiry of their period of
    stay: notify tells each staff member, in the member's language (``applicant_id``: the member's id)."""

    applicant_id = _id()
    organisation_id = _id()
    email = fields.Email(required=True)
    language = _lang()
    organisation_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    person_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    status = fields.String(required=True, validate=validate.OneOf(tuple(STATUSES_OF_RESIDENCE)))
    period_expiry = fields.Date(required=True)
    days_before = fields.Integer(required=True, validate=validate.OneOf([90, 60, 30]))
    dashboard_url = fields.Url(required=True, require_tld=False)


for _spec in [
    EventSpec(
        "organisation.use_requested",
        1,
        OrganisationUseRequested,
        "intake",
        ("review",),
        "An organisation applied for use (利用申出); routed to the bureau covering its address.",
    ),
    EventSpec(
        "organisation.use_decided",
        1,
        OrganisationUseDecided,
        "review",
        ("intake",),
        "The bureau approved (for one year) or refused an organisation's use, confirmed by a second officer.",
    ),
    EventSpec(
        "organisation.staff_invited",
        1,
        OrganisationStaffInvited,
        "intake",
        ("notify",),
        "An organisation's administrator invited a staff member: mail the link.",
    ),
    EventSpec(
        "organisation.stay_reminder_due",
        1,
        OrganisationStayReminderDue,
        "intake",
        ("notify",),
        "A person on an organisation's roster is 90, 60 or 30 days from the expiry of their stay: tell each staff member.",
    ),
]:
    register(_spec)
