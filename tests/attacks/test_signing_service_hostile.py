"""The verifier crash bugs (test_verifier_hostile_input.py) seen from where an attacker reaches them.

Through signing's internal API (intake forwards an applicant's signature or card-login token) each
of those bugs was a 500 instead of a 200 "invalid" verdict; in the application.submitted consumer
the same exception meant retried, then dead-lettered, and never a signature.rejected for the
applicant. All are fixed; these stay as regression guards. Controls first, so the others cannot
pass by never reaching the verifier.
"""

from __future__ import annotations

import base64
import hashlib
import types

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils

pytestmark = pytest.mark.timeout(120)
CMS = "/internal/v1/verifications/cms"
AUTH = "/internal/v1/verifications/auth-token"
ORIGIN = "https://zairyu.example"
NONCE = "n" * 43
AKI_OID, SKI_OID = bytes.fromhex("0603551d23"), bytes.fromhex("0603551d0e")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(raw),)) + raw


def signed_by(key, cert_der: bytes, content: bytes) -> bytes:
    """A self-consistent CAdES signature made with `key` around `cert_der` (the attacker's own)."""
    from signing.domain import cades

    return cades.build_detached(
        content,
        cert_der,
        lambda digest_info: key.sign(digest_info[-32:], padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())),
    )


def nested_attribute_signature(real: bytes, depth: int) -> bytes:
    """The real signature with one more signed attribute (OID 1.2.3.4.5) of `depth` nested SEQUENCEs."""
    from asn1crypto import cms

    value = b""
    for _ in range(depth):
        value = b"\x30" + der_length(len(value)) + value
    si = cms.ContentInfo.load(real)["content"]["signer_infos"][0]
    attribute = b"\x06\x04\x2a\x03\x04\x05\x31" + der_length(len(value)) + value
    attribute = b"\x30" + der_length(len(attribute)) + attribute
    body = si["signed_attrs"].contents + attribute
    # Rebuild through asn1crypto so every enclosing length is right.
    si_new = cms.SignerInfo.load(si.dump())
    si_new["signed_attrs"] = cms.CMSAttributes.load(b"\x31" + der_length(len(body)) + body)
    info = cms.ContentInfo.load(real)
    info["content"]["signer_infos"] = cms.SignerInfos([si_new])
    return info.dump(force=False)


def web_eid_token(cert_der: bytes, key) -> dict:
    h = hashlib.sha256
    signed = h(ORIGIN.encode()).digest() + h(NONCE.encode()).digest()
    return {
        "format": "web-eid:1.0",
        "algorithm": "RS256",
        "unverifiedCertificate": b64(cert_der),
        "signature": b64(key.sign(signed, padding.PKCS1v15(), hashes.SHA256())),
    }


@pytest.fixture(scope="module")
def signing(service_apps):
    return service_apps("signing").test_client()


def post(client, path, body):
    response = client.post(path, json=body)
    assert response.status_code < 500, f"{path}: {response.status_code} {response.get_data()[:200]!r}"
    return response


# -- controls --------------------------------------------------------------------------------------


def test_control_real_signature_is_valid_through_the_api(signing, real_signature):
    content, der = real_signature
    answer = post(signing, CMS, {"content_b64": b64(content), "signature_b64": b64(der)}).get_json()
    assert answer["verdict"] == "valid", answer


def test_control_garbage_signature_is_an_invalid_verdict(signing):
    answer = post(signing, CMS, {"content_b64": b64(b"x"), "signature_b64": b64(b"\x30\x03\x02\x01")}).get_json()
    assert (answer["verdict"], answer["reason"]) == ("invalid", "malformed")


def test_control_real_login_token_is_valid_through_the_api(signing, attack_pki):
    holder = attack_pki.first("valid")
    token = web_eid_token(holder.auth.cert_der, holder.auth.key)
    answer = post(signing, AUTH, {"token": token, "origin": ORIGIN, "nonce": NONCE}).get_json()
    assert answer["verdict"] == "valid", answer


def test_control_shallow_unknown_attribute_is_an_invalid_verdict(signing, real_signature):
    content, der = real_signature
    hostile = nested_attribute_signature(der, 20)
    answer = post(signing, CMS, {"content_b64": b64(content), "signature_b64": b64(hostile)}).get_json()
    assert answer["verdict"] == "invalid" and answer["reason"] in ("signature_invalid", "malformed"), answer


# -- the bugs, end to end ----------------------------------------------------------------------------


def test_pem_armour_around_bad_base64_through_the_api(signing):
    pem = b"-----BEGIN CMS-----\nA\n-----END CMS-----\n"
    answer = post(signing, CMS, {"content_b64": b64(b"x"), "signature_b64": b64(pem)}).get_json()
    assert answer["reason"] == "malformed"


