"""Mailroom pages: cases by state, the envelope check, issuing, dispatch batches, scanning,
returns, and the carrier's CSV of delivery statuses."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from card_delivery.adapters import cards, pdf, repository
from card_delivery.application import carrier_import, transitions
from card_delivery.bootstrap import ports
from card_delivery.domain.case import ALLOWED, DeliveryError, EnvelopeRejected, IllegalTransition, State
from zairyu_shared.db import reading_session, transaction
from zairyu_shared.japan_time import japan_date

from .signin import signed_in

bp = Blueprint("mailroom", __name__, url_prefix="/mailroom")

STATE_LABELS = {
    State.AWAITING_ENVELOPE: _l("Awaiting envelope"),
    State.ENVELOPE_RECEIVED: _l("Envelope received"),
    State.CARD_ISSUED: _l("Card issued, ready to dispatch"),
    State.ADDRESS_FLAGGED: _l("Address flagged"),
    State.DISPATCHED: _l("Dispatched"),
    State.DELIVERED: _l("Delivered"),
    State.RETURNED: _l("Returned undelivered"),
    State.COUNTER_PICKUP: _l("For counter pickup"),
    State.AWAITING_VISIT: _l("Awaiting the applicant at the counter"),
    State.COLLECTED: _l("Collected at the counter"),
    State.DOCUMENT_READY: _l("Paper COE or certificate, ready to post"),
    State.POSTAGE_SHORTFALL: _l("Return postage short: waiting for the applicant"),
}
# What a case posts (DeliveryCase.kind).
KIND_LABELS = {
    "residence_card": _l("residence card"),
    "coe": _l("Certificate of Eligibility (paper)"),
    "employment_certificate": _l("Certificate of authorised employment (paper)"),
}

# The procedure by its name, as the official application forms call it (the case stores the contract's code).
PROCEDURE_LABELS = {
    "coe": _l("Certificate of Eligibility"),
    "change": _l("Change of status of residence"),
    "extension": _l("Extension of period of stay"),
    "acquisition": _l("Acquisition of status of residence"),
    "employment_certificate": _l("Certificate of authorised employment"),
}

# What each step of the history says (the history stores the domain's action names).
ACTION_LABELS = {
    "open": _l("Case opened"),
    "record_online_payment": _l("Fee paid online"),
    "receive_envelope": _l("Envelope received"),
    "record_postage_shortfall": _l("Return postage short: applicant asked to send the shortfall"),
    "issue_card": _l("Card issued"),
    "resolve_address": _l("Address decided"),
    "dispatch": _l("Dispatched"),
    "record_delivery": _l("Delivered"),
    "record_return": _l("Returned undelivered"),
    "hand_to_counter": _l("For counter pickup"),
    "hand_over": _l("Handed over at the counter"),
    "collect_at_counter": _l("Collected at the counter"),
}
STATE_NAMES = {state.value: label for state, label in STATE_LABELS.items()}


class EnvelopeForm(FlaskForm):
    fee_yen = IntegerField(
        _l("Fee paid (yen, revenue stamps on the slip)"),
        validators=[InputRequired(), NumberRange(min=0, max=1_000_000)],
    )
    old_card_number = StringField(_l("Old residence card number"), validators=[Optional(), Length(max=20)])


class PaidEnvelopeForm(FlaskForm):
    """The fee was paid online: no stamp amount to enter, but stamps found anyway must be said."""

    old_card_number = StringField(_l("Old residence card number"), validators=[Optional(), Length(max=20)])
    stamps_enclosed = BooleanField(_l("The envelope contains revenue stamps all the same"))


def envelope_form(case, **kw):
    return (PaidEnvelopeForm if case.paid_online else EnvelopeForm)(**kw)


class ActionForm(FlaskForm):
    """Buttons that need nothing but the CSRF token."""


class IssueForm(FlaskForm):
    """Issuing cancels the old card number at once and cannot be undone: the officer confirms, with the
    summary (holder, old number, kind of card) in front of them."""

    confirm = BooleanField(
        _l("I have checked the summary: issue the new card and cancel the old number"),
        validators=[DataRequired(message=_l("Tick the box to confirm: the old card number becomes invalid at once."))],
    )


class AddressForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        validators=[DataRequired()],
        choices=[
            SelectChoice("mail_registered", _l("Mail to the registered mailing address")),
            SelectChoice("mail_certificate", _l("Mail to the address in the signature certificate")),
            SelectChoice("counter_pickup", _l("Keep the card for pickup at the counter")),
        ],
    )
    note = TextAreaField(_l("Reason for the decision"), validators=[DataRequired(), Length(max=2000)])


class ShortfallForm(FlaskForm):
    shortfall_yen = IntegerField(
        _l("Missing return postage (yen)"), validators=[InputRequired(), NumberRange(min=1, max=10000)]
    )


class DispatchForm(FlaskForm):
    delivery_id = HiddenField()
    tracking_number = StringField(
        _l("Tracking number (scan or type, then Enter)"), validators=[DataRequired(), Length(max=40)]
    )


class ReturnForm(FlaskForm):
    reason = StringField(_l("Reason given by the carrier"), validators=[Optional(), Length(max=500)])


class CarrierCsvForm(FlaskForm):
    file = FileField(_l("Carrier CSV file"), validators=[FileRequired()])


def _runtime():
    return current_app.extensions["zairyu_runtime"]


def _officer() -> str:
    return g.officer.username


@bp.get("/")
@signed_in
def index():
    state = request.args.get("state")
    query = (request.args.get("q") or "").strip()[:100]
    with reading_session(_runtime().session_factory) as db:
        counts = repository.count_by_state(db)
        selected = State(state) if state in {s.value for s in State} else None
        cases = repository.in_state(db, selected) if selected else []
        found = repository.search(db, query) if query else None
    return render_template(
        "mailroom/index.html",
        counts=counts,
        labels=STATE_LABELS,
        selected=selected,
        cases=cases,
        reference=pdf.reference,
        kind_labels=KIND_LABELS,
        procedure_labels=PROCEDURE_LABELS,
        query=query,
        found=found,
    )


def _case_page(delivery_id, status=200, errors=None, forms=None):
    with reading_session(_runtime().session_factory) as db:
        try:
            case = repository.get(db, delivery_id)
        except repository.CaseNotFound:
            abort(404)
        history = repository.history(db, delivery_id)
        card_valid_until = cards.valid_until(db, case.card_number) if case.card_number else None
    # What the card about to be issued will say of its validity (the officer checks it before issuing).
    preview = transitions.validity_at_issue(case, japan_date(ports(_runtime()).clock()))
    forms = forms or {}
    forms.setdefault("envelope", envelope_form(case, formdata=None))
    forms.setdefault("address", AddressForm(formdata=None))
    forms.setdefault("dispatch", DispatchForm(formdata=None, delivery_id=delivery_id))
    forms.setdefault("return_", ReturnForm(formdata=None))
    forms.setdefault("action", ActionForm(formdata=None))
    forms.setdefault("issue", IssueForm(formdata=None))
    forms.setdefault("shortfall", ShortfallForm(formdata=None))
    allowed = {action for action, states in ALLOWED.items() if case.state in states}
    if case.is_document:
        allowed.discard("hand_to_counter")  # a returned document is posted again; the counter hands over cards
    return render_template(
        "mailroom/case.html",
        case=case,
        history=history,
        labels=STATE_LABELS,
        action_labels=ACTION_LABELS,
        state_names=STATE_NAMES,
        errors=errors or [],
        forms=forms,
        allowed=allowed,
        reference=pdf.reference,
        kind_labels=KIND_LABELS,
        procedure_labels=PROCEDURE_LABELS,
        card_valid_until=card_valid_until,
        preview_valid_until=preview.valid_until if preview else None,
    ), status


@bp.get("/cases/<delivery_id>/label.pdf")
@signed_in
def case_label_pdf(delivery_id):
    """One case's address label (a paper COE or certificate is posted on its own, not in a card batch)."""
    with reading_session(_runtime().session_factory) as db:
        try:
            case = repository.get(db, delivery_id)
        except repository.CaseNotFound:
            abort(404)
    return Response(
        pdf.address_labels([case]),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="label-{pdf.reference(delivery_id)}.pdf"'},
    )


