"""The e-COE: issued on approval when the filer chose e-mail, sealed with the bureau's key, checked by anyone.

Use cases over review's tables (document_keys, coe_documents); the sealing format is zairyu_shared.documents.
A COE is used within 3 months of its issue (Enforcement Regulation of the Immigration Control Act art. 6-2(4)):
the validity ends on the day before the corresponding day three months later (Civil Code arts. 140, 143).
"""

from __future__ import annotations

import base64
import calendar
import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from review.adapters import coe_pdf
from review.adapters.tables import coe_documents, document_keys
from review.application.casework import case_seal
from review.domain import form as form_rules
from zairyu_shared import documents
from zairyu_shared.events.vocabulary import STATUSES_OF_RESIDENCE
from zairyu_shared.japan_time import japan_date

BUREAU_NAMES = {
    "sapporo": "札幌出入国在留管理局",
    "sendai": "仙台出入国在留管理局",
    "tokyo": "東京出入国在留管理局",
    "nagoya": "名古屋出入国在留管理局",
    "osaka": "大阪出入国在留管理局",
    "hiroshima": "広島出入国在留管理局",
    "takamatsu": "高松出入国在留管理局",
    "fukuoka": "福岡出入国在留管理局",
}


def valid_until(issued_on: date, months: int = documents.COE_VALID_MONTHS) -> date:
    start = issued_on + timedelta(days=1)
    index = start.year * 12 + start.month - 1 + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    if start.day > last:
        return date(year, month0 + 1, last)
    return date(year, month0 + 1, start.day) - timedelta(days=1)


def payload_for(
    *,
    document_id: str,
    receipt_number: str,
    bureau: str,
    holder: dict,
    status: str,
    issued_on: date,
    kid: str,
    demo: bool,
    public_url: str,
    kind: str = "coe",
    until: date | None = None,
    activity: str | None = None,
) -> dict:
    """What the document certifies. ``kind``: "coe" (valid 3 months) or "employment_certificate" (the work the
    holder may do under the current status, until the period of stay ends: ``until``)."""
    names = STATUSES_OF_RESIDENCE.get(status, (status, status))
    extra = {"activity": activity} if activity else {}
    return {
        **extra,
        "type": kind,
        "document_id": document_id,
        "receipt_number": receipt_number,
        "bureau": bureau,
        "issuer": BUREAU_NAMES.get(bureau, bureau),
        "holder": holder,
        "status": status,
        "status_ja": names[0],
        "status_en": names[1],
        "issued_on": issued_on.isoformat(),
        "valid_until": (until or valid_until(issued_on)).isoformat(),
        "kid": kid,
        "demo": demo,
        "verify_url": f"{public_url.rstrip('/')}/public/coe/{document_id}",
    }


def make(signer, payload: dict) -> bytes:
    return documents.seal(coe_pdf.render(payload), payload, signer)


def _remember_key(session, signer, at: datetime) -> None:
    if session.execute(sa.select(document_keys.c.kid).where(document_keys.c.kid == signer.kid)).first() is None:
        session.execute(
            document_keys.insert().values(
                kid=signer.kid, public_key_der=signer.public_key_der, demo=signer.demo, first_used_at=at
            )
        )


def holder_of(content: dict) -> dict:
    """The person invited, as the filer signed it (the applicant section of a proxy filing)."""
    applicant, form = form_rules.applicant_of(content), form_rules.form_of(content)
    return {
        "name": applicant.get("name") or form_rules.applicant_name(form),
        "date_of_birth": applicant.get("date_of_birth"),
        "nationality": form.get("nationality") or applicant.get("nationality"),
        "sex": applicant.get("sex"),
    }


def issue(
    session,
    signer,
    *,
    application_id: str,
    receipt_number: str,
    bureau: str,
    holder: dict,
    status: str,
    at: datetime,
    public_url: str,
    kind: str = "coe",
    until: date | None = None,
    activity: str | None = None,
) -> tuple[str, bytes]:
    """Seal and store the e-COE or certificate (once per application); returns (document id, sealed bytes)."""
    existing = session.execute(
        sa.select(coe_documents.c.document_id, coe_documents.c.sealed).where(
            coe_documents.c.application_id == application_id
        )
    ).first()
    if existing is not None:
        return existing.document_id, base64.b64decode(existing.sealed)
    document_id = ("COE-" if kind == "coe" else "EMP-") + uuid.uuid4().hex[:16].upper()
    issued_on = japan_date(at)
    payload = payload_for(
        document_id=document_id,
        receipt_number=receipt_number,
        bureau=bureau,
        holder=holder,
        status=status,
        issued_on=issued_on,
        kid=signer.kid,
        demo=signer.demo,
        public_url=public_url,
        kind=kind,
        until=until,
        activity=activity,
    )
    sealed = make(signer, payload)
    _remember_key(session, signer, at)
    # The PDF names the person (name, date of birth, nationality): stored under the case's applicant's own data key,
    # as the case is, so erasing them leaves it unreadable here and in every backup (issue 20).
    with case_seal(session, application_id):
        session.execute(
            coe_documents.insert().values(
                document_id=document_id,
                application_id=application_id,
                kid=signer.kid,
                issued_on=issued_on,
                valid_until=date.fromisoformat(payload["valid_until"]),
                sealed=base64.b64encode(sealed).decode(),
            )
        )
    return document_id, sealed


def cancel(session, document_id: str, reason: str, at: datetime | None = None) -> bool:
    result = session.execute(
        coe_documents.update()
        .where(coe_documents.c.document_id == document_id, coe_documents.c.cancelled_at.is_(None))
        .values(cancelled_at=at or datetime.now(UTC), cancel_reason=reason)
    )
    return result.rowcount == 1


def public_status(conn, document_id: str, today: date) -> dict | None:
    """What the public page says of a document number: valid, expired or cancelled (no personal data)."""
    row = conn.execute(
        sa.select(
            coe_documents.c.document_id,
            coe_documents.c.kid,
            coe_documents.c.issued_on,
            coe_documents.c.valid_until,
            coe_documents.c.cancelled_at,
        ).where(coe_documents.c.document_id == document_id)
    ).first()
    if row is None:
        return None
    state = "cancelled" if row.cancelled_at else ("expired" if row.valid_until < today else "valid")
    return {
        "document_id": row.document_id,
        "state": state,
        "kid": row.kid,
        "issued_on": row.issued_on.isoformat(),
        "valid_until": row.valid_until.isoformat(),
    }


def published_keys(conn) -> dict:
    rows = conn.execute(sa.select(document_keys).order_by(document_keys.c.first_used_at)).all()
    return {
        "alg": documents.ALG,
        "keys": [
            {
                "kid": r.kid,
                "demo": r.demo,
                "first_used_at": r.first_used_at.isoformat(),
                "public_key_der_b64": base64.b64encode(r.public_key_der).decode(),
                "public_key_pem": documents.public_key_pem(r.public_key_der),
            }
            for r in rows
        ],
    }


def issued_event(row, document_id: str, kid: str, sealed: bytes, at: datetime) -> dict:
    """What ``coe.issued`` and ``certificate.issued`` carry: the sealed PDF, its number, key id, validity and
    public check address (read back from the sealed payload, so the event says what the document says)."""
    payload = (documents.split(sealed) or (b"", {}))[1].get("payload", {})
    return {
        "application_id": row.application_id,
        "applicant_id": row.applicant_id,
        "document_id": document_id,
        "kid": kid,
        "valid_until": payload["valid_until"],
        "verify_url": payload["verify_url"],
        "document_b64": base64.b64encode(sealed).decode(),
        "issued_at": at,
    }
