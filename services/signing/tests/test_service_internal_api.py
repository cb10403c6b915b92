"""The internal verification API through the Flask test client (SQLite + in-memory bus)."""

from __future__ import annotations

import base64

import pytest
from service_support import expected_holder, make_runtime, sign

from signing.adapters.inprocess_card import inprocess_signer
from signing.entrypoints.web import create_app
from signing.testpki.card import card_for

CONTENT = "在留期間更新許可申請 / application for extension of period of stay".encode()
ORIGIN = "https://zairyu.example.jp"
NONCE = "q3Zb6Hc1uVn0tGm8S2xR4kLw9PyEaJdF7oTiU5sNzQ="


@pytest.fixture(scope="module")
def runtime(test_pki, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("api")
    rt = make_runtime(test_pki, f"sqlite:///{tmp}/signing.db", f"memory://{tmp.name}")
    rt.migrate()
    yield rt
    rt.stop()


@pytest.fixture(scope="module")
def client(runtime):
    return create_app(runtime).test_client()


def cms_request(pki, holder, content=CONTENT, signed=None, claimed=None, **extra):
    signature = sign(pki, holder, signed if signed is not None else content)
    body = {
        "content_b64": base64.b64encode(content).decode(),
        "signature_b64": base64.b64encode(signature).decode(),
        "profile": "jpki-sign",
        "expected_holder": claimed,
    }
    body.update(extra)
    return body


def test_good_signature_is_valid_with_holder_evidence(client, test_pki):
    holder = test_pki.first("valid")
    resp = client.post(
        "/internal/v1/verifications/cms", json=cms_request(test_pki, holder, claimed=expected_holder(holder))
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["verdict"] == "valid" and body["reason"] is None
    ev = body["evidence"]
    assert ev["certificate_serial"] == f"{holder.sign.cert.serial_number:X}"
    assert "JPKI for digital signature" in ev["issuer"]
    issuer = test_pki.issuer_of(holder.sign)
    assert ev["issuer_label"] == f"test-{issuer.id}"
    assert ev["holder"]["name"] == holder.attributes["name"]
    assert ev["holder"]["date_of_birth"] == holder.attributes["date_of_birth"]
    assert ev["holder"]["address"] == holder.attributes["address"]
    assert ev["revocation_source"] == f"crl:{issuer.crl_path.name}"
    assert 0 < ev["revocation_age_seconds"] < 86400 and ev["soft_fail"] is False
    assert ev["validation_time"]


def test_holder_of_an_older_ca_generation_is_valid_and_named(client, test_pki):
    older = next(h for h in test_pki.holders_of_kind("valid") if test_pki.issuer_of(h.sign).generation == 1)
    body = client.post("/internal/v1/verifications/cms", json=cms_request(test_pki, older)).get_json()
    assert body["verdict"] == "valid"
    assert body["evidence"]["issuer_label"] == "test-sign-g1"


@pytest.mark.parametrize(
    "kind, reason",
    [
        ("revoked", "revoked"),
        ("expired", "expired"),
        ("not_yet_valid", "not_yet_valid"),
        ("wrong_issuer", "issuer_generation_unknown"),
        ("wrong_key_usage", "wrong_key_usage"),
        ("wrong_policy", "wrong_policy"),
    ],
)
def test_bad_certificates_are_invalid_with_their_reason(client, test_pki, kind, reason):
    body = client.post(
        "/internal/v1/verifications/cms", json=cms_request(test_pki, test_pki.first(kind), language="ja")
    ).get_json()
    assert (body["verdict"], body["reason"]) == ("invalid", reason)
    assert body["message"] and body["message"] != body["evidence"]["detail"]


def test_tampered_content_and_other_holder_are_invalid(client, test_pki):
    holder = test_pki.first("valid")
    tampered = client.post(
        "/internal/v1/verifications/cms", json=cms_request(test_pki, holder, signed=CONTENT + b" (before edit)")
    ).get_json()
    assert (tampered["verdict"], tampered["reason"]) == ("invalid", "content_mismatch")
    someone_else = expected_holder(test_pki.holders_of_kind("valid")[2])
    mismatch = client.post(
        "/internal/v1/verifications/cms", json=cms_request(test_pki, holder, claimed=someone_else)
    ).get_json()
    assert (mismatch["verdict"], mismatch["reason"]) == ("invalid", "holder_mismatch")
    # The detail names the fields, never the values (personal data).
    assert "name" in mismatch["evidence"]["detail"]
    assert someone_else["name"] not in mismatch["evidence"]["detail"]


def test_auth_token_login(client, test_pki):
    holder = test_pki.first("valid")
    token = inprocess_signer(card_for(test_pki, holder)).authenticate(NONCE, ORIGIN, holder.pin)
    good = client.post(
        "/internal/v1/verifications/auth-token", json={"token": token, "origin": ORIGIN, "nonce": NONCE}
    ).get_json()
    assert good["verdict"] == "valid", good
    with_slash = client.post(
        "/internal/v1/verifications/auth-token", json={"token": token, "origin": ORIGIN + "/", "nonce": NONCE}
    ).get_json()
    assert with_slash["verdict"] == "valid"
    assert good["evidence"]["subject_cn"] == holder.auth.cert.subject.rfc4514_string().split(",")[0][3:]
    assert "holder" not in good["evidence"]
    replayed = client.post(
        "/internal/v1/verifications/auth-token", json={"token": token, "origin": "https://evil.example", "nonce": NONCE}
    ).get_json()
    assert (replayed["verdict"], replayed["reason"]) == ("invalid", "signature_invalid")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"content_b64": "AAAA", "profile": "jpki-sign"}, "signature_b64"),
        ({"content_b64": "not base64!", "signature_b64": "AAAA"}, "content_b64"),
        ({"content_b64": "AAAA", "signature_b64": "AAAA", "profile": "rfc5280"}, "profile"),
        ({"content_b64": "AAAA", "signature_b64": "AAAA", "surprise": 1}, "surprise"),
        (
            {"content_b64": "AAAA", "signature_b64": "AAAA", "expected_holder": {"date_of_birth": "2/3/1994"}},
            "expected_holder",
        ),
    ],
)
def test_malformed_cms_requests_are_400_naming_the_field(client, body, field):
    resp = client.post("/internal/v1/verifications/cms", json=body)
    assert resp.status_code == 400
    err = resp.get_json()
    assert err["error"] == "invalid_request" and field in err["fields"]


