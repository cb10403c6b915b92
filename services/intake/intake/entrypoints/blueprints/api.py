"""JSON API /api/v1: the same operations as the pages, for apps and the desktop signer.

Cookie session auth; CSRF tokens are not used here, instead every state-changing call must carry
the header ``X-Zairyu-Api: 1`` (a cross-site form cannot set it without a CORS preflight, which
we never grant). The signer's endpoints are authorised by the one-time code itself.
"""

from __future__ import annotations

import base64
import binascii
from functools import cache

from flask import Blueprint, abort, g, jsonify, request, url_for
from marshmallow import ValidationError

from intake.adapters.upload_checks import UploadRefused
from intake.application import accounts, draft_limits, drafting, following, paying, signing_requests, submission
from intake.application.common import normalise_code, today_jst
from intake.domain import fees, form, normalise, procedures, timing
from intake.domain.refusal import from_date_of
from zairyu_shared.web import current_runtime

from .. import api_schemas as s
from .. import labels
from ..applicant_session import log_in, log_out, login_required, person, reading, tx
from ..limits import LOGIN, REGISTER, SIGNER, CodeGuesses, limiter, receipt_lookup
from ..messages import message

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _require_api_header():
    # The signer's endpoints are authorised by the one-time code, not by a cookie: no CSRF risk, and
    # the desktop signer (signing/adapters/signing_requests.py) sends no custom header.
    if request.endpoint in ("api.post_signature",):
        return None
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.headers.get("X-Zairyu-Api") != "1":
        return _error("api.header_missing", 400)
    return None


def _error(key: str, status: int, **extra):
    return jsonify(error=key, message=message(key), **extra), status


def _load(schema, data=None):
    if data is None:
        data = request.get_json(silent=True) if request.is_json else None
        if not isinstance(data, dict):
            abort(_error_response("error.invalid", 400))
    try:
        return _schema(schema).load(data)
    except ValidationError as exc:
        abort(_error_response("error.invalid", 422, fields=exc.messages))


@cache
def _schema(schema):
    """One instance per request schema, reused (building one costs more than a load; loads share it safely)."""
    return schema()


def _error_response(key, status, **extra):
    resp = jsonify(error=key, message=message(key), **extra)
    resp.status_code = status
    return resp


@bp.get("/openapi.json")
def openapi():
    return jsonify(s.build_spec())


# --- session --------------------------------------------------------------------------------------
@bp.post("/session")
@limiter.limit(LOGIN)
def session_login():
    data = _load(s.Login)
    with tx() as db:
        who, error = accounts.password_login(current_runtime(), db, data["email"], data["password"])
        if (
            who is not None
            and who.totp_secret
            and not accounts.check_totp(db, who.id, data.get("totp") or "", current_runtime().settings)
        ):
            who, error = None, "totp.wrong_code"
    if who is None:
        return _error(error, 401)
    log_in(who.id)
    return jsonify(applicant_id=who.id)


@bp.delete("/session")
def session_logout():
    log_out()
    return "", 204


# --- eligibility and drafts -------------------------------------------------------------------------
@bp.post("/eligibility")
def eligibility():
    data = _load(s.EligibilityIn)
    req = procedures.Request(
        data["procedure"],
        tuple(data["bundled"]),
        data["current_status"],
        data["desired_status"],
        data["period_expiry"],
        data["event_date"],
        data["filer_role"],
        period_of_stay_months=timing.period_months(data["period_of_stay"]),
        early_filing_reason=data["early_filing_reason"],
        designated_basis=data["designated_basis"],
        notice_number=data["notice_number"],
        filer_born=data["date_of_birth"],
    )
    today = today_jst()
    verdict = procedures.check(req, today)
    out = {
        "eligible": verdict.eligible,
        "problems": [_problem(f, k) for f, k in verdict.problems],
        "flags": verdict.flags,
        "advice": [{"key": k, "message": message(k)} for k in verdict.advice],
    }
    if data["procedure"] in procedures.MAIN:
        out["fee_yen"] = fees.total(
            data["procedure"], [b for b in data["bundled"] if b in procedures.BUNDLED_ONLY], received_on=today
        )
    return jsonify(s.EligibilityOut().dump(out))


