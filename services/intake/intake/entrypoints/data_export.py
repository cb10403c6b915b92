"""The person's data export as a readable PDF in their language (and the JSON as assembled).

Each service's records become sections titled in the person's language; the form's fields carry the
labels of the application pages (labels.FIELDS); other keys are shown as the services name them.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
    return str(value)


def _rows(data: dict[str, Any], prefix: str = "") -> list[pdfs.Row]:
    rows: list[pdfs.Row] = []
    for key, value in data.items():
        if isinstance(value, dict) and value and key in ("form", "holder", "detail", "data"):
            rows.extend(_rows(value, prefix=f"{_label(key)} · "))
            continue
        rows.append(pdfs.Row(prefix + _label(key), _value(key, value)))
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
