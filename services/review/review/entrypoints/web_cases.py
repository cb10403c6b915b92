"""The work queue, workload, the case page and the officers' actions."""

from __future__ import annotations

from datetime import date
from functools import partial

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from review.adapters import audit, queries
from review.adapters.intake_client import AttachmentCorrupt, AttachmentUnavailable
from review.application import casework, handover
from review.bootstrap import ports
from review.domain import statistics
from review.domain.bureaus import BUREAUS
from review.domain.case import FourEyesViolation, IllegalTransition, Proposal, Status
from review.domain.form_order import ordered
from review.domain.offices import OFFICES, IllegalHandOver, offices_of
from review.domain.roles import Action, Forbidden, can, in_scope
from zairyu_shared.db import reading, transaction
from zairyu_shared.events.contracts import PROCEDURES
from zairyu_shared.events.vocabulary import DOCUMENT_KINDS, REFUSAL_REASONS
from zairyu_shared.japan_time import japan_today

from .label_markers import PART_TITLES
from .labels import choice_labels, translated
from .web_access import ask_purpose, case_purpose
from .web_auth import client_ip, login_required, runtime

bp = Blueprint("cases", __name__)
PAGE = 50


def officer_bureau(requested: str | None = None) -> str:
    """The bureau whose queue is shown: one's own; a national auditor picks one."""
    officer = g.officer
    if officer.bureau is not None:
        return officer.bureau
    return requested if requested in BUREAUS else "tokyo"


def officer_office(bureau: str, requested: str | None = None) -> str | None:
    """The office filter: an office officer always sees their office; a bureau-wide officer may narrow
    the bureau's view to one of its offices or to the bureau's own cases (queries.AT_BUREAU)."""
    if g.officer.office is not None:
        return g.officer.office
    if requested == queries.AT_BUREAU or (requested in OFFICES and OFFICES[requested].bureau == bureau):
        return requested
    return None


def page_office(office: str | None) -> str | None:
    """The office a page's permission check is about (None: the bureau as a whole)."""
    return None if office == queries.AT_BUREAU else office


def queue_filter(args) -> queries.QueueFilter:
    def date_or_none(text):
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            return None

    status = args.get("status") or None
    bureau = officer_bureau(args.get("bureau"))
    return queries.QueueFilter(
        bureau=bureau,
        office=officer_office(bureau, args.get("office")),
        status=status if status in {s.value for s in Status} else None,
        procedure=args.get("procedure") if args.get("procedure") in PROCEDURES else None,
        status_of_residence=(args.get("status_of_residence") or "").strip() or None,
        nationality=(args.get("nationality") or "").strip() or None,
        min_age_days=int(args["min_age"]) if (args.get("min_age") or "").isdigit() else None,
        expiry_before=date_or_none(args.get("expiry_before")),
        assignee=g.officer.id if args.get("mine") else None,
        sort=args.get("sort") if args.get("sort") in queries.SORTS else "received",
    )


def with_ageing(rows):
    today = japan_today()  # a case's age in Japanese calendar days, as the targets are counted
    targets = runtime().settings.targets()
    for r in rows:
        r["ageing"] = statistics.ageing(r["procedure"], r["received_at"], today, targets)
    return rows


@bp.get("/queue")
@login_required
def queue():
    f = queue_filter(request.args)
    if not can(g.officer, Action.VIEW_QUEUE, f.bureau, office=page_office(f.office)):
        abort(403)
    rt = runtime()
    with reading(rt.engine) as conn:
        try:
            rows, next_cursor = queries.queue_page(conn, f, request.args.get("after"), PAGE)
        except (ValueError, TypeError):  # a mangled cursor
            abort(400)
        names = queries.officer_names(conn, f.bureau)
    args = {k: v for k, v in request.args.items() if k != "after"}
    return render_template(
        "queue.html",
        rows=with_ageing(rows),
        names=names,
        labels=translated(),
        f=f,
        args=args,
        next_cursor=next_cursor,
        statuses=[s.value for s in Status],
        procedures=PROCEDURES[:5],
        bureaus=BUREAUS,
        offices=OFFICES,
        bureau_offices=offices_of(f.bureau),
        at_bureau=queries.AT_BUREAU,
    )