def _problem(field_name: str, key: str) -> dict:
    when = from_date_of(key)
    out = {"field": field_name, "key": str(key), "message": message(key)}
    if when is not None:
        out["from_date"] = when.isoformat()
    return out


def _draft_out(db, draft):
    choice = drafting.choice_of(draft)
    _, errors = form.validate(choice, drafting.data(draft), today_jst())
    files = drafting.attachments_of_draft(db, g.applicant_id, draft.id)
    return s.DraftOut().dump(
        {
            "id": draft.id,
            "procedure": draft.procedure,
            "bundled": list(choice.bundled),
            "filer_role": choice.filer_role,
            "sections": {
                name: [f.name for f in form.fields_for(choice, name)]
                for name in form.sections_for(choice, _governing(choice, drafting.data(draft)))
            },
            "fields_": drafting.data(draft),
            "errors": errors,
            "attachments": [
                {"id": f.id, "sha256": f.sha256, "kind": f.kind, "size": f.size, "media_type": f.media_type}
                for f in files
            ],
        }
    )


def _governing(choice, raw):
    return raw.get("desired_status") if procedures.needs_desired_status(choice.procedure) else raw.get("current_status")


@bp.post("/drafts")
@login_required
def create_draft():
    data = _load(s.DraftIn)
    try:
        with tx() as db:
            draft_id = drafting.create(db, g.applicant_id, data["procedure"], data["bundled"], data["filer_role"])
            if data["fields_"]:
                drafting.save(db, g.applicant_id, draft_id, data["fields_"])
            return jsonify(_draft_out(db, drafting.get(db, g.applicant_id, draft_id))), 201
    except drafting.DraftError as exc:
        return _error(exc.key, 422)
    except draft_limits.DraftRefused as exc:  # the whole draft is not created
        return _error(exc.key, 422, fields={k: message(v) for k, v in exc.errors.items()})


def _own_draft(db, draft_id):
    draft = drafting.get(db, g.applicant_id, draft_id)
    if draft is None or draft.submitted_application_id:
        abort(_error_response("error.not_found", 404))
    return draft


@bp.get("/drafts/<draft_id>")
@login_required
def get_draft(draft_id):
    with tx() as db:
        return jsonify(_draft_out(db, _own_draft(db, draft_id)))


@bp.put("/drafts/<draft_id>")
@login_required
def save_draft(draft_id):
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        return _error("error.invalid", 400)  # not JSON, unreadable, empty, null or not an object
    fields = body.get("fields")
    if not isinstance(fields, dict) or not all(isinstance(v, (str, int, float)) for v in fields.values()):
        return _error("error.invalid", 422, fields={"fields": "an object of field name -> text"})
    try:
        with tx() as db:
            _own_draft(db, draft_id)
            drafting.save(db, g.applicant_id, draft_id, {str(k): str(v) for k, v in fields.items()})
            return jsonify(_draft_out(db, drafting.get(db, g.applicant_id, draft_id)))
    except draft_limits.DraftRefused as exc:  # nothing saved
        return _error(exc.key, 422, fields={k: message(v) for k, v in exc.errors.items()})


@bp.post("/drafts/<draft_id>/attachments")
@login_required
def upload(draft_id):
    upload = request.files.get("file")
    try:
        if upload is None:
            raise UploadRefused("upload.empty")
        with tx() as db:
            _own_draft(db, draft_id)
            row = drafting.add_attachment(
                current_runtime(),
                db,
                g.applicant_id,
                upload.read(),
                request.form.get("kind", ""),
                upload.filename,
                draft_id=draft_id,
            )
    except UploadRefused as exc:
        return _error(exc.key, 400)
    return jsonify(
        id=row["id"], sha256=row["sha256"], media_type=row["media_type"], size=row["size"], kind=row["kind"]
    ), 201