@bp.get("/cases/<delivery_id>")
@signed_in
def case(delivery_id):
    return _case_page(delivery_id)


def _act(delivery_id, form_key, form, operation):
    """Validate the form, run the use case in one transaction, and show what went wrong if anything."""
    if not form.validate_on_submit():
        errors = [f"{form[name].label.text}: {msg}" for name, msgs in form.errors.items() for msg in msgs]
        return _case_page(delivery_id, 422, errors, {form_key: form})
    try:
        with transaction(_runtime().session_factory) as db:
            operation(db)
    except repository.CaseNotFound:
        abort(404)
    except EnvelopeRejected as exc:
        return _case_page(delivery_id, 422, exc.problems, {form_key: form})
    except IllegalTransition as exc:
        return _case_page(delivery_id, 409, [str(exc)], {form_key: form})
    except DeliveryError as exc:
        return _case_page(delivery_id, 422, [str(exc)], {form_key: form})
    return redirect(url_for("mailroom.case", delivery_id=delivery_id))


def _press(delivery_id, use_case):
    """A button that needs nothing but the CSRF token."""
    return _act(
        delivery_id, "action", ActionForm(), lambda db: use_case(_runtime(), db, delivery_id, officer=_officer())
    )


@bp.post("/cases/<delivery_id>/envelope")
@signed_in
def envelope(delivery_id):
    return _presented(delivery_id, transitions.receive_envelope)