@bp.get("/workload")
@login_required
def workload():
    bureau = officer_bureau(request.args.get("bureau"))
    office = officer_office(bureau, request.args.get("office"))
    if not can(g.officer, Action.VIEW_WORKLOAD, bureau, office=page_office(office)):
        abort(403)
    with reading(runtime().engine) as conn:
        people = queries.workload(conn, bureau, office)
        unassigned = queries.unassigned_count(conn, bureau, office)
        ageing = queries.ageing_summary(conn, bureau, runtime().settings.targets(), office)
    return render_template(
        "workload.html",
        people=people,
        unassigned=unassigned,
        bureau=bureau,
        bureaus=BUREAUS,
        ageing=ageing,
        office=office,
        offices=OFFICES,
        bureau_offices=offices_of(bureau),
        at_bureau=queries.AT_BUREAU,
        may_hand_over=can(g.officer, Action.HAND_OVER, bureau),
    )


def _case_or_404(conn, application_id):
    try:
        with transaction(runtime().session_factory) as s:
            row = casework.load_case(s, application_id)
    except casework.NotFound:
        abort(404)
    if not in_scope(g.officer, row.bureau, row.office):
        abort(404)  # another bureau's (or another office's) case does not exist for this officer
    if not can(g.officer, Action.VIEW_CASE, row.bureau, office=row.office):
        abort(403)
    return row


def _may_examine(person: dict, row) -> bool:
    """Whom a case can be assigned to: the bureau's examiners and supervisors who can see it where it is."""
    return person["office"] is None or person["office"] == row.office


@bp.get("/cases/<application_id>")
@login_required
def case(application_id):
    rt = runtime()
    with reading(rt.engine) as conn:
        row = _case_or_404(conn, application_id)
        purpose = case_purpose(application_id)
        if purpose is None:  # no read without a purpose (issue 22): ask first, show nothing of the file
            return ask_purpose(application_id, row.receipt_number)
        file = queries.case_file(conn, application_id)
        # Earlier applications elsewhere are another bureau's business: not even their numbers show.
        file["earlier"] = [e for e in file["earlier"] if in_scope(g.officer, e["bureau"], e["office"])]
        examiners = (
            [p for p in queries.workload(conn, row.bureau) if _may_examine(p, row)]
            if can(g.officer, Action.ASSIGN, row.bureau, office=row.office)
            else []
        )
        names = queries.officer_names(conn, row.bureau)
    with transaction(rt.session_factory) as s:
        audit.append(
            s,
            g.officer.id,
            "case.viewed",
            bureau=row.bureau,
            application_id=application_id,
            ip=client_ip(),
            purpose=purpose,
        )
    officer = g.officer
    allowed = {a.value: can(officer, a, row.bureau, row.assignee, row.office) for a in Action}
    proposal = next((p for p in file["proposals"] if p["resolution"] is None), None)
    signed = file["form"] or {}
    values = signed.get("form", signed) if isinstance(signed.get("form", signed), dict) else {}
    # The filer's typed applicant identity is part of the form; a self-filer's identity is the account's.
    identity = None if signed.get("filer") else signed.get("applicant")
    return render_template(
        "case.html",
        form_parts=ordered(values, identity=identity, proxy=bool(signed.get("filer"))),
        part_titles=PART_TITLES,
        c=file,
        allowed=allowed,
        proposal=proposal,
        examiners=examiners,
        names=names,
        offices=OFFICES,
        bureau_offices=offices_of(row.bureau),
        data_labels=translated(),
        choices=choice_labels(),
        ageing=statistics.ageing(file["procedure"], file["received_at"], japan_today(), runtime().settings.targets()),
    )


