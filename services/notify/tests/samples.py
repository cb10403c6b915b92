"""Valid events of every type notify consumes, built through the real contracts (new_event)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime

from zairyu_shared.events import new_event

APPLICANT = "app-7"
APPLICATION = "case-42"
PROVISIONAL = "P-20260305-0042"
RECEIPT = "TKY-2026-000123"
TRACKING = "1234-5678-9012"
DEADLINE = date(2026, 3, 19)
FEE = 5500
PAYMENT_REF = "DEMO-7F3A91C2B4D0"
WHEN = datetime(2026, 3, 5, 0, 30, tzinfo=UTC)  # 09:30 in Japan
EMAIL = "resident@example.jp"
COE_ID = "COE-0123456789ABCDEF"
CERT_ID = "EMP-0123456789ABCDEF"
COE_PDF_B64 = base64.b64encode(b"%PDF-1.4 sealed e-COE stand-in\n").decode()
NAME = "NGUYEN VAN AN"

_SIGNED = base64.b64encode(b"{}").decode()
_SHA = hashlib.sha256(b"x").hexdigest()
_ATTACH = {"sha256": _SHA, "media_type": "application/pdf", "size": 1000, "kind": "supporting"}


def _ev(etype, payload, source, applicant=APPLICANT, application=APPLICATION):
    payload = {"applicant_id": applicant, **payload}
    if "application_id" not in payload and not etype.startswith("applicant."):
        payload["application_id"] = application
    return new_event(etype, payload, source=source, correlation_id=application)


def registered(applicant=APPLICANT, language="en", email=EMAIL, name=NAME):
    return _ev(
        "applicant.registered",
        {"email": email, "language": language, "display_name": name},
        "intake",
        applicant=applicant,
    )


def contact_changed(applicant=APPLICANT, language="vi", email=EMAIL):
    return _ev("applicant.contact_changed", {"email": email, "language": language}, "intake", applicant=applicant)


def submitted(applicant=APPLICANT, application=APPLICATION, language="en", bureau="tokyo", provisional=PROVISIONAL):
    return _ev(
        "application.submitted",
        {
            "application_id": application,
            "provisional_number": provisional,
            "procedure": "extension",
            "status_of_residence": "engineer_humanities",
            "nationality": "VN",
            "bureau": bureau,
            "language": language,
            "submitted_at": WHEN.isoformat(),
            "signed_content_b64": _SIGNED,
            "content_sha256": _SHA,
            "signature_cms_b64": _SIGNED,
            "expected_holder": {"name": NAME, "date_of_birth": "1990-01-02", "sex": "M", "address": "Tokyo"},
        },
        "intake",
        applicant=applicant,
    )


def received(applicant=APPLICANT, application=APPLICATION, receipt=RECEIPT):
    return _ev(
        "application.received",
        {
            "application_id": application,
            "receipt_number": receipt,
            "bureau": "tokyo",
            "procedure": "extension",
            "received_at": WHEN.isoformat(),
        },
        "review",
        applicant=applicant,
    )


def all_notice_events(applicant=APPLICANT, application=APPLICATION, language="en", email=EMAIL):
    """One event per notice type, in the order a real case would produce them."""
    a = dict(applicant=applicant, application=application)
    return [
        _ev(
            "applicant.email_verification_requested",
            {
                "email": email,
                "language": language,
                "verify_url": "https://zairyu.example.jp/verify/abc",
                "expires_at": WHEN.isoformat(),
            },
            "intake",
            applicant=applicant,
        ),
        _ev(
            "applicant.password_reset_requested",
            {
                "email": email,
                "language": language,
                "reset_url": "https://zairyu.example.jp/reset/xyz",
                "expires_at": WHEN.isoformat(),
            },
            "intake",
            applicant=applicant,
        ),
        _ev(
            "applicant.email_change_requested",
            {
                "email": email,
                "language": language,
                "confirm_url": "https://zairyu.example.jp/account/email/confirm/new",
                "expires_at": WHEN.isoformat(),
            },
            "intake",
            applicant=applicant,
        ),
        submitted(applicant, application, language),
        _ev(
            "signature.rejected",
            {"reason": "certificate_revoked", "message": "The signing certificate is revoked", "language": language},
            "signing",
            **a,
        ),
        received(applicant, application),
        _ev(
            "application.documents_requested",
            {
                "request_id": "req-1",
                "deadline": DEADLINE.isoformat(),
                "items": [
                    {"code": "tax_certificate", "description": "住民税の課税（又は非課税）証明書"},
                    {"code": "employment_contract", "description": "雇用契約書（労働条件通知書）の写し"},
                ],
                "message": "令和7年度のものを提出してください。",
            },
            "review",
            **a,
        ),
        _ev(
            "application.documents_reminder_due",
            {"request_id": "req-1", "deadline": DEADLINE.isoformat()},
            "review",
            **a,
        ),
        _ev(
            "application.documents_submitted",
            {
                "request_id": "req-1",
                "attachments": [_ATTACH, _ATTACH],
                "message": "Here they are",
                "submitted_at": WHEN.isoformat(),
            },
            "intake",
            **a,
        ),
        decided(applicant, application, "approved"),
        decided(applicant, application, "refused"),
        _ev(
            "fee.paid",
            {
                "payment_id": "pay-1",
                "amount_yen": FEE,
                "paid_at": WHEN.isoformat(),
                "payment_reference": PAYMENT_REF,
                "method": "card",
                "provider": "demo",
            },
            "intake",
            **a,
        ),
        _card("card.envelope_overdue", {"days_waiting": 14}, **a),
        _card("card.envelope_received", {}, **a),
        _card("card.issued", {"card_number": "AB12345678CD"}, **a),
        _card("card.dispatched", {"tracking_number": TRACKING}, **a),
        _card("document.dispatched", {"kind": "coe", "tracking_number": TRACKING}, **a),
        _card(
            "document.returned",
            {"kind": "coe", "reason": "あて所に尋ねあたりません", "reason_code": "addressee_not_found"},
            **a,
        ),
        _card("document.delivered", {"kind": "coe"}, **a),
        _card("card.delivered", {}, **a),
        _card("card.returned", {"reason": "Addressee unknown"}, **a),
        _card("card.postage_shortfall", {"shortfall_yen": 110}, **a),
        _card("card.held_at_counter", {"reason": "returned"}, **a),
        _card("card.collected", {"card_number": "AB12345678CD"}, **a),
        _ev(
            "application.withdrawn",
            {
                "reason": "",
                "signed_content_b64": _SIGNED,
                "signature_cms_b64": _SIGNED,
                "withdrawn_at": WHEN.isoformat(),
                # v2: who withdrew, the person with their own card (whose holder intake found in it)
                "requested_by": {"role": "applicant"},
                "expected_holder": {
                    "name": "NGUYEN VAN AN",
                    "date_of_birth": "1994-03-15",
                    "sex": "male",
                    "address": "東京都新宿区西新宿二丁目８番１号",
                },
            },
            "intake",
            **a,
        ),
        _ev("application.closed", {"reason": "withdrawn", "closed_at": WHEN.isoformat()}, "review", **a),
        _ev(
            "coe.issued",
            {
                "document_id": COE_ID,
                "kid": "DEMO-0123456789abcdef",
                "valid_until": "2026-06-05",
                "verify_url": f"https://review.example.jp/public/coe/{COE_ID}",
                "document_b64": COE_PDF_B64,
                "issued_at": WHEN.isoformat(),
            },
            "review",
            **a,
        ),
        _ev(
            "certificate.issued",
            {
                "document_id": CERT_ID,
                "kid": "DEMO-0123456789abcdef",
                "valid_until": "2027-05-31",
                "verify_url": f"https://review.example.jp/public/coe/{CERT_ID}",
                "document_b64": COE_PDF_B64,
                "issued_at": WHEN.isoformat(),
            },
            "review",
            **a,
        ),
        *organisation_events(applicant, language, email),
        sign_in_changed(applicant, language, email),
        # Last: from here on notify writes to the new address; this mail goes to the previous one.
        _ev(
            "applicant.email_changed",
            {
                "email": "new-" + email,
                "previous_email": email,
                "language": language,
                "changed_at": WHEN.isoformat(),
            },
            "intake",
            applicant=applicant,
        ),
    ]


def sign_in_changed(applicant=APPLICANT, language="en", email=EMAIL, change="two_step_off", previous_email=None):
    """How the account is signed in to changed (intake's account pages): told at the account's address."""
    payload = {"change": change, "changed_at": WHEN.isoformat(), "language": language, "email": email}
    if previous_email is not None:
        payload["previous_email"] = previous_email
    return _ev("applicant.sign_in_changed", payload, "intake", applicant=applicant)


ORGANISATION = "0f0f0f0f-0000-4000-8000-000000000021"
PERSON_NAME = "TRAN THI BINH"
EXPIRY = "2027-03-06"


def organisation_events(staff=APPLICANT, language="en", email=EMAIL):
    """An organisation's staff member's two notices (issue 21): the invitation and a stay's reminder."""
    common = {
        "applicant_id": staff,
        "organisation_id": ORGANISATION,
        "email": email,
        "language": language,
        "organisation_name": "株式会社サンプル",
    }
    return [
        new_event(
            "organisation.staff_invited",
            {**common, "invite_url": "https://zairyu.example.jp/org/invite/tok", "expires_at": WHEN.isoformat()},
            source="intake",
            correlation_id=ORGANISATION,
        ),
        new_event(
            "organisation.stay_reminder_due",
            {
                **common,
                "person_name": PERSON_NAME,
                "status": "engineer_humanities",
                "period_expiry": EXPIRY,
                "days_before": 90,
                "dashboard_url": "https://zairyu.example.jp/org/",
            },
            source="intake",
            correlation_id=ORGANISATION,
        ),
    ]


def decided(applicant=APPLICANT, application=APPLICATION, outcome="approved", fee=FEE, by_mail=True):
    return _ev(
        "application.decided",
        {
            "application_id": application,
            "outcome": outcome,
            "procedure": "extension",
            "bureau": "tokyo",
            "granted_status": "engineer_humanities" if outcome == "approved" else None,
            "period_of_stay": "P3Y" if outcome == "approved" else None,
            "fee_yen": fee if outcome == "approved" else 0,
            "card_by_mail": by_mail,
            "explanation": "" if outcome == "approved" else "Income requirement not met.",
            "decided_at": WHEN.isoformat(),
        },
        "review",
        applicant=applicant,
    )


def _card(etype, extra, applicant, application):
    return _ev(
        etype,
        {"delivery_id": "del-1", "occurred_at": WHEN.isoformat(), **extra},
        "card-delivery",
        applicant=applicant,
        application=application,
    )
