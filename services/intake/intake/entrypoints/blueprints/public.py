"""Pages without login: home, language switch, public receipt verification."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from intake.application import following
from intake.domain import normalise
from zairyu_shared.events.contracts import LANGUAGES

from ..limits import PUBLIC_LOOKUP, limiter
from ..web_support import runtime, safe_next, tx

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/language")
def language():
    """Without JavaScript: a GET form on every page; ?lang= is remembered in a cookie by the app."""
    lang = request.args.get("lang")
    target = safe_next(request.args.get("next"))
    if lang in LANGUAGES:
        sep = "&" if "?" in target else "?"
        return redirect(f"{target}{sep}lang={lang}")
    return redirect(target)


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(PUBLIC_LOOKUP, methods=["POST"])
def verify():
    """Anyone (an employer, the police) checks a receipt number: pending or not, and since when."""
    number = normalise.reference(request.form.get("receipt_number") or request.args.get("n") or "")
    result = None
    authentic = None
    if number:
        with tx() as db:
            result = following.public_status(db, number)
        token = request.args.get("t")
        if token and result is not None:
            import hmac

            expected = following.receipt_token(runtime().settings.secret_key, number)
            authentic = hmac.compare_digest(token, expected)
    return render_template("verify.html", number=number, result=result, looked_up=bool(number), authentic=authentic)