@bp.get("/cases/<application_id>/attachments/<sha256>")
@login_required
def attachment(application_id, sha256):
    rt = runtime()
    with reading(rt.engine) as conn:
        row = _case_or_404(conn, application_id)
        purpose = case_purpose(application_id)
        if purpose is None:
            return ask_purpose(application_id, row.receipt_number)
        file = queries.case_file(conn, application_id)
    known = {a["sha256"]: a for a in file["attachments"]}
    for r in file["requests"]:
        known.update({a["sha256"]: a for a in r["answer_attachments"]})
    if sha256 not in known:
        abort(404)
    try:
        body = ports(rt).attachments.fetch(sha256)
    except AttachmentCorrupt:
        return render_template(
            "error.html", code=502, message=_("The file received does not match what the applicant signed.")
        ), 502
    except AttachmentUnavailable:
        return render_template("error.html", code=503, message=_("The file store is not reachable.")), 503
    with transaction(rt.session_factory) as s:
        audit.append(
            s,
            g.officer.id,
            "attachment.viewed",
            bureau=row.bureau,
            application_id=application_id,
            target=sha256,
            ip=client_ip(),
            purpose=purpose,
        )
    response = Response(body, mimetype=known[sha256]["media_type"])
    response.headers["Content-Disposition"] = "inline"
    # Nothing in an applicant's file may run in our origin. Images get a sandbox; browsers refuse to
    # show PDFs in a sandboxed document, so a PDF gets everything else ('none' but the viewer itself).
    if response.mimetype == "application/pdf":
        response.headers["Content-Security-Policy"] = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
    else:
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    return response


# --- actions ----------------------------------------------------------------------------------------
def _act(application_id, func, *args, success):
    version = request.form.get("version", type=int)
    try:
        with transaction(runtime().session_factory) as s:
            func(runtime(), s, g.officer, application_id, *args, version=version, ip=client_ip())
        flash(success, "success")
    except casework.NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except casework.Conflict:
        flash(_("Someone else changed this case meanwhile. Check the page and try again."), "error")
    except casework.NotAcknowledged:
        flash(_("Tick the box to confirm that you checked the proposed decision: it is announced at once."), "error")
    except FourEyesViolation:
        flash(_("A decision must be confirmed by a supervisor other than the one who proposed it."), "error")
    except IllegalTransition as exc:
        flash(_("Not possible in the case's current state (%(state)s).", state=exc.status.value), "error")
    except IllegalHandOver:
        flash(_("A case can go only to an office of its own bureau, and only while it is open."), "error")
    except ValueError as exc:
        flash(str(exc), "error")
    return redirect(url_for("cases.case", application_id=application_id))


@bp.post("/cases/<application_id>/claim")
@login_required
def claim(application_id):
    return _act(application_id, casework.claim, success=_("The case is now yours."))


@bp.post("/cases/<application_id>/assign")
@login_required
def assign(application_id):
    return _act(application_id, casework.assign, request.form.get("examiner", ""), success=_("Assigned."))


@bp.post("/cases/<application_id>/resume")
@login_required
def resume(application_id):
    return _act(application_id, casework.resume_examination, success=_("Examination resumed."))


@bp.post("/cases/<application_id>/request-documents")
@login_required
def request_documents(application_id):
    # Coded kinds of documents (the applicant reads them in their language); the note is free Japanese text.
    # (none chosen, or "other" without a note: refused by casework after the access checks, as a flash)
    kinds = [k for k in dict.fromkeys(request.form.getlist("kinds")) if k in DOCUMENT_KINDS]
    note = request.form.get("message", "").strip()[:4000]
    items = [{"code": k, "description": DOCUMENT_KINDS[k][0]} for k in kinds]
    try:
        deadline = date.fromisoformat(request.form.get("deadline", ""))
    except ValueError:
        flash(_("Enter the deadline as a date."), "error")
        return redirect(url_for("cases.case", application_id=application_id))
    return _act(
        application_id,
        casework.request_documents,
        items,
        note,
        deadline,
        success=_("Documents requested; the applicant is told in their language."),
    )


