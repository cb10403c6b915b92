"""Applicants driving intake's JSON API over HTTP, signing with simulated JPKI cards of the test PKI.

Registration: sign the statement with the card, follow the link from the verification e-mail
(received by the SMTP sink, i.e. sent by notify), choose a password. Each application: a draft with
the form, a photo, a signing request, the signer fetching the exact bytes, the card signing them,
and the signature posted (the "submit"). Every applicant comes through the ingress from its own
address (X-Forwarded-For from 127.0.0.1, a trusted proxy), as real applicants would.
"""

from __future__ import annotations

import base64
import io
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import requests

from zairyu_shared import testing

API = {"X-Zairyu-Api": "1"}
ROOT = Path(__file__).resolve().parents[2]


def photo_jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (300, 400), (200, 190, 180)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def worker_fields() -> dict:
    """An extension for an engineer whose period of stay ends in two months (inside the window)."""
    today = date.today()
    expiry = today + timedelta(days=60)
    return {
        "nationality": "Viet Nam",
        "place_of_birth": "Hà Nội",
        "marital_status": "single",
        "occupation": "engineer",
        "home_town": "Hà Nội",
        "phone": "090-1234-5678",
        "passport_number": "C1234567",
        "passport_expiry": (today + timedelta(days=900)).isoformat(),
        "current_status": "engineer_humanities",
        "period_of_stay": "1 year",
        "period_expiry": expiry.isoformat(),
        "card_number": "AB12345678CD",
        "reason": "Continue my work",
        "criminal_record": "no",
        "employer_name": "Example KK",
        "corporate_number": "7000012050002",
        "employer_address": "東京都千代田区",
        "employer_phone": "03-1234-5678",
        "industry": "G",
        "employees": "120",
        "job_description": "Software",
        "contract_from": "2024-04-01",
        "monthly_salary_yen": "300,000",
    }


class Card:
    """A holder's simulated My Number Card, driven through the signer's in-process APDU link."""

    def __init__(self, pki, holder):
        from signing.adapters.inprocess_card import inprocess_signer
        from signing.testpki.card import card_for

        self.holder = holder
        self.signer = inprocess_signer(card_for(pki, holder))
        self._lock = threading.Lock()  # one card, one APDU session at a time (as in a real reader)

    def sign(self, content: bytes) -> bytes:
        with self._lock:
            return self.signer.sign(content, self.holder.password)


@dataclass
class Applicant:
    email: str
    card: Card
    session: requests.Session
    address: str
    applicant_id: str = ""
    drafts: list = field(default_factory=list)


class Intake:
    def __init__(self, base_url: str, timeout: float = 30):
        self.base = base_url
        self.timeout = timeout

    def _call(self, sess, method, path, ok=(200, 201), retries=0, **kw):
        """One API call; `retries` covers a front that is briefly unavailable (e.g. PostgreSQL
        restarting): a client pausing between tries, as the signer and the browser do."""
        for attempt in range(retries + 1):
            try:
                r = sess.request(method, self.base + path, timeout=self.timeout, **kw)
            except requests.ConnectionError:
                if attempt == retries:
                    raise
            else:
                if r.status_code in ok or attempt == retries or r.status_code < 500:
                    return r
            time.sleep(min(2.0, 0.05 * 2**attempt))
        return r

    def register(self, pki, holder, email: str, mail_sink, address: str, language: str = "vi") -> Applicant:
        sess = requests.Session()
        sess.headers["X-Forwarded-For"] = address
        r = self._call(sess, "POST", "/api/v1/registrations", json={"email": email, "language": language}, headers=API)
        assert r.status_code == 202, r.text  # the link first: the address is proven before the card signs
        card = Card(pki, holder)

        def verify_link():
            for m in mail_sink.snapshot():
                if m["To"] and email in m["To"]:
                    found = re.search(r"/register/verify/([A-Za-z0-9_\-\.]+)", _text(m))
                    if found:
                        return found.group(1)
            return None

        token = testing.wait_until(verify_link, timeout=60, interval=0.1, message=f"verification mail to {email}")
        link = f"{self.base}/register/verify/{token}"
        page = sess.get(link, timeout=self.timeout).text  # "sign with your card" (opening it spends nothing)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        started = sess.post(link + "/sign", data={"csrf_token": csrf}, allow_redirects=False, timeout=self.timeout)
        assert started.status_code == 302, started.text[:300]
        answer = self.sign_code(sess, started.headers["Location"].rsplit("/", 1)[1], card)
        assert answer.status_code == 200 and answer.json()["ok"], answer.text
        applicant = Applicant(
            email=email, card=card, session=sess, address=address, applicant_id=answer.json()["applicant_id"]
        )
        pw = "chaos long pass phrase"
        done = sess.post(
            link,
            allow_redirects=False,
            timeout=self.timeout,
            data={"csrf_token": csrf, "password": pw, "password_again": pw},
        )
        assert done.status_code == 302, done.text[:500]
        return applicant

    def sign_code(self, sess, code: str, card: Card, address: str | None = None, retries: int = 0):
        headers = {"X-Forwarded-For": address} if address else {}
        got = self._call(sess, "GET", f"/api/v1/signing-requests/{code}", headers=headers, retries=retries)
        assert got.status_code == 200, got.text
        content = base64.b64decode(got.json()["content_b64"])
        sig = base64.b64encode(card.sign(content)).decode()
        return self.post_signature(sess, code, sig, address, retries=retries)

    def post_signature(self, sess, code, sig_b64, address=None, retries=0):
        headers = {**API, **({"X-Forwarded-For": address} if address else {})}
        return self._call(
            sess,
            "POST",
            f"/api/v1/signing-requests/{code}/signature",
            json={"signature_b64": sig_b64},
            headers=headers,
            retries=retries,
        )

    def prepare(self, applicant: Applicant, photo: bytes, address: str, retries: int = 0) -> tuple[str, bytes]:
        """Draft + photo + signing request, and the signer fetching the bytes from ``address``;
        returns (code, content to sign)."""
        sess = applicant.session
        created = self._call(
            sess,
            "POST",
            "/api/v1/drafts",
            headers=API,
            retries=retries,
            json={"procedure": "extension", "bundled": [], "fields": worker_fields()},
        )
        assert created.status_code == 201 and created.json()["errors"] == {}, created.text[:500]
        draft_id = created.json()["id"]
        up = self._call(
            sess,
            "POST",
            f"/api/v1/drafts/{draft_id}/attachments",
            headers=API,
            retries=retries,
            data={"kind": "photo"},
            files={"file": ("me.jpg", photo, "image/jpeg")},
        )
        assert up.status_code == 201, up.text[:300]
        req = self._call(
            sess,
            "POST",
            f"/api/v1/drafts/{draft_id}/signing-requests",
            headers=API,
            retries=retries,
            json={"idempotency_key": str(uuid.uuid4())},
        )
        assert req.status_code == 201, req.text[:300]
        code = req.json()["code"]
        got = self._call(
            sess, "GET", f"/api/v1/signing-requests/{code}", retries=retries, headers={"X-Forwarded-For": address}
        )
        assert got.status_code == 200, got.text[:300]
        return code, base64.b64decode(got.json()["content_b64"])


def address_of(n: int) -> str:
    """The n-th applicant device's address (the signer's per-address rate limit is about guessing
    codes; a load of distinct applicants must not trip it)."""
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def _text(msg) -> str:
    if msg.is_multipart():
        return "\n".join(_text(p) for p in msg.get_payload())
    payload = msg.get_payload(decode=True) or b""
    return payload.decode(msg.get_content_charset() or "utf-8", "replace")