@bp.post("/drafts/<draft_id>/signing-requests")
@login_required
def prepare_submission(draft_id):
    data = _load(s.SubmitIn)
    try:
        with tx() as db:
            code = submission.prepare(current_runtime(), db, person(db), draft_id, str(data["idempotency_key"]))
    except submission.NotReady as exc:
        return _error("submit.not_ready", 422, fields=exc.errors)
    except drafting.DraftError as exc:
        return _error(exc.key, 404 if exc.key == "error.not_found" else 409)
    return jsonify(code=code, status="pending"), 201


# --- the signer's endpoints (authorised by the code) ----------------------------------------------
# An unknown code costs the address one of its wrong-code guesses (limits.SIGNING_CODE_GUESSES, which says why a
# batch counts per wrong code); a batch is refused (429) before the code the budget runs out on.


def _for_signer(code: str) -> dict:
    with reading() as db:  # reads alone: no BEGIN or COMMIT around them (issue 24)
        answer = signing_requests.for_signer(db, normalise_code(code))
    # In the language of whoever signs (the applicant, or the organisation's staff member), whatever the
    # signer's computer speaks (the stored description is English).
    answer["summary"] = labels.signing_summary(
        answer["purpose"], answer["reference"], answer["language"], answer.get("procedure")
    )
    return answer


def _redeem(code: str, signature_b64) -> tuple[dict, int]:
    try:
        der = base64.b64decode(signature_b64 if isinstance(signature_b64, str) else "", validate=True)
    except (binascii.Error, ValueError):
        return {"error": "signing.bad_signature", "message": message("signing.bad_signature")}, 400
    with tx() as db:
        result = signing_requests.redeem(current_runtime(), db, normalise_code(code), der)
    return {"status": "done" if result.get("ok") else "failed", **result}, 200 if result.get("ok") else 422


def _guessed(exc: signing_requests.SigningRequestError, guesses: CodeGuesses) -> None:
    if exc.status == 404:
        guesses.spend()


def _too_many(guesses: CodeGuesses):
    response = _error_response("signing.too_many_codes", 429)
    response.headers["Retry-After"] = str(guesses.retry_after())
    return response


@bp.get("/signing-requests/<code>")
@limiter.limit(SIGNER)
def signing_request(code):
    try:
        return jsonify(_for_signer(code))
    except signing_requests.SigningRequestError as exc:
        _guessed(exc, CodeGuesses())
        return _error(exc.key, exc.status)


@bp.post("/signing-requests/batch")
@limiter.limit(SIGNER)
def signing_requests_batch():
    """Up to 50 codes in one request (an organisation's batch): each code's request, or its error, in order."""
    codes = _load(s.SigningRequestsIn)["codes"]
    guesses = CodeGuesses()
    out = []
    for code in codes:
        if not guesses.left():
            return _too_many(guesses)
        try:
            out.append(_for_signer(code))
        except signing_requests.SigningRequestError as exc:
            _guessed(exc, guesses)
            out.append({"code": code, "error": exc.key, "message": message(exc.key), "http_status": exc.status})
    return jsonify(requests=out)


@bp.post("/signing-requests/<code>/signature")
@limiter.limit(SIGNER)
def post_signature(code):
    data = _load(s.SignatureIn)
    try:
        answer, status = _redeem(code, data["signature_b64"])
    except signing_requests.SigningRequestError as exc:
        _guessed(exc, CodeGuesses())
        return _error(exc.key, exc.status)
    return jsonify(answer), status


@bp.post("/signing-requests/signatures")
@limiter.limit(SIGNER)
def post_signatures():
    """Up to 50 signatures in one request, each redeemed in its own transaction (one refused does not undo the
    others; a retry of the whole request gets the same answers, as a code is single use)."""
    items = _load(s.SignaturesIn)["signatures"]
    guesses = CodeGuesses()
    out = []
    for item in items:
        code = str(item.get("code") or "")
        if not guesses.left():
            return _too_many(guesses)
        try:
            answer, status = _redeem(code, item.get("signature_b64"))
        except signing_requests.SigningRequestError as exc:
            _guessed(exc, guesses)
            answer, status = {"status": "failed", "error": exc.key, "message": message(exc.key)}, exc.status
        out.append({"code": code, "http_status": status, **answer})
    return jsonify(results=out)