@bp.post("/cases/<application_id>/notes")
@login_required
def add_note(application_id):
    try:
        with transaction(runtime().session_factory) as s:
            casework.add_note(runtime(), s, g.officer, application_id, request.form.get("body", ""), ip=client_ip())
    except casework.NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except ValueError:
        flash(_("A note needs text."), "error")
    return redirect(url_for("cases.case", application_id=application_id))


def _reason_codes(form) -> tuple[str, ...]:
    """The grounds ticked (vocabulary.REFUSAL_REASONS; an older client's comma-separated field read the same way);
    a code outside the vocabulary is refused, so that every refusal reaches the applicant in their language."""
    codes = tuple(dict.fromkeys(c.strip() for raw in form.getlist("reason_codes") for c in raw.split(",") if c.strip()))
    if any(code not in REFUSAL_REASONS for code in codes):
        raise ValueError("unknown ground of refusal")
    return codes


@bp.post("/cases/<application_id>/propose")
@login_required
def propose(application_id):
    form = request.form
    try:
        approved = form.get("outcome") == "approved"  # the pickers only count for an approval
        proposal = Proposal(
            form.get("outcome", ""),
            g.officer.id,
            (form.get("granted_status") or None) if approved else None,
            (form.get("period_of_stay") or None) if approved else None,
            _reason_codes(form),
            form.get("explanation", ""),
        )
    except ValueError:
        flash(
            _(
                "An approval needs the granted status and period of stay; a refusal needs at least one ground "
                "and an explanation."
            ),
            "error",
        )
        return redirect(url_for("cases.case", application_id=application_id))
    # The page's pickers give codes: free text is refused (after the access checks) so v3 carries codes.
    return _act(
        application_id,
        partial(casework.propose, coded=True),
        proposal,
        success=_("Decision proposed for confirmation."),
    )


@bp.post("/cases/<application_id>/confirm")
@login_required
def confirm(application_id):
    acknowledged = request.form.get("acknowledge") == "yes"
    return _act(
        application_id,
        partial(casework.confirm, acknowledged=acknowledged),
        success=_("Decision confirmed and announced."),
    )


@bp.post("/cases/<application_id>/return")
@login_required
def return_proposal(application_id):
    return _act(
        application_id, casework.return_proposal, request.form.get("reason", ""), success=_("Returned to examination.")
    )


@bp.post("/cases/<application_id>/acknowledge-withdrawal")
@login_required
def acknowledge_withdrawal(application_id):
    return _act(application_id, casework.acknowledge_withdrawal, success=_("Withdrawal acknowledged; case closed."))


@bp.post("/cases/<application_id>/corrections/<correction_id>/handled")
@login_required
def correction_handled(application_id, correction_id):
    try:
        with transaction(runtime().session_factory) as s:
            casework.handle_correction(runtime(), s, g.officer, application_id, correction_id, ip=client_ip())
    except casework.NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    return redirect(url_for("cases.case", application_id=application_id))


# --- hand-over to an office (bureau supervisors and administrators) ----------------------------------
def _target_office() -> str | None:
    office = request.form.get("office", "")
    return None if office in ("", queries.AT_BUREAU) else office


@bp.post("/cases/<application_id>/office")
@login_required
def hand_over(application_id):
    return _act(application_id, handover.hand_over, _target_office(), success=_("The case was handed over."))


@bp.post("/handover")
@login_required
def hand_over_by_receipt():
    """From the workload page: administrators have no case pages, so they hand over by receipt number."""
    receipt = request.form.get("receipt_number", "")[:40]
    back = redirect(url_for("cases.workload"))
    try:
        with transaction(runtime().session_factory) as s:
            application_id = handover.case_id_by_receipt(s, receipt)
            handover.hand_over(runtime(), s, g.officer, application_id, _target_office(), ip=client_ip())
        flash(_("The case was handed over."), "success")
    except (casework.NotFound, Forbidden):
        flash(_("No case with that receipt number in your bureau."), "error")
    except IllegalHandOver:
        flash(_("A case can go only to an office of its own bureau, and only while it is open."), "error")
    except casework.Conflict:
        flash(_("Someone else changed this case meanwhile. Check the page and try again."), "error")
    return back
