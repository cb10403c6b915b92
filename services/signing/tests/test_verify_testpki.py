"""The verifier against the project's test PKI (zairyu-pki): every holder kind gets its own verdict.

Signatures come from the signer's CAdES builder (signing.domain.cades) with the holder's key, so
this also checks that what the signer produces is what the verifier accepts.
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils

from signing.adapters.crl_index import CrlIndex
from signing.adapters.trust_store import TrustStore, fingerprint
from signing.domain import cades, profiles
from signing.domain.holder_attributes import ApplicantRecord
from signing.domain.verdict import Reason
from signing.domain.verification import VerificationPolicy, Verifier
from signing.testpki import create_test_pki

CONTENT = b'{"application_id": "app-testpki", "procedure": "change"}'
EXPECTED = {
    "valid": None,
    "revoked": Reason.REVOKED,
    "expired": Reason.EXPIRED,
    "not_yet_valid": Reason.NOT_YET_VALID,
    "wrong_issuer": Reason.ISSUER_GENERATION_UNKNOWN,
    "wrong_key_usage": Reason.WRONG_KEY_USAGE,
    "wrong_policy": Reason.WRONG_POLICY,
}


def trust_for(pki) -> TrustStore:
    pins = {fingerprint(ca.cert): f"test-{ca.id}" for ca in pki.cas if ca.trusted}
    anchors = [a for d in pki.trust_dir.values() for a in TrustStore.from_directory(d, pins).anchors]
    return TrustStore(anchors)


def verifier(pki, crl_dir=None) -> Verifier:
    trust = trust_for(pki)
    policy = VerificationPolicy(sign_profile=profiles.jpki_sign("test"), auth_profile=profiles.jpki_auth("production"))
    return Verifier(trust, [CrlIndex(crl_dir or pki.crl_dir, trust)], policy)


def sign(holder, content=CONTENT) -> bytes:
    key = holder.sign.key

    def card(digest_info: bytes) -> bytes:  # what the card does: PKCS#1 v1.5 over the DigestInfo
        return key.sign(digest_info[-32:], padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))

    return cades.build_detached(content, holder.sign.cert_der, card, signing_time=dt.datetime.now(dt.UTC))


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_holder_kind(test_pki, kind):
    v = verifier(test_pki)
    for holder in test_pki.holders_of_kind(kind):
        verdict = v.verify_cms(CONTENT, sign(holder))
        assert verdict.reason == EXPECTED[kind], (holder.id, verdict)
        assert verdict.valid == (kind == "valid")


def test_valid_holder_evidence_and_generation(test_pki):
    v = verifier(test_pki)
    for holder in test_pki.holders_of_kind("valid"):
        verdict = v.verify_cms(CONTENT, sign(holder))
        assert verdict.root_label == f"test-{holder.sign.issuer_id}"
        assert verdict.revocation.source.endswith(".crl") and verdict.revocation.status == "good"
        attrs = holder.attributes
        record = ApplicantRecord(name=attrs["name"], date_of_birth=attrs["date_of_birth"], address=attrs["address"])
        assert v.verify_cms(CONTENT, sign(holder), expected_holder=record).valid
        assert v.verify_cms(CONTENT + b"!", sign(holder)).reason == Reason.CONTENT_MISMATCH


def test_stale_crls(test_pki):
    verdict = verifier(test_pki, test_pki.stale_crl_dir).verify_cms(CONTENT, sign(test_pki.first("valid")))
    assert verdict.reason == Reason.REVOCATION_STALE


def test_more_valid_holders_each_verify_as_themselves(tmp_path):
    """A load test's extra applicants (more_valid): each its own certificate, attributes and keys, all valid."""
    pki = create_test_pki(tmp_path / "pki", more_valid=2)
    extra = [h for h in pki.holders_of_kind("valid") if h.id.startswith("valid-more-")]
    assert [h.id for h in extra] == ["valid-more-001", "valid-more-002"]
    assert extra[0].attributes["name"] != extra[1].attributes["name"]
    assert extra[0].sign.serial != extra[1].sign.serial
    v = verifier(pki)
    for holder in extra:
        attrs = holder.attributes
        record = ApplicantRecord(name=attrs["name"], date_of_birth=attrs["date_of_birth"], address=attrs["address"])
        verdict = v.verify_cms(CONTENT, sign(holder), expected_holder=record)
        assert verdict.valid, (holder.id, verdict)
        assert verdict.holder["name"] == attrs["name"]
    other = extra[1].attributes
    mismatch = ApplicantRecord(name=other["name"], date_of_birth=other["date_of_birth"], address=other["address"])
    assert v.verify_cms(CONTENT, sign(extra[0]), expected_holder=mismatch).reason == Reason.HOLDER_MISMATCH
