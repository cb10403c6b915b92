"""Which notices an event deserves, to whom, on which channels, and what they must say.

Pure: the handler gives the event's data and what the directory knows about the application;
this module answers with planned notices (type, audience, channels, template context).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zairyu_shared import deliverables
from zairyu_shared.events.vocabulary import DOCUMENT_KINDS, receiving_office_of
from zairyu_shared.japan_time import japan_date

EMAIL, INBOX = "email", "inbox"
BOTH = (EMAIL, INBOX)

# Links and codes are for the address being verified or the person who cannot log in:
# an inbox copy would be useless (and a reset link in the account pointless), so e-mail only.
APPLICANT_TYPES = (
    "email_verification",
    "password_reset",
    "email_change",  # the link, to the new address
    "email_changed",  # to the previous address (applicant.email_changed, as intake staged it before sign_in_changed)
    "sign_in_changed",  # how the account is signed in to changed (applicant.sign_in_changed)
    "application_submitted",
    "application_received",
    "signature_rejected",
    "documents_requested",
    "documents_reminder",
    "decision_approved",
    "decision_refused",
    "card_envelope_overdue",
    "card_envelope_received",
    "card_issued",
    "card_dispatched",
    "card_delivered",
    "card_returned",
    "card_postage_shortfall",
    "card_held_at_counter",
    "card_collected",
    "withdrawal_received",
    "application_closed",
    "fee_paid",
    "coe_issued",
    "certificate_issued",
    "document_dispatched",
    "document_delivered",
    "document_returned",
    "staff_invitation",
    "stay_reminder",  # to an organisation's staff member (issue 21)
)
OFFICER_TYPES = ("documents_submitted",)
ALL_TYPES = APPLICANT_TYPES + OFFICER_TYPES
OFFICER_LANGUAGE = "ja"  # the bureaus work in Japanese

SIGNATURE_ADVICE = ("revoked", "expired", "holder_mismatch", "other")


@dataclass(frozen=True)
class ApplicationInfo:
    application_id: str
    applicant_id: str
    bureau: str | None = None
    procedure: str | None = None
    provisional_number: str | None = None
    receipt_number: str | None = None

    @property
    def reference(self) -> str:
        """What the applicant quotes: the receipt number once the bureau issued one."""
        return self.receipt_number or self.provisional_number or self.application_id


@dataclass(frozen=True)
class Planned:
    notice_type: str
    audience: str  # "applicant" or "bureau"
    channels: tuple[str, ...]
    context: dict[str, Any] = field(default_factory=dict)
    address: str | None = None  # a fixed address (verification, reset); else the applicant's current one
    bureau: str | None = None
    attachment: dict[str, Any] | None = None  # mailed with the e-mail copy only: {filename, media_type, b64}

    @property
    def recipient_kind(self) -> str:
        return self.audience


def signature_advice(reason_code: str) -> str:
    """Map signing's machine-readable reason onto the advice the applicant can act on."""
    code = reason_code.lower()
    if "revok" in code:
        return "revoked"
    if "expir" in code or "not_yet_valid" in code:
        return "expired"
    if "holder" in code or "mismatch" in code:
        return "holder_mismatch"
    return "other"


def _app(info: ApplicationInfo | None, data: dict[str, Any]) -> dict[str, Any]:
    ref = info.reference if info else data["application_id"]
    return {"reference": ref, "application_id": data["application_id"], "procedure": (info.procedure if info else None)}


def approval_delivers(data: dict[str, Any]) -> dict[str, Any]:
    """What the approval delivers and how (residence-procedures.md item 7): a COE or a certificate is never
    followed by card instructions. A v1 decision has no delivery_method: the card's post/counter choice,
    else the procedure's default."""
    procedure = data["procedure"]
    chosen = data.get("delivery_method")
    if chosen is None and deliverables.issues_card(procedure):
        chosen = "post" if data["card_by_mail"] else "counter"
    return {
        "deliverable": deliverables.deliverable(procedure),
        "delivery_method": deliverables.method_for(procedure, chosen),
        "specified_card": bool(data.get("specified_card")) and deliverables.issues_card(procedure),
        "outside_activity": data.get("outside_activity") if deliverables.issues_card(procedure) else None,
    }