def test_non_json_and_bad_auth_requests_are_400(client):
    resp = client.post(
        "/internal/v1/verifications/cms", data="content_b64=AAAA", content_type="application/x-www-form-urlencoded"
    )
    assert resp.status_code == 400 and "JSON object" in resp.get_json()["message"]
    resp = client.post(
        "/internal/v1/verifications/auth-token",
        json={"token": {"algorithm": "RS256"}, "origin": "zairyu.example.jp", "nonce": "short"},
    )
    assert resp.status_code == 400
    assert set(resp.get_json()["fields"]) == {"token", "origin", "nonce"}


def test_undecodable_signature_is_an_invalid_verdict_not_an_error(client):
    resp = client.post(
        "/internal/v1/verifications/cms",
        json={"content_b64": "AAAA", "signature_b64": base64.b64encode(b"\x30\x03junk").decode()},
    )
    assert resp.status_code == 200
    assert (resp.get_json()["verdict"], resp.get_json()["reason"]) == ("invalid", "malformed")


def test_openapi_document_describes_every_endpoint(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/internal/v1/verifications/cms",
        "/internal/v1/verifications/auth-token",
        "/internal/v1/attestations/follow-up",
    }
    request_schema = spec["components"]["schemas"]["CmsVerificationRequest"]
    assert {"content_b64", "signature_b64"} <= set(request_schema["required"])


def test_ready_and_metrics_report_trust_and_crl_age(client, test_pki):
    ready = client.get("/readyz")
    assert ready.status_code == 200 and "trust" in ready.get_json()["checks"]
    text = client.get("/metrics").get_data(as_text=True)
    crl = test_pki.ca("sign-g2").crl_path.name
    age_lines = [line for line in text.splitlines() if line.startswith(f'zairyu_crl_age_seconds{{crl="{crl}"}}')]
    assert age_lines and 0 < float(age_lines[0].split()[-1]) < 86400
