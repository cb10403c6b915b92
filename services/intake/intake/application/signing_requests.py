"""One-time signing codes: the page shows a code, the applicant's desktop signer redeems it.

``GET /api/v1/signing-requests/<code>`` gives the bytes and what they mean; the signer posts the
detached CMS back, and the purpose's completion function runs (register, re-bind, submit,
correct, withdraw). The code is single use: once a signature is accepted, a replay gets the same
result and never runs the purpose twice. The browser extension posts to the same endpoint.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta

import sqlalchemy as sa

from intake.adapters.tables import personal
from intake.adapters.tables import signing_requests as t
from intake.domain import canonical
from zairyu_shared.db import statement_once

from .common import aware, now, signing_code

COMPLETIONS: dict[str, Callable] = {}  # purpose -> func(runtime, session, row, cms_der) -> result dict


class SigningRequestError(Exception):
    def __init__(self, key: str, status: int = 400):
        super().__init__(key)
        self.key = key
        self.status = status


def completion(purpose: str):
    def register(func):
        COMPLETIONS[purpose] = func
        return func

    return register


def create(
    runtime,
    session,
    *,
    purpose: str,
    content: bytes,
    description: str,
    applicant_id: str | None,
    subject_id: str | None = None,
    extra: dict | None = None,
    idempotency_key: str | None = None,
) -> str:
    """A new code (or the existing one for the same idempotency key: a double click shows one code)."""
    if idempotency_key:
        found = session.execute(sa.select(t).where(t.c.idempotency_key == idempotency_key)).first()
        if found is not None:
            if found.applicant_id != applicant_id:
                raise SigningRequestError("error.conflict", 409)
            return found.code
    code = signing_code()
    created = now()
    # A registration's code has no account yet, but the registration's id becomes the account's: its content (the
    # e-mail address signed for) goes under that person's key, so erasing them reaches it before it is purged.
    owner = applicant_id or (extra or {}).get("registration_id")
    with personal(session, owner) if owner else nullcontext():
        session.execute(
            t.insert().values(
                code=code,
                applicant_id=applicant_id,
                idempotency_key=idempotency_key,
                purpose=purpose,
                subject_id=subject_id,
                content=base64.b64encode(content).decode(),
                content_sha256=canonical.digest(content),
                description=description,
                extra=json.dumps(extra or {}, ensure_ascii=False, default=str),
                status="pending",
                created_at=created,
                expires_at=created + timedelta(minutes=runtime.settings.signing_code_minutes),
            )
        )
    return code


def load(session, code: str):
    return session.execute(sa.select(t).where(t.c.code == code)).first()


def for_signer(session, code: str) -> dict:
    """What the desktop signer needs: the bytes, their digest, and a description to show."""
    row = load(session, code)
    if row is None:
        raise SigningRequestError("signing.unknown_code", 404)
    if row.status == "pending" and aware(row.expires_at) < now():
        raise SigningRequestError("signing.expired", 410)
    if row.status != "pending":
        raise SigningRequestError("signing.already_used", 409)
    return {
        "code": row.code,
        "purpose": row.purpose,
        "content_b64": row.content,
        "content_sha256": row.content_sha256,
        "digest": row.content_sha256,  # the name the desktop signer reads (hex SHA-256)
        "description": row.description,  # technical, English; the person reads "summary" (the entrypoint's)
        "language": signer_language(session, row),
        "reference": reference(session, row),
        "expires_at": aware(row.expires_at).isoformat(),
        **({"procedure": _organisation_filing().procedure_of(session, row)} if row.purpose == "org_submit" else {}),
    }


def _organisation_filing():
    from . import organisation_filing  # it registers its completion here: imported when used, not at load

    return organisation_filing


def signer_language(session, row) -> str | None:
    """The language of the person who signs: the account's, or the one a registration chose; for an
    organisation's filing the staff member's (they sign, not the account holder)."""
    if row.purpose in ("org_submit", "org_follow_up"):  # the staff member signs, in their language
        return _organisation_filing().staff_language(session, row)
    if row.purpose not in ("register", "rebind", "submit", "correction", "withdrawal"):
        return None
    if row.applicant_id is None:
        return extra_of(row).get("language")
    from intake.adapters.tables import applicants

    return session.execute(sa.select(applicants.c.language).where(applicants.c.id == row.applicant_id)).scalar()


def reference(session, row) -> str | None:
    """What names the request whatever the language: the e-mail address registered, the application's number
    a correction or withdrawal is about, the person and the organisation an organisation's filing is for (the
    signed bytes and their fingerprint say the rest)."""
    if row.purpose == "org_submit":
        return _organisation_filing().filed_for(session, row)
    if row.purpose == "register":
        return extra_of(row).get("email")
    if row.purpose in ("correction", "withdrawal", "org_follow_up") and row.subject_id:
        from intake.adapters.tables import applications

        found = session.execute(
            sa.select(applications.c.receipt_number, applications.c.provisional_number).where(
                applications.c.id == row.subject_id
            )
        ).first()
        return (found.receipt_number or found.provisional_number) if found else None
    return None


def redeem(runtime, session, code: str, signature_der: bytes) -> dict:
    """Accept a signature for ``code`` and complete its purpose (once)."""
    # Core statements on the session's connection: the same transaction, without the ORM's bookkeeping per statement.
    db = session.connection()
    # Every column a completion reads, not the description: technical English for the signer's screen, and
    # encrypted (decrypted on every signature for nothing).
    row = db.execute(
        statement_once(
            ("intake.signing_request_locked",),
            lambda: (
                sa.select(*(c for c in t.c if c.name != "description"))
                .where(t.c.code == sa.bindparam("code"))
                .with_for_update()
            ),
        ),
        {"code": code},
    ).first()
    if row is None:
        raise SigningRequestError("signing.unknown_code", 404)
    if row.status in ("done", "failed"):
        return json.loads(row.result or "{}")  # a retry of the same post: same answer
    if aware(row.expires_at) < now():
        raise SigningRequestError("signing.expired", 410)
    if not signature_der or len(signature_der) > 64 * 1024:
        raise SigningRequestError("signing.bad_signature")
    result = COMPLETIONS[row.purpose](runtime, session, row, signature_der)
    status = "done" if result.get("ok") else "failed"
    db.execute(
        statement_once(
            ("intake.signing_request_done",), lambda: t.update().where(t.c.code == sa.bindparam("done_code"))
        ),
        {
            "done_code": code,
            "status": status,
            "signature_cms": base64.b64encode(signature_der).decode(),
            "result": json.dumps(result, ensure_ascii=False),
        },
    )
    return result


def outcome(session, code: str) -> tuple[str, dict]:
    """(status, result) for the waiting page."""
    row = load(session, code)
    if row is None:
        return "unknown", {}
    status = row.status
    if status == "pending" and aware(row.expires_at) < now():
        status = "expired"
    return status, json.loads(row.result or "{}")


def content_of(row) -> bytes:
    return base64.b64decode(row.content)


def extra_of(row) -> dict:
    return json.loads(row.extra or "{}")