def district_receiving_office(receipt_number: str, bureau: str) -> str | None:
    """The district office that received the application when it is not the regional bureau itself: Kanagawa's,
    Hyogo's and Okinawa's online applications are received at Yokohama, Kobe and Naha (横オン, 神オン, 那オン;
    residence-procedures.md, "Who decides"), and the receipt mail named the regional bureau instead."""
    office = receiving_office_of(receipt_number)
    return office if office is not None and office != bureau else None


def refusal_and_stay(data: dict[str, Any]) -> dict[str, Any]:
    """What a refused extension or change means for the stay (Immigration Control Act art. 20(6), 21(4);
    residence-procedures.md item 8). Decided by the expiry: the current period of stay still runs until
    it. Decided after it, within the special period: that period ends with the decision, and the person
    must leave or change the application at once into one for Designated Activities (preparation for
    departure), usually 30 or 31 days (practitioners: shimokawara-office.com/archives/4912,
    visa-consultation.jp 出国準備; the change is asked for at the bureau, not online). Japan's dates."""
    expiry = data.get("period_of_stay_expiry")
    if not data.get("special_period") or expiry is None:
        return {"stay_note": None}
    decided_on = japan_date(data["decided_at"])
    return {"stay_note": "until_expiry" if decided_on <= expiry else "special_period_ended", "expiry": expiry}