def _presented(delivery_id, use_case):
    """The old card and the fee handed in (an envelope, or the applicant at the counter), checked by ``use_case``."""
    with reading_session(_runtime().session_factory) as db:
        try:
            case = repository.get(db, delivery_id)
        except repository.CaseNotFound:
            abort(404)
    form = envelope_form(case)
    paid_online = isinstance(form, PaidEnvelopeForm)
    # The form follows the case as the officer saw it; if fee.paid arrived meanwhile the domain still decides.
    return _act(
        delivery_id,
        "envelope",
        form,
        lambda db: use_case(
            _runtime(),
            db,
            delivery_id,
            fee_paid_yen=None if paid_online else form.fee_yen.data,
            stamps_enclosed=paid_online and form.stamps_enclosed.data,
            old_card_number=form.old_card_number.data,
            officer=_officer(),
        ),
    )


@bp.post("/cases/<delivery_id>/shortfall")
@signed_in
def shortfall(delivery_id):
    """The envelope came with too little return postage: held; the applicant is told what to send."""
    form = ShortfallForm()
    return _act(
        delivery_id,
        "shortfall",
        form,
        lambda db: transitions.record_postage_shortfall(
            _runtime(), db, delivery_id, shortfall_yen=form.shortfall_yen.data, officer=_officer()
        ),
    )


@bp.post("/cases/<delivery_id>/issue")
@signed_in
def issue(delivery_id):
    return _act(
        delivery_id,
        "issue",
        IssueForm(),
        lambda db: transitions.issue_card(_runtime(), db, delivery_id, officer=_officer()),
    )


@bp.post("/cases/<delivery_id>/address")
@signed_in
def address(delivery_id):
    form = AddressForm()
    return _act(
        delivery_id,
        "address",
        form,
        lambda db: transitions.resolve_address(
            _runtime(), db, delivery_id, decision=form.decision.data, note=form.note.data, officer=_officer()
        ),
    )


@bp.post("/cases/<delivery_id>/dispatch")
@signed_in
def dispatch(delivery_id):
    form = DispatchForm()
    return _act(
        delivery_id,
        "dispatch",
        form,
        lambda db: transitions.dispatch(
            _runtime(), db, delivery_id, tracking_number=form.tracking_number.data, officer=_officer()
        ),
    )


@bp.post("/cases/<delivery_id>/delivered")
@signed_in
def delivered(delivery_id):
    return _press(delivery_id, transitions.record_delivery)


@bp.post("/cases/<delivery_id>/return")
@signed_in
def returned(delivery_id):
    form = ReturnForm()
    return _act(
        delivery_id,
        "return_",
        form,
        lambda db: transitions.record_return(
            _runtime(), db, delivery_id, reason=form.reason.data or "", officer=_officer()
        ),
    )


