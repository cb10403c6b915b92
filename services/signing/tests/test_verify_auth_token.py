"""Web eID-style card login tokens checked with the jpki-auth profile."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
import verify_pki as pki
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from signing.adapters.crl_index import CrlIndex
from signing.adapters.trust_store import TrustStore
from signing.domain import profiles
from signing.domain.verdict import Reason
from signing.domain.verification import VerificationPolicy, Verifier

ORIGIN = "https://intake.zairyu.example"
NONCE = base64.b64encode(b"n" * 32).decode()


def token(cert, key, origin=ORIGIN, nonce=NONCE, algorithm="RS256"):
    h = hashlib.sha384 if algorithm.endswith("384") else hashlib.sha256
    data = h(origin.encode()).digest() + h(nonce.encode()).digest()
    if algorithm.startswith("ES"):
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA384())))
        sig = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    else:
        sig = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return {
        "unverifiedCertificate": base64.b64encode(pki.cert_der(cert)).decode(),
        "algorithm": algorithm,
        "signature": base64.b64encode(sig).decode(),
        "format": "web-eid:1.0",
    }


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = pki.make_root(pki.AUTH_DN, slot=14)
    crl_dir = tmp_path_factory.mktemp("crl")
    (crl_dir / "auth.crl").write_bytes(pki.crl_der(pki.make_crl(root, [0xBAD])))
    trust = TrustStore.from_certificates([root.cert], [root.fingerprint])
    v = Verifier(
        trust,
        [CrlIndex(crl_dir, trust)],
        VerificationPolicy(auth_profile=profiles.jpki_auth("test"), clock=lambda: pki.NOW),
    )
    return root, v


def test_valid_login(setup):
    root, v = setup
    cert, key = pki.issue(root, profile="auth", slot=34)
    verdict = v.verify_auth_token(token(cert, key), ORIGIN, NONCE)
    assert verdict.valid and verdict.profile == "jpki-auth" and verdict.revocation.status == "good"
    assert v.verify_auth_token(json.dumps(token(cert, key)), ORIGIN, NONCE).valid  # JSON text accepted too


def test_replay_to_another_origin_or_nonce_fails(setup):
    root, v = setup
    cert, key = pki.issue(root, profile="auth", slot=34)
    t = token(cert, key)
    assert v.verify_auth_token(t, "https://evil.example", NONCE).reason == Reason.SIGNATURE_INVALID
    assert v.verify_auth_token(t, ORIGIN, NONCE + "x").reason == Reason.SIGNATURE_INVALID


def test_signature_certificate_cannot_log_in(setup):
    root, v = setup
    cert, key = pki.issue(root, profile="sign", slot=35)
    assert v.verify_auth_token(token(cert, key), ORIGIN, NONCE).reason == Reason.WRONG_KEY_USAGE


def test_revoked_card(setup):
    root, v = setup
    cert, key = pki.issue(root, profile="auth", slot=36, serial=0xBAD)
    assert v.verify_auth_token(token(cert, key), ORIGIN, NONCE).reason == Reason.REVOKED


def test_malformed_and_weak_tokens(setup):
    root, v = setup
    cert, key = pki.issue(root, profile="auth", slot=34)
    good = token(cert, key)
    assert v.verify_auth_token({**good, "format": "other"}, ORIGIN, NONCE).reason == Reason.MALFORMED
    assert v.verify_auth_token({**good, "signature": "@@"}, ORIGIN, NONCE).reason == Reason.MALFORMED
    assert v.verify_auth_token({**good, "algorithm": "HS256"}, ORIGIN, NONCE).reason == Reason.WEAK_ALGORITHM
    assert v.verify_auth_token("{not json", ORIGIN, NONCE).reason == Reason.MALFORMED


def test_es384_next_generation_card(tmp_path):
    root = pki.make_root(pki.AUTH_DN, kind="p384", slot=42)
    cert, key = pki.issue(root, profile="auth", kind="p384", slot=43)
    trust = TrustStore.from_certificates([root.cert], [root.fingerprint])
    (tmp_path / "a.crl").write_bytes(pki.crl_der(pki.make_crl(root)))
    v = Verifier(
        trust,
        [CrlIndex(tmp_path, trust)],
        VerificationPolicy(auth_profile=profiles.jpki_auth("test"), clock=lambda: pki.NOW),
    )
    assert v.verify_auth_token(token(cert, key, algorithm="ES384"), ORIGIN, NONCE).valid


def test_hostile_token_text_and_arguments_are_malformed(setup):
    root, v = setup
    cert, key = pki.issue(root, profile="auth", slot=34)
    assert v.verify_auth_token("[" * 100_000 + "]" * 100_000, ORIGIN, NONCE).reason == Reason.MALFORMED
    assert v.verify_auth_token(token(cert, key), ORIGIN + "\ud800", NONCE).reason == Reason.MALFORMED
    assert v.verify_auth_token(token(cert, key), ORIGIN, "\udfff").reason == Reason.MALFORMED