def masked_address(email: str) -> str:
    """Enough of an address for its owner to recognise it, not enough for anyone else: 'ng***@example.jp'."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}***@{domain}"


def plan(event_type: str, data: dict[str, Any], info: ApplicationInfo | None) -> list[Planned]:
    """The notices for one event (empty for events that only feed the directory)."""

    def applicant(
        notice_type: str, ctx: dict[str, Any], channels: tuple[str, ...] = BOTH, address: str | None = None
    ) -> list[Planned]:
        return [Planned(notice_type, "applicant", channels, ctx, address=address)]

    if event_type in ("applicant.registered", "applicant.contact_changed"):
        return []
    if event_type == "applicant.email_verification_requested":
        return applicant(
            "email_verification",
            {"verify_url": data["verify_url"], "expires_at": data["expires_at"]},
            (EMAIL,),
            data["email"],
        )
    if event_type == "applicant.password_reset_requested":
        return applicant(
            "password_reset",
            {"reset_url": data["reset_url"], "expires_at": data["expires_at"]},
            (EMAIL,),
            data["email"],
        )
    if event_type == "applicant.email_change_requested":
        return applicant(
            "email_change",
            {"confirm_url": data["confirm_url"], "expires_at": data["expires_at"]},
            (EMAIL,),
            data["email"],
        )
    if event_type == "applicant.email_changed":
        # The previous address hears of the change (someone else may have made it), with the new one masked.
        return applicant(
            "email_changed",
            {"changed_at": data["changed_at"], "new_address": masked_address(data["email"])},
            (EMAIL,),
            data["previous_email"],
        )
    if event_type == "applicant.sign_in_changed":
        # OWASP ASVS 4.0.3 V2.2.3: the person hears of every change of how the account is signed in to, in the account
        # and by mail to the address the change concerns. A new e-mail address: the mail goes to the previous one
        # (whoever took over a session cannot move the account unseen), the new one masked; the new one proved itself
        # by the link just used. No link in it signs in.
        ctx = {"change": data["change"], "changed_at": data["changed_at"]}
        if data["change"] == "email_changed":
            return applicant(
                "sign_in_changed", {**ctx, "new_address": masked_address(data["email"])}, BOTH, data["previous_email"]
            )
        return applicant("sign_in_changed", ctx, BOTH, data["email"])
    # Organisations' staff (issue 21): mailed to the member's address in the member's language.
    if event_type == "organisation.staff_invited":
        return applicant(
            "staff_invitation",
            {
                "organisation_name": data["organisation_name"],
                "invite_url": data["invite_url"],
                "expires_at": data["expires_at"],
            },
            (EMAIL,),
            data["email"],
        )
    if event_type == "organisation.stay_reminder_due":
        # granted_status: the status the person holds, named in the reader's language by the catalogue.
        return applicant(
            "stay_reminder",
            {
                "organisation_name": data["organisation_name"],
                "person_name": data["person_name"],
                "granted_status": data["status"],
                "period_expiry": data["period_expiry"],
                "days_before": data["days_before"],
                "dashboard_url": data["dashboard_url"],
            },
            (EMAIL,),
            data["email"],
        )
    if event_type == "application.submitted":
        return applicant(
            "application_submitted",
            {
                "provisional_number": data["provisional_number"],
                "procedure": data["procedure"],
                "submitted_at": data["submitted_at"],
                "application_id": data["application_id"],
            },
        )
    if event_type == "application.received":
        return applicant(
            "application_received",
            {
                "receipt_number": data["receipt_number"],
                "procedure": data["procedure"],
                "bureau": data["bureau"],
                "receiving_office": district_receiving_office(data["receipt_number"], data["bureau"]),
                "received_at": data["received_at"],
                "application_id": data["application_id"],
                "provisional_number": info.provisional_number if info else None,
            },
        )
    if event_type == "signature.rejected":
        return applicant(
            "signature_rejected",
            {
                **_app(info, data),
                "reason_code": data["reason"],
                "reason_message": data["message"],
                "advice": signature_advice(data["reason"]),
            },
        )
    if event_type == "application.documents_requested":
        # v2 items are coded kinds: the catalogue names them in the applicant's language; a v1 item's text as sent.
        return applicant(
            "documents_requested",
            {
                **_app(info, data),
                "documents": [
                    {"kind": i["code"] if i["code"] in DOCUMENT_KINDS else None, "description": i["description"]}
                    for i in data["items"]
                ],
                "message": data.get("message") or "",
                "deadline": data["deadline"],
            },
        )
    if event_type == "application.documents_reminder_due":
        return applicant("documents_reminder", {**_app(info, data), "deadline": data["deadline"]})
    if event_type == "application.decided":
        ctx = {**_app(info, data), "procedure": data["procedure"], "decided_at": data["decided_at"]}
        if data["outcome"] == "refused":
            return applicant(
                "decision_refused",
                {
                    **ctx,
                    "explanation": data.get("explanation") or "",
                    "reason_codes": list(data.get("reason_codes") or []),  # the grounds, in the reader's language
                    **refusal_and_stay(data),
                },
            )
        return applicant(
            "decision_approved",
            {
                **ctx,
                "granted_status": data.get("granted_status"),
                "period_of_stay": data.get("period_of_stay"),
                "fee_yen": data["fee_yen"],
                "card_by_mail": data["card_by_mail"],
                **approval_delivers(data),
            },
        )
    if event_type in ("coe.issued", "certificate.issued"):  # the sealed document, attached as it is
        notice_type = "coe_issued" if event_type == "coe.issued" else "certificate_issued"
        return [
            Planned(
                notice_type,
                "applicant",
                BOTH,
                {
                    **_app(info, data),
                    "document_id": data["document_id"],
                    "valid_until": data["valid_until"],
                    "verify_url": data["verify_url"],
                },
                attachment={
                    "filename": f"{data['document_id']}.pdf",
                    "media_type": "application/pdf",
                    "b64": data["document_b64"],
                },
            )
        ]
    if event_type == "fee.paid":  # the receipt notice of an online payment
        return applicant(
            "fee_paid",
            {
                **_app(info, data),
                "amount_yen": data["amount_yen"],
                "paid_at": data["paid_at"],
                "payment_reference": data["payment_reference"],
                "method": data["method"],
                "demo": data["provider"] == "demo",
            },
        )
    if event_type == "application.withdrawn":
        return applicant("withdrawal_received", {**_app(info, data), "withdrawn_at": data["withdrawn_at"]})
    if event_type == "application.closed":
        return applicant("application_closed", {**_app(info, data), "closed_at": data["closed_at"]})
    if event_type == "application.documents_submitted":
        ctx = {
            **_app(info, data),
            "request_id": data["request_id"],
            "attachment_count": len(data["attachments"]),
            "submitted_at": data["submitted_at"],
            "has_message": bool(data.get("message")),
        }
        return [Planned("documents_submitted", "bureau", (EMAIL,), ctx, bureau=info.bureau if info else None)]
    if event_type == "document.dispatched":  # a paper COE or certificate posted: told like a card's dispatch
        ctx = {
            **_app(info, data),
            "occurred_at": data["occurred_at"],
            "tracking_number": data["tracking_number"],
            "kind": data["kind"],
        }
        return applicant("document_dispatched", ctx)
    if event_type in ("document.delivered", "document.returned"):  # and its delivery, or its return and why
        ctx = {**_app(info, data), "occurred_at": data["occurred_at"], "kind": data["kind"]}
        if event_type == "document.returned":
            ctx["reason"] = data.get("reason") or ""
            if data.get("reason_code"):  # the post office's reason, written in the reader's language
                ctx["return_reason"] = data["reason_code"]
        return applicant(event_type.replace(".", "_"), ctx)
    card = {
        "card.envelope_overdue": "card_envelope_overdue",
        "card.envelope_received": "card_envelope_received",
        "card.issued": "card_issued",
        "card.dispatched": "card_dispatched",
        "card.delivered": "card_delivered",
        "card.returned": "card_returned",
        "card.postage_shortfall": "card_postage_shortfall",
        "card.held_at_counter": "card_held_at_counter",
        "card.collected": "card_collected",
    }
    if event_type in card:
        ctx = {**_app(info, data), "occurred_at": data["occurred_at"]}
        if event_type == "card.envelope_overdue":
            ctx["days_waiting"] = data["days_waiting"]
        if event_type == "card.dispatched":
            ctx["tracking_number"] = data["tracking_number"]
        if event_type == "card.postage_shortfall":
            ctx["shortfall_yen"] = data["shortfall_yen"]
        if event_type in ("card.returned", "card.held_at_counter"):
            ctx["reason"] = data.get("reason") or ""
        if data.get("reason_code"):  # card.returned v2: the post office's reason, written in the reader's language
            ctx["return_reason"] = data["reason_code"]
        return applicant(card[event_type], ctx)
    raise KeyError(f"notify has no notice plan for {event_type}")


CONSUMED_EVENTS = (
    "applicant.registered",
    "applicant.contact_changed",
    "applicant.email_verification_requested",
    "applicant.password_reset_requested",
    "applicant.email_change_requested",
    "applicant.email_changed",
    "applicant.sign_in_changed",
    "application.submitted",
    "application.documents_submitted",
    "application.withdrawn",
    "signature.rejected",
    "application.received",
    "application.documents_requested",
    "application.documents_reminder_due",
    "application.decided",
    "application.closed",
    "card.envelope_overdue",
    "card.envelope_received",
    "card.issued",
    "card.dispatched",
    "document.dispatched",
    "document.delivered",
    "document.returned",
    "card.delivered",
    "card.returned",
    "card.postage_shortfall",
    "card.held_at_counter",
    "card.collected",
    "fee.paid",
    "coe.issued",
    "certificate.issued",
    "organisation.staff_invited",
    "organisation.stay_reminder_due",
)
