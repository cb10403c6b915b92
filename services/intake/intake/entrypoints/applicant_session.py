"""The applicant's signed-in session (log in and out, ``login_required``, the person behind it), with what
every blueprint uses beside it: one transaction per action, PDF answers (the runtime is
``zairyu_shared.web.current_runtime()``, safe redirects ``zairyu_shared.redirects.safe_next``)."""

from __future__ import annotations

import functools
from contextlib import contextmanager

from flask import Response, abort, g, redirect, request, session, url_for

from intake.application import accounts
from zairyu_shared import redirects
from zairyu_shared.db import reading_session, transaction
from zairyu_shared.web import current_runtime


@contextmanager
def tx():
    with transaction(current_runtime().session_factory) as db:
        yield db


@contextmanager
def reading():
    """A session for reads alone (no BEGIN or COMMIT sent): the session check every signed-in request makes is one
    SELECT, three transactions an application before (issue 24)."""
    with reading_session(current_runtime().session_factory) as db:
        yield db


def log_in(applicant_id: str, *, pending_totp: bool = False) -> None:
    """A fresh session on every login (no fixation); ``pending_totp`` until the second factor."""
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    if lang:
        session["lang"] = lang
    session["pending" if pending_totp else "applicant_id"] = applicant_id
    with reading() as db:
        session["epoch"] = accounts.session_epoch(db, applicant_id)


def log_out() -> None:
    """Signing out ends the account's sessions everywhere: a copied cookie must not stay signed in."""
    who = applicant_id()  # only a live session may end them
    if who:
        with tx() as db:
            accounts.end_sessions(db, who)
    session.clear()


def keep_signed_in(who: str, epoch: int | None) -> None:
    """After a change that ended every session of ``who`` (new e-mail address, new password), this browser's
    session, if it was ``who``'s, takes the new generation and stays; the others end at their next request."""
    if epoch is not None and session.get("applicant_id") == who:
        session["epoch"] = epoch
        g.checked_epoch = epoch


def applicant_id() -> str | None:
    """The logged-in applicant, if the session is still valid (no password change since it began)."""
    who = session.get("applicant_id")
    if not who:
        return None
    if "checked_epoch" not in g:
        with reading() as db:
            g.checked_epoch = accounts.session_epoch(db, who)
    if g.checked_epoch is None or g.checked_epoch != session.get("epoch"):
        session.clear()
        return None
    return who


def login_required(view, *, answer_401: bool = False):
    """Logged-in applicants only. Others go to the login page, which brings them back where they were:
    the page itself for a GET; for a form posted after the session ended, the page the form was on (the
    POST's own path may be an endpoint without a page). answer_401: for calls made by scripts (autosave),
    which must learn that nothing was saved rather than follow a redirect to a login page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not applicant_id():
            if answer_401 or request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("auth.login", next=_return_to()))
        g.applicant_id = applicant_id()
        return view(*args, **kwargs)

    return wrapper


def _return_to() -> str:
    if request.method == "GET":
        return request.full_path if request.query_string else request.path
    return redirects.safe_back(request.referrer, request.host, request.path)


def person(db):
    row = accounts.get(db, g.applicant_id)
    if row is None:  # deleted account with a live session
        log_out()
        abort(401)
    return row


def pdf_response(data: bytes, filename: str) -> Response:
    """A generated PDF shown in the browser (the applicant saves or prints it from there)."""
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})
