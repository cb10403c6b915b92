"""Steps of the applicant's journey through the real web front (test client), reused by the tests."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

from hostile_files import jpeg, pdf
from intake_testkit import fake_signature, outbox_events

from intake.application.common import today_jst
from intake.domain.dates import add_months

API = {"X-Zairyu-Api": "1"}


def code_from(response) -> str:
    assert response.status_code == 302, response.data[:500]
    location = response.headers["Location"]
    assert "/sign/" in location, location
    return location.rsplit("/", 1)[1]


def sign_code(client, code: str, holder: str, tamper: bool = False):
    """What the desktop signer does: fetch the bytes, sign them, post the detached signature."""
    got = client.get(f"/api/v1/signing-requests/{code}")
    assert got.status_code == 200, got.json
    content = base64.b64decode(got.json["content_b64"])
    if tamper:
        content += b" "
    sig = base64.b64encode(fake_signature(content, holder)).decode()
    return client.post(f"/api/v1/signing-requests/{code}/signature", json={"signature_b64": sig}, headers=API)


def registration_link(client, rt, email="an@example.jp") -> str:
    """Enter the address; the path of the link e-mailed to it (the newest)."""
    sent = client.post("/register", data={"email": email})
    assert sent.status_code == 200, sent.data[:500]
    url = [
        e for e in outbox_events(rt, "applicant.email_verification_requested") if e["payload"]["email"] == email.lower()
    ][-1]["payload"]["verify_url"]
    return "/register/verify/" + url.rsplit("/", 1)[1]


def register(client, rt, holder="nguyen", email="an@example.jp", password="correct horse battery"):
    link = registration_link(client, rt, email)
    code = code_from(client.post(link + "/sign"))
    answer = sign_code(client, code, holder)
    assert answer.status_code == 200, answer.json
    assert client.get(f"/sign/{code}").headers["Location"].endswith(link)  # back to the link: the password
    done = client.post(link, data={"password": password, "password_again": password})
    assert done.status_code == 302 and done.headers["Location"].endswith("/applications"), done.data[:800]
    return answer.json["applicant_id"]


def login(client, email="an@example.jp", password="correct horse battery"):
    return client.post("/login", data={"email": email, "password": password})


def worker_fields(expiry=None):
    expiry = expiry or add_months(today_jst(), 2)
    return {
        "nationality": "Viet Nam",
        "place_of_birth": "Hà Nội",
        "marital_status": "single",
        "occupation": "engineer",
        "home_town": "Hà Nội",
        "phone": "０９０－１２３４－５６７８",
        "passport_number": "ｃ１２３４５６７",
        "passport_expiry": (today_jst() + timedelta(days=900)).isoformat(),
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
        "reentry_type": "multiple",
        "reentry_reason": "family visit",
    }


def fill_draft(client, procedure="extension", bundled=("reentry",), fields=None, photo=True):
    fields = fields or worker_fields()
    r = client.post("/apply", data={"procedure": procedure, "bundled": list(bundled)})
    assert r.status_code == 302, r.data[:300]
    draft_id = r.headers["Location"].split("/")[2]
    n = 0
    while True:
        page = client.post(f"/apply/{draft_id}/step/{n}", data=fields)
        assert page.status_code == 302, page.data.decode()[:3000]
        if "/attachments" in page.headers["Location"]:
            break
        n += 1
        assert n < 10
    if photo:
        up = client.post(
            f"/apply/{draft_id}/attachments",
            data={"kind": "photo", "file": (io.BytesIO(jpeg()), "me.jpg")},
            content_type="multipart/form-data",
        )
        assert up.status_code == 302, up.data[:500]
        up = client.post(
            f"/apply/{draft_id}/attachments",
            data={"kind": "passport", "file": (io.BytesIO(pdf()), "p.pdf")},
            content_type="multipart/form-data",
        )
        assert up.status_code == 302
    return draft_id


def review_key(client, draft_id) -> str:
    page = client.get(f"/apply/{draft_id}/review").data.decode()
    marker = 'name="idempotency_key" value="'
    assert marker in page, page[:3000]
    return page.split(marker, 1)[1].split('"', 1)[0]


def submit(client, draft_id, holder="nguyen"):
    key = review_key(client, draft_id)
    code = code_from(client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": key}))
    answer = sign_code(client, code, holder)
    return code, answer
