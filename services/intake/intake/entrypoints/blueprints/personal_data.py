"""People's requests about their data: a copy of everything held (APPI art. 76), closing the account."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, render_template, request, session, url_for

from intake.application import closing, personal_data
from intake.bootstrap import ports
from zairyu_shared.flask_translations import page_language
from zairyu_shared.web import current_runtime

from .. import data_export
from ..applicant_session import login_required, pdf_response, tx

bp = Blueprint("personal_data", __name__)


@bp.post("/account/data-export")
@login_required
def request_export():
    with tx() as db:
        personal_data.request_export(current_runtime(), db, g.applicant_id, page_language())
    return redirect(url_for("auth.account") + "#your-data")


def _export(export_id: str) -> dict:
    with tx() as db:
        export = personal_data.assemble(db, g.applicant_id, export_id)
    if export is None:  # someone else's, unknown, or not complete yet: the same answer
        abort(404)
    return export


@bp.get("/account/data-export/<export_id>.json")
@login_required
def download_json(export_id: str):
    return Response(
        data_export.to_json(_export(export_id)),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="zairyu-data-{export_id[:8]}.json"'},
    )


@bp.get("/account/data-export/<export_id>.pdf")
@login_required
def download_pdf(export_id: str):
    export = _export(export_id)
    return pdf_response(data_export.to_pdf(export, page_language()), f"zairyu-data-{export_id[:8]}.pdf")


@bp.get("/account/close")
@login_required
def close_account_page():
    with tx() as db:
        plan = closing.plan(db, g.applicant_id)
    return render_template("account_close.html", plan=plan, done=False)


@bp.post("/account/close")
@login_required
def close_account():
    try:
        with tx() as db:
            plan = closing.close(current_runtime(), db, g.applicant_id, ports(current_runtime()).store)
    except closing.StillOpen:
        return redirect(url_for("personal_data.close_account_page"))
    session.clear()  # signed out: the account can no longer be signed in to
    return render_template("account_close.html", plan=plan, done=True)


@bp.post("/account/language")
@login_required
def change_language():
    with tx() as db:
        personal_data.change_language(current_runtime(), db, g.applicant_id, request.form.get("language", ""))
    return redirect(url_for("auth.account"))
