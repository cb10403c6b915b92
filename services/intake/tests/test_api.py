"""The JSON API: OpenAPI from the marshmallow schemas, and the same operations as the pages."""

from __future__ import annotations

import base64
import io
import uuid

import pytest
from hostile_files import jpeg, restricted_pdf
from intake_testkit import fake_signature, outbox_events
from journey import API, register, worker_fields


def test_openapi_document_is_generated_from_the_schemas(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert {"DraftIn", "ApplicationOut", "SigningRequest", "EligibilityIn"} <= set(doc["components"]["schemas"])
    assert "/api/v1/signing-requests/{code}/signature" in doc["paths"]
    assert doc["components"]["schemas"]["EligibilityIn"]["properties"]["procedure"]["enum"][0] == "coe"


def test_eligibility_endpoint_explains_in_the_chosen_language(client):
    r = client.post("/api/v1/eligibility?lang=en", json={"procedure": "reentry"}, headers=API)
    assert r.json["eligible"] is False and r.json["problems"][0]["key"] == "eligibility.bundled_only"
    ok = client.post(
        "/api/v1/eligibility",
        json={"procedure": "coe", "desired_status": "student", "filer_role": "employer_staff"},
        headers=API,
    )
    assert ok.json == {"eligible": True, "problems": [], "flags": [], "advice": [], "fee_yen": 0}
    # Corrected (issue 16): the applicant may file their own COE (ISA's table); it was refused.
    as_self = client.post("/api/v1/eligibility", json={"procedure": "coe", "desired_status": "student"}, headers=API)
    assert as_self.json["eligible"] is True
    assert client.post("/api/v1/eligibility", json={"procedure": "coe"}).status_code == 400  # header missing


def test_api_draft_upload_sign_submit_is_idempotent(client, rt):
    register(client, rt)
    client.delete("/api/v1/session", headers=API)
    assert (
        client.post("/api/v1/session", json={"email": "an@example.jp", "password": "nope"}, headers=API).status_code
        == 401
    )
    assert (
        client.post(
            "/api/v1/session", json={"email": "an@example.jp", "password": "correct horse battery"}, headers=API
        ).status_code
        == 200
    )
    created = client.post(
        "/api/v1/drafts",
        json={"procedure": "extension", "bundled": ["reentry"], "fields": worker_fields()},
        headers=API,
    )
    assert created.status_code == 201 and created.json["errors"] == {}
    draft_id = created.json["id"]
    refused = client.post(
        f"/api/v1/drafts/{draft_id}/attachments",
        headers=API,
        content_type="multipart/form-data",
        data={"kind": "passport", "file": (io.BytesIO(restricted_pdf()), "p.pdf")},
    )
    assert refused.status_code == 400 and refused.json["error"] == "upload.pdf_restricted"
    up = client.post(
        f"/api/v1/drafts/{draft_id}/attachments",
        headers=API,
        content_type="multipart/form-data",
        data={"kind": "photo", "file": (io.BytesIO(jpeg()), "me.jpg")},
    )
    assert up.status_code == 201 and len(up.json["sha256"]) == 64
    key = str(uuid.uuid4())
    first = client.post(f"/api/v1/drafts/{draft_id}/signing-requests", json={"idempotency_key": key}, headers=API)
    second = client.post(f"/api/v1/drafts/{draft_id}/signing-requests", json={"idempotency_key": key}, headers=API)
    assert first.json["code"] == second.json["code"]
    code = first.json["code"]
    signer = client.application.test_client()  # the desktop signer has no session: the code authorises it
    got = signer.get(f"/api/v1/signing-requests/{code.lower().replace('-', ' ')}")  # typed loosely
    content = base64.b64decode(got.json["content_b64"])
    posted = signer.post(
        f"/api/v1/signing-requests/{code}/signature",
        headers=API,
        json={"signature_b64": base64.b64encode(fake_signature(content, "nguyen")).decode()},
    )
    assert posted.status_code == 200
    assert signer.get(f"/api/v1/signing-requests/{code}").status_code == 409  # used
    status = client.get(f"/api/v1/signing-requests/{code}/status").json
    assert status["status"] == "done" and status["application_id"] == posted.json["application_id"]
    assert [a["id"] for a in client.get("/api/v1/applications").json] == [posted.json["application_id"]]
    assert len(outbox_events(rt, "application.submitted")) == 1
    third = client.post(
        f"/api/v1/drafts/{draft_id}/signing-requests", json={"idempotency_key": str(uuid.uuid4())}, headers=API
    )
    assert third.status_code in (404, 409)


def test_unknown_code_and_bad_signature(client):
    assert client.get("/api/v1/signing-requests/ABCD-EFGH-JKLM").status_code == 404
    r = client.post("/api/v1/signing-requests/ABCD-EFGH-JKLM/signature", json={"signature_b64": "%%%"}, headers=API)
    assert r.status_code == 400


def test_hostile_bodies_get_4xx_not_500(client, rt):
    register(client, rt)
    draft_id = client.post("/api/v1/drafts", json={"procedure": "extension"}, headers=API).json["id"]
    for body, content_type in [
        (b'{"fields": {', "application/json"),
        (b"", "application/json"),
        (b"null", "application/json"),
        (b'{"fields": {"x": "1"}}', "text/plain"),
        (b"795", "application/json"),
        (b'"fields"', "application/json"),
        (b"[1]", "application/json"),
        (b"[" * 10000 + b"]" * 10000, "application/json"),
    ]:
        r = client.put(f"/api/v1/drafts/{draft_id}", data=body, headers={**API, "Content-Type": content_type})
        assert r.status_code == 400 and r.json["error"], (body[:20], r.status_code)
    nested = client.put(f"/api/v1/drafts/{draft_id}", json={"fields": {"a": {"b": 1}}}, headers=API)
    assert nested.status_code == 422
    deep = client.post(
        "/api/v1/eligibility",
        data=b'{"a":' * 5000 + b"1" + b"}" * 5000,
        headers={**API, "Content-Type": "application/json"},
    )
    assert deep.status_code == 400


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_eligibility_with_absurd_dates_is_a_validation_error(client, day):
    r = client.post("/api/v1/eligibility", json={"procedure": "extension", "period_expiry": day}, headers=API)
    assert r.status_code == 422


def test_absurd_dates_in_the_form_are_field_errors():
    from datetime import date

    from intake.domain import procedures
    from intake.domain.fields import parse_date

    assert parse_date("0001-01-01") is None and parse_date("9999-12-31") is None
    v = procedures.check(
        procedures.Request("extension", current_status="student", period_expiry=date(1, 1, 1)), date(2026, 11, 25)
    )
    assert v.problems == [("period_expiry", "error.date")]


def test_openapi_declares_the_api_header_on_writes(client):
    doc = client.get("/api/v1/openapi.json").json
    put = doc["paths"]["/api/v1/drafts/{draft_id}"]["put"]
    assert any(p["in"] == "header" and p["name"] == "X-Zairyu-Api" for p in put["parameters"])
    post_sig = doc["paths"]["/api/v1/signing-requests/{code}/signature"]["post"]
    assert not any(p["in"] == "header" for p in post_sig["parameters"])


def test_api_registration_withdrawal_and_inbox(client, rt):
    r = client.post("/api/v1/registrations", json={"email": "api@example.jp", "language": "vi"}, headers=API)
    assert r.status_code == 202 and r.json == {"status": "link_sent"}  # no card signature before the link
    sent = outbox_events(rt, "applicant.email_verification_requested")[-1]["payload"]
    assert sent["language"] == "vi" and sent["email"] == "api@example.jp"
    register(client, rt)
    draft = client.post("/api/v1/drafts", json={"procedure": "extension", "fields": worker_fields()}, headers=API).json
    client.post(
        f"/api/v1/drafts/{draft['id']}/attachments",
        headers=API,
        content_type="multipart/form-data",
        data={"kind": "photo", "file": (io.BytesIO(jpeg()), "me.jpg")},
    )
    code = client.post(
        f"/api/v1/drafts/{draft['id']}/signing-requests", json={"idempotency_key": str(uuid.uuid4())}, headers=API
    ).json["code"]
    content = base64.b64decode(client.get(f"/api/v1/signing-requests/{code}").json["content_b64"])
    app_id = client.post(
        f"/api/v1/signing-requests/{code}/signature",
        headers=API,
        json={"signature_b64": base64.b64encode(fake_signature(content, "nguyen")).decode()},
    ).json["application_id"]
    w = client.post(f"/api/v1/applications/{app_id}/withdrawal", json={"message": "leaving"}, headers=API)
    assert w.status_code == 201
    content = base64.b64decode(client.get(f"/api/v1/signing-requests/{w.json['code']}").json["content_b64"])
    assert b'"kind"' not in content and b"withdrawal" in content
    client.post(
        f"/api/v1/signing-requests/{w.json['code']}/signature",
        headers=API,
        json={"signature_b64": base64.b64encode(fake_signature(content, "nguyen")).decode()},
    )
    assert len(outbox_events(rt, "application.withdrawn")) == 1
    assert client.post(f"/api/v1/applications/{app_id}/withdrawal", json={}, headers=API).status_code == 409
    assert client.get("/api/v1/inbox").json == []


def test_login_is_rate_limited(client):
    statuses = [
        client.post("/login", data={"email": "x@example.jp", "password": "nope nope nope"}).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [200] * 10 and statuses[-1] == 429


def test_the_signature_post_is_rate_limited_by_its_own_decorator(client):
    # the signer's post: 30 a minute from one address
    client.environ_base["REMOTE_ADDR"] = "203.0.113.24"
    statuses = [
        client.post("/api/v1/signing-requests/ZZZZ-ZZZZ-ZZZZ/signature", json={"signature_b64": "c2ln"}).status_code
        for _ in range(31)
    ]
    assert statuses[:30] == [404] * 30 and statuses[-1] == 429
