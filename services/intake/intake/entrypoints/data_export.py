"""The person's data export as a readable PDF in their language (and the JSON as assembled).

Each service's records become sections titled in the person's language; the form's fields carry the
labels of the application pages (labels.FIELDS); other keys are shown as the services name them.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from intake.adapters import pdfs

from . import documents, labels

SERVICE_TITLES = {
    "intake": _l("Your account and applications"),
    "signing": _l("Signature checks"),
    "review": _l("Case files at the immigration bureau"),
    "notify": _l("Notices and e-mails"),
    "card-delivery": _l("Residence card delivery"),
}
KIND_TITLES = {
    "account": _l("Account"),
    "draft": _l("Draft"),
    "application": _l("Application"),
    "attachment": _l("Uploaded file"),
    "timeline": _l("Step of an application"),
    "inbox_notice": _l("Message in your inbox"),
    "documents_request": _l("Request for documents"),
    "payment": _l("Payment"),
    "signature_verdict": _l("Signature check"),
    "case": _l("Case file"),
    "case_step": _l("Step of a case"),
    "correction": _l("Correction request"),
    "contact": _l("Contact details"),
    "application_numbers": _l("Application numbers"),
    "notice": _l("Notice"),
    "card_delivery": _l("Card delivery"),
    "card_delivery_step": _l("Step of the card delivery"),
    "fee_payment": _l("Fee payment"),
    "email_change": _l("Change of e-mail address"),
}


# The keys the services use most, labelled in the person's language; others are shown as the services name them.
KEY_LABELS = {
    "email": _l("E-mail address"),
    "name": _l("Name"),
    "date_of_birth": _l("Date of birth"),
    "sex": _l("Sex"),
    "address": _l("Address"),
    "language": _l("Language"),
    "status": _l("Status"),
    "procedure": _l("Procedure"),
    "bureau": _l("Bureau"),
    "application_id": _l("Application ID"),
    "receipt_number": _l("Receipt number"),
    "provisional_number": _l("Provisional number"),
    "subject": _l("Subject"),
    "body": _l("Text"),
    "sent_at": _l("Sent"),
    "deadline": _l("Deadline"),
    "message": _l("Message"),
    "verdict": _l("Result"),
    "card_number": _l("Card number"),
    "tracking_number": _l("Tracking number"),
    "mailing_address": _l("Mailing address"),
    "state": _l("State"),
    "step": _l("Step"),
    "items": _l("Items"),
    "form": _l("Form"),
    "holder": _l("Card holder"),
    "detail": _l("Details"),
    "data": _l("Contents"),
    # the rest of the keys the services' exports carry (the PDF showed them as raw English keys before 2026-12-07)
    "answer_attachments": _l("Files sent in answer"),
    "answer_message": _l("Your answer"),
    "answered_at": _l("Answered"),
    "attachments": _l("Attached files"),
    "bundled": _l("Applied for together"),
    "card_by_mail": _l("New card by post"),
    "card_login_linked": _l("Sign-in with the card linked"),
    "certificate_address": _l("Address in the signature certificate"),
    "certificate_issuer": _l("Certificate issuer"),
    "certificate_serial": _l("Certificate serial number"),
    "channel": _l("Sent by"),
    "closed_at": _l("Closed"),
    "content_sha256": _l("SHA-256 of what was signed"),
    "decided_at": _l("Decided"),
    "display_name": _l("Name used in messages"),
    "email_verified_at": _l("E-mail address confirmed"),
    "evidence": _l("What the check found"),
    "explanation": _l("Explanation from the bureau"),
    "reason_codes": _l("Grounds of refusal"),
    "fee_paid_online_yen": _l("Fee paid online (yen)"),
    "fee_paid_yen": _l("Fee paid in revenue stamps (yen)"),
    "fee_yen": _l("Fee (yen)"),
    "filer": _l("Filed by"),
    "from_state": _l("State before"),
    "to_state": _l("State after"),
    "granted_status": _l("Status of residence granted"),
    "notice_type": _l("Kind of message"),
    "office": _l("Office"),
    "old_card_number": _l("Old card number"),
    "outcome": _l("Decision"),
    "password_set": _l("Password set"),
    "period_of_stay_expiry": _l("End of the period of stay"),
    "postal_code": _l("Postal code"),
    "read_at": _l("Read"),
    "received_at": _l("Received"),
    "return_reason": _l("Why it came back"),
    "state_since": _l("Since"),
    "status_of_residence": _l("Status of residence"),
    "submitted_at": _l("Submitted"),
    "from_status": _l("State before"),
    "to_status": _l("State after"),
    "two_step_login": _l("Two-step sign-in"),
    "withdrawal_reason": _l("Reason for withdrawal"),
    "withdrawal_requested_at": _l("Withdrawal asked for"),
    "draft_id": _l("Draft ID"),
    "submitted_application_id": _l("ID of the application it became"),
    "paid_at": _l("Paid"),
    "media_type": _l("File type"),
    "provider_reference": _l("Payment reference"),
    "expires_at": _l("Expires"),
    "confirmed_at": _l("Confirmed"),
}


def to_json(export: dict[str, Any]) -> bytes:
    return json.dumps(export, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def _label(key: str) -> str:
    known = KEY_LABELS.get(key) or labels.FIELDS.get(key)
    return str(known) if known else key.replace("_", " ")


def _value(key: str, value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int) and key.endswith("_yen"):  # an amount, grouped as the reader's language writes it
        return format_decimal(value)
    if key == "reason_codes" and isinstance(value, list):  # the grounds by name; an older free code as it is
        return "; ".join(labels.refusal_reason_label(str(code)) or str(code) for code in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return format_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and len(value) == 10 and value[4:5] == value[7:8] == "-":
        return documents._date(value)  # a day kept as ISO (the card's date of birth, the form's dates)
    if isinstance(value, (date, datetime)):
        return documents._text(value)
    if isinstance(value, str) and value in CODED.get(key, {}):  # a procedure, bureau or status by its name
        return labels.label(CODED[key], value)
    if key == "language" and isinstance(value, str):
        from .web import LANGUAGE_NAMES  # the language switch's own names (web imports this module's blueprint)

        return LANGUAGE_NAMES.get(value, value)
    if key in ("granted_status", "status_of_residence", "current_status", "desired_status") and isinstance(value, str):
        return labels.status_label(value)
    return str(value)


_T = labels.TIMELINE
# card-delivery's states and steps, as the timeline says them where it has the words (a paper document shares the
# neutral ones: it is posted, delivered or returned as a card is).
CARD_DELIVERY_STATES = {
    "awaiting_envelope": _l("Waiting for your envelope"),
    "envelope_received": _T["envelope_received"],
    "card_issued": _T["card_issued"],
    "address_flagged": _l("Your address is being checked by the bureau"),
    "dispatched": _l("Posted by simple registered mail"),
    "delivered": _l("Delivered"),
    "returned": _l("Returned undelivered"),
    "counter_pickup": _T["card_held_at_counter"],
    "awaiting_visit": _T["card_held_at_counter"],
    "collected": _T["card_collected"],
    "document_ready": _l("Ready to be posted"),
    "postage_shortfall": _T["postage_shortfall"],
}
CARD_DELIVERY_STEPS = {
    "open": _l("Delivery case opened"),
    "record_online_payment": _T["fee_paid"],
    "receive_envelope": _T["envelope_received"],
    "record_postage_shortfall": _T["postage_shortfall"],
    "issue_card": _T["card_issued"],
    "resolve_address": _l("Address checked by the bureau"),
    "dispatch": CARD_DELIVERY_STATES["dispatched"],
    "record_delivery": CARD_DELIVERY_STATES["delivered"],
    "record_return": CARD_DELIVERY_STATES["returned"],
    "hand_to_counter": _T["card_held_at_counter"],
    "hand_over": _l("Handed over at the bureau counter"),
    "collect_at_counter": _T["card_collected"],
}
# notify's notices: how each went out, and where it stands.
NOTICE_STATES = {
    "queued": _l("Waiting to be sent"),
    "sending": _l("Waiting to be sent"),
    "sent": _lp("notice state", "Sent"),  # a state; "Sent" alone is the sent_at column's heading (送信日時)
    "failed": _l("Could not be delivered"),
    "bounced": _l("Could not be delivered"),
}
CHANNELS = {"email": _l("E-mail"), "inbox": _l("In your account")}
# signing's verdicts on a signature.
VERDICTS = {
    "verified": _T["signature_verified"],
    "rejected": _T["signature_rejected"],
    "attested": _l("Attested with the staff member's card"),
}

# An application's status and a step's kind read as on the timeline ("under_examination" was printed as it is); a
# card's delivery, a notice's state and a signature's verdict by their names ("awaiting_envelope", "sent", "verified").
CODED = {
    "procedure": labels.PROCEDURES,
    "bureau": labels.BUREAUS,
    "office": labels.OFFICES,  # a received or handed-over step's office (printed "himeji_port" before)
    "sex": labels.CHOICES,
    "status": labels.TIMELINE,
    "from_status": labels.TIMELINE,
    "to_status": labels.TIMELINE,
    "notice_type": labels.TIMELINE,
    # card-delivery's and notify's states share the key, as intake's and card-delivery's steps do: their codes differ
    # (tests/contracts/test_export_codes.py holds it)
    "state": {**CARD_DELIVERY_STATES, **NOTICE_STATES},
    "from_state": CARD_DELIVERY_STATES,
    "to_state": CARD_DELIVERY_STATES,
    "step": {**labels.TIMELINE, **CARD_DELIVERY_STEPS},  # intake's timeline steps, card-delivery's
    "channel": CHANNELS,
    "verdict": VERDICTS,
    "reason_code": labels.RETURN_REASONS,  # the post office's reason for a returned card or paper document
    "document": labels.DOCUMENTS,  # the paper document posted: a COE or certificate of authorised employment
}


# A timeline step's details name things in their own sense: its ``reason`` is what the post office's slip or the
# bureau said, not the form's reason for applying; the paper ``document`` posted and the slip's ``reason_code``.
DETAIL_LABELS = {
    "reason": _l("Reason"),
    "reason_code": KEY_LABELS["return_reason"],
    "document": _l("Document"),
}


def _rows(data: dict[str, Any], prefix: str = "", labelled: dict[str, Any] | None = None) -> list[pdfs.Row]:
    rows: list[pdfs.Row] = []
    for key, value in data.items():
        if isinstance(value, dict) and value and key in ("form", "holder", "detail", "data"):
            rows.extend(_rows(value, f"{_label(key)} · ", DETAIL_LABELS if key == "detail" else None))
            continue
        label = str((labelled or {}).get(key) or _label(key))
        rows.append(pdfs.Row(prefix + label, _value(key, value)))
    return rows


def sections(export: dict[str, Any]) -> list[pdfs.Section]:
    out: list[pdfs.Section] = []
    for service, records in export["services"].items():
        title = str(SERVICE_TITLES.get(service, service))
        if not records:
            out.append(pdfs.Section(title, [pdfs.Row(_("Records"), _("Nothing held."))]))
            continue
        for index, rec in enumerate(records):
            kind = str(KIND_TITLES.get(rec["kind"], rec["kind"]))
            head = f"{title} — {kind}" if index == 0 or records[index - 1]["kind"] != rec["kind"] else kind
            rows = ([pdfs.Row(_("Date"), _value("at", rec["at"]))] if rec.get("at") else []) + _rows(rec["data"])
            out.append(pdfs.Section(head, rows))
    return out


def to_pdf(export: dict[str, Any], lang: str) -> bytes:
    lead = _(
        "Prepared on %(when)s. It holds only what is kept under your account.",
        when=_value("completed_at", export["completed_at"]),
    )
    return pdfs.render(
        _("What the system holds about you"),
        sections(export),
        lang=lang,
        lead=lead,
        footer=f" Zairyu · {export['export_id']}",
    )