def test_deeply_nested_signed_attribute_through_the_api(signing, real_signature):
    content, der = real_signature
    hostile = nested_attribute_signature(der, 2000)
    answer = post(signing, CMS, {"content_b64": b64(content), "signature_b64": b64(hostile)}).get_json()
    assert answer["verdict"] == "invalid"


def test_attacker_certificate_with_unreadable_extensions_through_the_api(signing, attack_pki):
    holder = attack_pki.first("valid")
    forged = holder.sign.cert_der.replace(AKI_OID, SKI_OID)  # two subjectKeyIdentifiers
    content = b"application"
    hostile = signed_by(holder.sign.key, forged, content)
    answer = post(signing, CMS, {"content_b64": b64(content), "signature_b64": b64(hostile)}).get_json()
    assert (answer["verdict"], answer["reason"]) == ("invalid", "malformed")


def test_login_token_with_unreadable_certificate_extensions_through_the_api(signing, attack_pki):
    holder = attack_pki.first("valid")
    forged = holder.auth.cert_der.replace(AKI_OID, SKI_OID)
    x509.load_der_x509_certificate(forged)  # loads: the defect only shows when extensions are read
    token = web_eid_token(forged, holder.auth.key)
    answer = post(signing, AUTH, {"token": token, "origin": ORIGIN, "nonce": NONCE}).get_json()
    assert answer["verdict"] == "invalid"


def test_signing_time_of_the_wrong_type_through_the_api(signing, real_signature):
    from asn1crypto import cms

    content, der = real_signature
    info = cms.ContentInfo.load(der)
    si = info["content"]["signer_infos"][0]
    attrs = [a for a in si["signed_attrs"] if a["type"].native != "signing_time"]
    value = b"\x0c\x03abc"  # UTF8String where a Time belongs
    raw = b"".join(a.dump() for a in attrs)
    extra = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x09\x05\x31" + der_length(len(value)) + value
    raw += b"\x30" + der_length(len(extra)) + extra
    si_new = cms.SignerInfo.load(si.dump())
    si_new["signed_attrs"] = cms.CMSAttributes.load(b"\x31" + der_length(len(raw)) + raw)
    info["content"]["signer_infos"] = cms.SignerInfos([si_new])
    answer = post(signing, CMS, {"content_b64": b64(content), "signature_b64": b64(info.dump())}).get_json()
    assert answer["verdict"] == "invalid"


def test_login_with_lone_surrogate_in_nonce_through_the_api(signing, attack_pki):
    holder = attack_pki.first("valid")
    token = web_eid_token(holder.auth.cert_der, holder.auth.key)
    body = (
        '{"token": %s, "origin": "%s", "nonce": "%s\\ud800"}' % (__import__("json").dumps(token), ORIGIN, NONCE)
    ).encode()
    response = signing.post(AUTH, data=body, content_type="application/json")
    assert response.status_code < 500, response.get_data()[:200]


# -- the consumer: a hostile submission must be rejected, not dead-lettered ----------------------------


@pytest.fixture(scope="module")
def verification_service(attack_pki):
    from signing.adapters import verifier_factory

    pki = attack_pki
    return verifier_factory.build(
        types.SimpleNamespace(
            trust_pins=f"test:{pki.root / 'manifest.json'}",
            trust_extra_pins="",
            trust_dir=str(pki.root / "trust"),
            crl_dir=str(pki.crl_dir),
            crl_max_age=3 * 86400,
            ocsp_url="",
            sign_policy_oid="test",
            auth_policy_oid="production",
            revocation_soft_fail=False,
        )
    )


def submission(content: bytes, signature: bytes) -> dict:
    import datetime as dt

    return {
        "signed_content_b64": b64(content),
        "signature_cms_b64": b64(signature),
        "content_sha256": hashlib.sha256(content).hexdigest(),
        "expected_holder": {"name": None, "date_of_birth": None, "sex": None, "address": None},
        "submitted_at": dt.datetime.now(dt.UTC),
    }


def test_control_consumer_rejects_a_garbage_signature(verification_service):
    from signing.application.verifying import judge_submission

    verdict = judge_submission(verification_service, submission(b"x", b"\x30\x00"))
    assert not verdict.valid and verdict.reason.value == "malformed"


def test_consumer_rejects_an_attacker_certificate_with_unreadable_extensions(verification_service, attack_pki):
    from signing.application.verifying import judge_submission

    holder = attack_pki.first("valid")
    content = b"application"
    hostile = signed_by(holder.sign.key, holder.sign.cert_der.replace(AKI_OID, SKI_OID), content)
    verdict = judge_submission(verification_service, submission(content, hostile))
    assert not verdict.valid and verdict.reason.value == "malformed"


def test_consumer_rejects_a_deeply_nested_signed_attribute(verification_service, real_signature):
    from signing.application.verifying import judge_submission

    content, der = real_signature
    verdict = judge_submission(verification_service, submission(content, nested_attribute_signature(der, 2000)))
    assert not verdict.valid