@bp.get("/signing-requests/<code>/status")
@login_required
def signing_status(code):
    with tx() as db:
        row = signing_requests.load(db, normalise_code(code))
        if row is None or row.applicant_id != g.applicant_id:
            return _error("signing.unknown_code", 404)
        status, result = signing_requests.outcome(db, row.code)
    return jsonify(status=status, **result)


# --- applications -------------------------------------------------------------------------------------
def _app_out(db, app, with_timeline=False):
    out = {
        "id": app.id,
        "provisional_number": app.provisional_number,
        "receipt_number": app.receipt_number,
        "procedure": app.procedure,
        "bundled": [b for b in app.bundled.split(",") if b],
        "status": app.status,
        "bureau": app.bureau,
        "fee_yen": app.fee_yen,
        "submitted_at": app.submitted_at,
    }
    filing = following.filing_of(app)
    out["applicant_name"] = filing["applicant"].get("name")
    if filing["filer"]:
        out["filer"] = {
            k: filing["filer"].get(k)
            for k in ("role", "organisation_name", "agent_qualification", "filer_relationship")
        }
    if with_timeline:
        out["timeline"] = following.entries(db, app.id)
    return s.ApplicationOut().dump(out)


@bp.get("/applications")
@login_required
def applications():
    with tx() as db:
        return jsonify([_app_out(db, a) for a in following.mine(db, g.applicant_id)])


@bp.get("/applications/<application_id>")
@login_required
def application(application_id):
    with tx() as db:
        app = following.get(db, g.applicant_id, application_id)
        if app is None:
            return _error("error.not_found", 404)
        return jsonify(_app_out(db, app, with_timeline=True))


@bp.post("/applications/<application_id>/documents/<request_id>/attachments")
@login_required
def upload_for_request(application_id, request_id):
    """A file answering a request for documents (multipart: file, kind); sent with the answer below."""
    upload = request.files.get("file")
    with tx() as db:
        app = following.get(db, g.applicant_id, application_id)
        if app is None or request_id not in {r.request_id for r in following.open_requests(db, app.id)}:
            return _error("error.not_found", 404)
    try:
        if upload is None:
            raise UploadRefused("upload.empty")
        with tx() as db:
            row = drafting.add_attachment(
                current_runtime(),
                db,
                g.applicant_id,
                upload.read(),
                request.form.get("kind", "other"),
                upload.filename,
                request_id=request_id,
            )
    except UploadRefused as exc:
        return _error(exc.key, 400)
    return jsonify(
        id=row["id"], sha256=row["sha256"], media_type=row["media_type"], size=row["size"], kind=row["kind"]
    ), 201


@bp.post("/applications/<application_id>/documents/<request_id>")
@login_required
def answer_documents(application_id, request_id):
    data = _load(s.DocumentsAnswer)
    try:
        with tx() as db:
            following.answer_documents(current_runtime(), db, person(db), application_id, request_id, data["message"])
    except following.FollowError as exc:
        return _error(exc.key, 404 if exc.key == "error.not_found" else 409)
    return jsonify(ok=True)


@bp.post("/applications/<application_id>/correction", defaults={"action": "correction"})
@bp.post("/applications/<application_id>/withdrawal", defaults={"action": "withdrawal"})
@login_required
def signed_action(application_id, action):
    """A signing code for a correction request or a withdrawal (then redeemed like any other code)."""
    data = _load(s.SignedActionIn)
    try:
        with tx() as db:
            code = following.start_signed_action(
                current_runtime(), db, person(db), application_id, action, data["message"]
            )
    except following.FollowError as exc:
        return _error(exc.key, 404 if exc.key == "error.not_found" else 409)
    return jsonify(code=code, status="pending"), 201