@bp.post("/cases/<delivery_id>/counter")
@signed_in
def counter(delivery_id):
    return _press(delivery_id, transitions.hand_to_counter)


@bp.post("/cases/<delivery_id>/hand-over")
@signed_in
def hand_over(delivery_id):
    return _press(delivery_id, transitions.hand_over)


@bp.post("/cases/<delivery_id>/collect")
@signed_in
def collect(delivery_id):
    """The applicant at the counter: the same checks as an envelope's, then the card is issued and handed over."""
    return _presented(delivery_id, transitions.collect_at_counter)


# -- dispatch batches ----------------------------------------------------------------------
def _batch(number: int):
    size = _runtime().settings.dispatch_batch_size
    with reading_session(_runtime().session_factory) as db:
        return repository.in_state(db, State.CARD_ISSUED, limit=size, offset=(number - 1) * size)


@bp.get("/dispatch")
@signed_in
def dispatch_batches():
    size = _runtime().settings.dispatch_batch_size
    with reading_session(_runtime().session_factory) as db:
        ready = repository.count_by_state(db)[State.CARD_ISSUED]
    batches = [(n, (n - 1) * size + 1, min(n * size, ready)) for n in range(1, (ready + size - 1) // size + 1)]
    return render_template("mailroom/dispatch.html", ready=ready, batches=batches)


@bp.get("/dispatch/batch/<int:number>/list.pdf")
@signed_in
def dispatch_list_pdf(number):
    body = pdf.dispatch_list(_batch(max(number, 1)), number, ports(_runtime()).clock())
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="dispatch-list-{number}.pdf"'},
    )


@bp.get("/dispatch/batch/<int:number>/labels.pdf")
@signed_in
def labels_pdf(number):
    body = pdf.address_labels(_batch(max(number, 1)))
    return Response(
        body, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="labels-{number}.pdf"'}
    )


@bp.route("/dispatch/scan", methods=["GET", "POST"])
@signed_in
def scan():
    """One card at a time in label order: the scanner types the tracking number and Enter posts it."""
    form = DispatchForm()
    errors = []
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                with transaction(_runtime().session_factory) as db:
                    done = transitions.dispatch(
                        _runtime(),
                        db,
                        form.delivery_id.data,
                        tracking_number=form.tracking_number.data,
                        officer=_officer(),
                    )
                flash(
                    _(
                        "Dispatched %(ref)s with tracking number %(tracking)s.",
                        ref=pdf.reference(done.delivery_id),
                        tracking=done.tracking_number,
                    )
                )
                return redirect(url_for("mailroom.scan"))
            except repository.CaseNotFound:
                abort(404)
            except DeliveryError as exc:
                errors.append(str(exc))
        else:
            errors = [msg for msgs in form.errors.values() for msg in msgs]
    next_case = _batch(1)[:1]
    next_case = next_case[0] if next_case else None
    picked = request.args.get("ref")
    if picked and request.method == "GET":  # the label's barcode scanned: that card, not the next one
        with reading_session(_runtime().session_factory) as db:
            next_case = repository.find_by_reference(db, picked, State.CARD_ISSUED)
        if next_case is None:
            errors.append(_("No card ready for dispatch has the reference %(ref)s.", ref=picked))
    if next_case is not None and not errors:
        form = DispatchForm(formdata=None, delivery_id=next_case.delivery_id)
    elif errors and form.delivery_id.data:
        with reading_session(_runtime().session_factory) as db:
            try:
                next_case = repository.get(db, form.delivery_id.data)
            except repository.CaseNotFound:
                abort(404)
    return render_template("mailroom/scan.html", form=form, case=next_case, errors=errors, reference=pdf.reference), (
        422 if errors else 200
    )


# -- carrier statuses ----------------------------------------------------------------------
@bp.route("/carrier-import", methods=["GET", "POST"])
@signed_in
def carrier_csv():
    form = CarrierCsvForm()
    report = None
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None:
            report = carrier_import.Report(errors=[carrier_import.RowError(0, _("The file is not UTF-8 text."))])
        else:
            report = carrier_import.run(_runtime(), text, officer=_officer())
    status = 200 if report is None or not report.errors else 422
    return render_template("mailroom/carrier_import.html", form=form, report=report), status
