"""What each applicant-facing PDF says: the same builders for the pages' downloads and for
``zairyu-intake sample-documents``.

Labels are in the applicant's language with the Japanese label beside them (as on the bilingual
official form), because the e-receipt is shown to employers and city offices in Japan. Form values are
laid out in the official form's order and parts (domain/official_form.py), not in the order of the
stored JSON. The e-receipt names the person it proves a pending application for: name, date of birth,
nationality, residence card number, current status and the expiry of the current period of stay.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from intake.adapters import pdfs
from intake.application import following
from intake.domain import fees, form, official_form
from zairyu_shared.flask_translations import calendar_day, page_language
from zairyu_shared.japan_time import japan_date

from . import labels

# Identity fields without a web-form field of their own (they come from the card, or from the filer).
_IDENTITY_LABELS = {
    "name": labels.FIELDS["applicant_name"],
    "date_of_birth": labels.FIELDS["applicant_date_of_birth"],
    "sex": labels.FIELDS["applicant_sex"],
    "address": labels.FIELDS["address"],
    "filer_name": _l("Name"),
}
_PART_TITLES = {official_form.IDENTITY: labels.SECTIONS["applicant"]}


def _lang() -> str:
    return page_language()  # the contract's code (tl, not Babel's fil_PH)


def _ja(text) -> str:
    """The Japanese of a lazy message, shown under it unless the document is Japanese already."""
    if _lang() == "ja":
        return ""
    with force_locale("ja"):
        return str(text)


def row(label, value, *, mono: bool = False) -> pdfs.Row:
    return pdfs.Row(str(label), _text(value), _ja(label), mono)


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, (date, datetime)):
        return calendar_day(value)
    return str(value)


def _date(value) -> str:
    """A date as the language writes it; the form keeps dates as ISO strings."""
    return calendar_day(value) if isinstance(value, str) else _text(value)


def _field_label(name: str):
    return _IDENTITY_LABELS.get(name) or labels.FIELDS.get(name) or name


def _field_value(name: str, value) -> str:
    if name == "filer_role":
        return labels.label(labels.ROLES, value)
    field = form.FIELDS.get(name)
    kind = field.kind if field else ("date" if name == "date_of_birth" else "")
    if kind == "date":
        return _date(value)
    if name.endswith("_yen") and str(value).isdigit():
        return f"¥{int(value):,}"
    coded = labels.coded_value(name, value)  # nationality, periods, industry: named in the document's language
    if coded is not None:
        return coded
    # A choice by this field's own words first: a single re-entry permit printed as "Single" (unmarried), vi "Độc
    # thân", on the copy and the draft (the review page already read it by field).
    if isinstance(value, str) and value in labels.FIELD_CHOICES.get(name, {}):
        return labels.choice_label(name, value)
    return labels.display_value(value)


def _bundled(app) -> list[str]:
    return [b for b in (app.bundled or "").split(",") if b]


def _procedures(app) -> str:
    return " + ".join(labels.label(labels.PROCEDURES, p) for p in [app.procedure] + _bundled(app))


def _footer(app) -> str:
    # Led by a space that is kept (white-space: pre): text extracted from the page never runs the last
    # row's value (the check URL) into the footer.
    return f" Zairyu · {app.receipt_number or app.provisional_number}"


def form_sections(values: dict, applicant: dict, filer: dict | None) -> list[pdfs.Section]:
    """The form's values as on the official form: the applicant, their stay, the request, the part for
    their status, the bundled forms, and whoever filed for them."""
    values = dict(values)
    identity = {k: applicant.get(k) for k in ("name", "date_of_birth", "sex", "address")}
    if filer:
        values.update({k: v for k, v in filer.items() if k not in ("holder", "role")})
        values["filer_role"] = filer.get("role")
        values["filer_name"] = (filer.get("holder") or {}).get("name")
        values.setdefault("nationality", applicant.get("nationality"))
    sections = {name: [f.name for f in fields] for name, fields in form.SECTIONS.items()}
    out = []
    for part in official_form.ordered(values, identity=identity, proxy=bool(filer), sections=sections):
        title = _PART_TITLES.get(part.name) or labels.SECTIONS.get(part.name) or part.name
        out.append(
            pdfs.Section(str(title), [row(_field_label(n), _field_value(n, v)) for n, v in part.fields], _ja(title))
        )
    return out


def _summary(app) -> list[pdfs.Row]:
    return [
        row(_l("Provisional number"), app.provisional_number),
        row(_l("Receipt number"), app.receipt_number or _l("not yet received")),
        row(_l("Procedure"), _procedures(app)),
        row(_l("Bureau"), labels.label(labels.BUREAUS, app.bureau)),
        row(_l("Submitted"), app.submitted_at),
        row(_l("Status"), labels.label(labels.TIMELINE, app.status)),
    ]


def copy(app, *, sample: bool = False) -> bytes:
    """The printable copy of a submitted application."""
    filing = following.filing_of(app)
    sections = [pdfs.Section("", _summary(app))]
    sections += form_sections(json.loads(app.form), filing["applicant"], filing["filer"])
    # An organisation's staff filing without a card (issue 21) has no signature: its bytes were submitted, not signed.
    digest_label = (
        _l("Signed content SHA-256")
        if getattr(app, "signature_cms", "x")
        else _l("Submitted content SHA-256 (filed by the organisation's staff without a card signature)")
    )
    sections.append(pdfs.Section("", [row(digest_label, app.content_sha256, mono=True)]))
    title = _l("Application (copy)")
    return pdfs.application_copy(
        str(title), sections, lang=_lang(), title_ja=_ja(title), footer=_footer(app), sample=sample
    )


def _special_period(app) -> str | None:
    from intake.application import staying
    from intake.domain import timeline

    stay = (
        staying.special_period_of(app.procedure, app.submitted_at, app.form, None)
        if timeline.is_open(app.status)
        else None
    )
    return (
        str(_l("Until the decision or %(date)s, whichever comes first", date=calendar_day(stay["until"])))
        if stay
        else None
    )


def e_receipt(app, verify_url: str, check_code: str | None = None, *, sample: bool = False) -> bytes:
    """The proof that an application is pending: who it is for, what, since when, and how to check it."""
    filing = following.filing_of(app)
    applicant, values = filing["applicant"], json.loads(app.form)
    person = [
        row(_IDENTITY_LABELS["name"], applicant.get("name")),
        row(_IDENTITY_LABELS["date_of_birth"], _date(applicant.get("date_of_birth"))),
        row(
            labels.FIELDS["nationality"],
            _field_value("nationality", values.get("nationality") or applicant.get("nationality")),
        ),
        row(labels.FIELDS["card_number"], values.get("card_number") or applicant.get("card_number")),
        row(
            labels.FIELDS["current_status"],
            labels.display_value(values["current_status"]) if values.get("current_status") else None,
        ),
        row(labels.FIELDS["period_expiry"], _date(values.get("period_expiry"))),
    ]
    application = [
        row(_l("Receipt number"), app.receipt_number),
        row(_l("Procedure"), _procedures(app)),
        row(_l("Bureau"), labels.label(labels.BUREAUS, app.bureau)),
        row(_l("Submitted"), app.submitted_at),
        row(_l("Pending since"), app.received_at),
        # Extension, change filed before the expiry: until when the holder may stay (special_period.py).
        *([row(_l("Special period"), stay)] if (stay := _special_period(app)) else []),
        row(_l("Status"), labels.label(labels.TIMELINE, app.status)),
    ]
    if filing["filer"]:
        filer = filing["filer"]
        application.append(
            row(
                _l("Filer"),
                f"{(filer.get('holder') or {}).get('name', '')} — {labels.label(labels.ROLES, filer.get('role'))}",
            )
        )
    if check_code:  # in print as well as in the QR: the public check needs it with the number
        application.append(row(_l("Check code"), check_code, mono=True))
    application.append(pdfs.Row("URL", verify_url, mono=True))
    title = _l("Proof of a pending application (e-receipt)")
    return pdfs.e_receipt(
        str(title),
        [
            pdfs.Section(str(labels.SECTIONS["applicant"]), person, _ja(labels.SECTIONS["applicant"])),
            pdfs.Section("", application),
        ],
        verify_url,
        lang=_lang(),
        title_ja=_ja(title),
        footer=_footer(app),
        sample=sample,
    )


def _fee_items(app, values: dict) -> list[tuple[str, int]]:
    """The fee's items from the schedule in force on the day the application was received (Japan's date), as its
    signed total was (residence-procedures.md, "Fees": a dated schedule chosen by that day); the newest schedule
    would itemise an old application at new rates beside its old total. Items that do not add up to the signed
    total (a schedule that began between preparing and signing) are left out: the slip then shows the total only."""
    try:
        items = fees.lines(
            app.procedure, _bundled(app), values.get("reentry_type"), received_on=japan_date(app.submitted_at)
        )
    except fees.NoSchedule:
        return []
    return items if sum(yen for _, yen in items) == app.fee_yen else []


def fee_slip(app, paid_note: str | None, *, sample: bool = False) -> bytes:
    values = json.loads(app.form)
    rows = [row(_l("Receipt number"), app.receipt_number), row(_l("Bureau"), labels.label(labels.BUREAUS, app.bureau))]
    rows += [
        pdfs.Row(labels.label(labels.FEE_ITEMS, item), f"¥{yen:,}", _ja(labels.FEE_ITEMS.get(item, item)))
        for item, yen in _fee_items(app, values)
    ]
    rows.append(row(_l("Total"), f"¥{app.fee_yen:,}"))
    title = _l("Fee slip")
    return pdfs.fee_slip(
        str(title),
        rows,
        str(_l("Fee payable only if approved.")),
        paid=paid_note,
        lang=_lang(),
        title_ja=_ja(title),
        footer=_footer(app),
        sample=sample,
    )


def draft(r: dict, *, sample: bool = False) -> bytes:
    """The draft as it stands (``submission.review``'s answer), marked unsigned, with what is missing."""
    choice = r["choice"]
    head = [
        row(
            _l("Procedure"), " + ".join(labels.label(labels.PROCEDURES, p) for p in (choice.procedure, *choice.bundled))
        ),
        row(_l("Bureau"), labels.label(labels.BUREAUS, r["bureau"]) if r["bureau"] else "—"),
    ]
    sections = [pdfs.Section("", head)] + form_sections(r["values"], r.get("applicant") or {}, r.get("filer"))
    tail = []
    if r["errors"]:
        tail.append(row(_l("Still to complete"), ", ".join(str(labels.label(labels.FIELDS, k)) for k in r["errors"])))
    tail.append(row(_l("Fee (online rate, paid only if approved)"), f"¥{r['fee_total']:,}"))
    sections.append(pdfs.Section("", tail))
    title = _l("Draft application: not signed, not submitted")
    return pdfs.application_copy(str(title), sections, lang=_lang(), title_ja=_ja(title), sample=sample)


def payment_receipt(app, done, *, sample: bool = False) -> bytes:
    """The online payment's receipt (the same rows as payments.receipt_pdf)."""
    rows = [
        row(_l("Receipt number"), app.receipt_number or app.provisional_number),
        row(_l("Bureau"), labels.label(labels.BUREAUS, app.bureau)),
        row(_l("Procedure"), labels.label(labels.PROCEDURES, app.procedure)),
        row(_l("Amount paid"), f"¥{done.amount_yen:,}"),
        row(_l("Paid on"), done.paid_at),
        row(_l("Payment reference"), done.provider_reference),
        row(_l("Payment method"), _l("Card")),
        row(_l("Payment ID"), done.id),
    ]
    note = str(_l("DEMO payment — no money moved.")) if done.provider == "demo" else ""
    title = _l("Payment receipt: residence procedure fee")
    return pdfs.payment_receipt(
        str(title), rows, note, lang=_lang(), title_ja=_ja(title), footer=_footer(app), sample=sample
    )