# --- paying the fee online ------------------------------------------------------------------------------
def _payment_out(row):
    return s.PaymentOut().dump(_payment(row))


def _payment(row):
    if row is None:
        return None
    return {
        "id": row.id,
        "state": row.state,
        "amount_yen": row.amount_yen,
        "provider": row.provider,
        "checkout_url": row.checkout_url if row.state == "pending" else None,
        "payment_reference": row.provider_reference,
        "method": row.method,
        "failure": row.failure,
        "paid_at": row.paid_at,
        "created_at": row.created_at,
    }


@bp.post("/applications/<application_id>/payments")
@login_required
def start_payment(application_id):
    with tx() as db:
        if following.get(db, g.applicant_id, application_id) is None:
            return _error("error.not_found", 404)  # before validation: says nothing of others' applications
    data = _load(s.PaymentIn)
    key = str(data["idempotency_key"])
    return_url = current_runtime().settings.public_url.rstrip("/") + url_for(
        "payments.page", application_id=application_id, returned=1
    )
    try:
        with tx() as db:
            again = any(p.idempotency_key == key for p in paying.attempts(db, application_id))
            row = paying.start(
                current_runtime(), db, g.applicant_id, application_id, key, return_url, labels.fee_description
            )
    except paying.PaymentRefused as exc:
        return _error(exc.key, 404 if exc.key == "error.not_found" else 409)
    return jsonify(_payment_out(row)), 200 if again else 201


@bp.get("/applications/<application_id>/payment")
@login_required
def payment_status(application_id):
    with tx() as db:
        app = following.get(db, g.applicant_id, application_id)
        if app is None:
            return _error("error.not_found", 404)
        tries = paying.attempts(db, app.id)
        try:
            due, reason = paying.amount_due(current_runtime(), db, app), None
        except paying.PaymentRefused as exc:
            due, reason = None, exc.key
        done = next((t for t in tries if t.state == "paid"), None)
        return jsonify(
            s.PaymentStatus().dump(
                {
                    "payable": due is not None,
                    "due_yen": due,
                    "reason": reason,
                    "reason_message": message(reason) or None,
                    "latest": _payment(tries[0]) if tries else None,
                    "paid": _payment(done),
                }
            )
        )


@bp.post("/registrations")
@limiter.limit(REGISTER)
def registration():
    """Start registering: e-mails the link (the address is proven before the card signs); same answer for
    every address. The person continues from the link in a browser."""
    data = _load(s.RegistrationIn)
    try:
        with tx() as db:
            outcome = accounts.start_registration(current_runtime(), db, data["email"], data["language"])
    except accounts.AccountError as exc:
        return _error(exc.key, 422)
    return jsonify(status="link_sent" if outcome == "sent" else "too_soon"), 202


@bp.get("/inbox")
@login_required
def inbox():
    with tx() as db:
        rows = following.inbox(db, g.applicant_id)
    return jsonify(
        [
            s.NoticeOut().dump(
                {
                    "id": n.id,
                    "application_id": n.application_id,
                    "notice_type": n.notice_type,
                    "subject": n.subject,
                    "body": n.body,
                    "created_at": n.created_at,
                    "read": n.read_at is not None,
                }
            )
            for n in rows
        ]
    )


@bp.get("/receipts/<receipt_number>")
@receipt_lookup
def receipt(receipt_number):
    """Public, with the e-receipt's check code (?code=): a bare number or a wrong code reads as not found."""
    number = normalise.reference(receipt_number)
    with tx() as db:
        found = following.public_status(db, number, request.args.get("code"), current_runtime().settings.hashing_key)
    out = {"receipt_number": number, "found": found is not None}
    if found:
        out.update(pending=found["pending"], since=found["since"])
    else:
        out["message"] = message("receipt.not_found")
    return jsonify(s.ReceiptStatus().dump(out))
