"""The DEMO provider's hosted checkout page ("DEMO payment — no money moves").

It stands where a real PSP's page would be: reached by redirect with an unguessable session id,
it knows nothing of the applicant's login, and it tells intake the outcome only through the
signed notification (adapters/demo_psp.py), then sends the applicant back to the return URL.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request

from intake.adapters.demo_psp import DemoProvider
from intake.application import paying
from zairyu_shared.web import current_runtime

bp = Blueprint("demo_psp", __name__, url_prefix="/demo-psp")


def _provider() -> DemoProvider:
    psp = paying.provider(current_runtime())
    if not isinstance(psp, DemoProvider):
        abort(404)  # a real provider is configured: this page does not exist
    return psp


@bp.route("/checkout/<token>", methods=["GET", "POST"])
def checkout(token):
    psp = _provider()
    with current_runtime().session_factory() as db:
        row = psp.load(db, token)
    if row is None:
        abort(404)
    error = None
    if row.status != "open":
        error = "demo_psp.closed"
    elif request.method == "POST":
        try:
            psp.complete(token, request.form.get("card_number", ""))
        except ValueError as exc:
            error = str(exc)
        except LookupError:
            error = "demo_psp.closed"
        else:
            return redirect(row.return_url)
    status = 200 if error is None else (409 if error == "demo_psp.closed" else 422)
    return render_template("demo_checkout.html", session=row, error=error), status
