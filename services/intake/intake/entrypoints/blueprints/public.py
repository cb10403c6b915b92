"""Pages without login: home, language switch, public receipt verification."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from intake.application import following
from intake.domain import normalise
from zairyu_shared.events.contracts import LANGUAGES
from zairyu_shared.redirects import safe_next
from zairyu_shared.web import current_runtime

from ..applicant_session import tx
from ..limits import receipt_lookup

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/language")
def language():
    """Without JavaScript: a GET form on every page; ?lang= is remembered in a cookie by the app."""
    lang = request.args.get("lang")
    target = safe_next(request.args.get("next"), "/")
    if lang in LANGUAGES:
        sep = "&" if "?" in target else "?"
        return redirect(f"{target}{sep}lang={lang}")
    return redirect(target)


@bp.route("/verify", methods=["GET", "POST"])
@receipt_lookup
def verify():
    """Anyone (an employer, the police) shown an e-receipt checks it: pending or not, and since when.

    Needs the receipt number and the check code printed on the e-receipt (both in its QR link as ?n=&t=);
    without the right code the answer is the same as for a number that does not exist."""
    number = normalise.reference(request.form.get("receipt_number") or request.args.get("n") or "")
    code = request.form.get("code") or request.args.get("code") or request.args.get("t") or ""
    result = None
    if number:
        with tx() as db:
            result = following.public_status(db, number, code, current_runtime().settings.hashing_key)
    return render_template("verify.html", number=number, code=code, result=result, looked_up=bool(number))
