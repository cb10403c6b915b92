"""Revocation data an attacker (or a careless mirror) can put in front of the verifier (issue 15).

* A delta CRL read as a full one: newer and empty, it un-revoked every certificate of its CA. Only
  full CRLs count; a delta (deltaCRLIndicator), a CRL pointing to deltas (freshestCRL), a partial
  scope (indirect, some reasons) or an unknown critical extension is refused with its reason.
* An OCSP answer cached as a verdict: "good" for a signature made before a revocation stayed "good"
  for signatures made after it. The responder's answer is cached, each question judged against it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import types
from pathlib import Path

import pytest
from cryptography import x509

pytestmark = pytest.mark.timeout(120)
CONTENT = b'{"application_id": "app-revocation", "procedure": "extension"}'


def verifier_on(pki, crl_dir: Path, ocsp_url: str = ""):
    from signing.adapters import verifier_factory

    config = types.SimpleNamespace(
        trust_pins=f"test:{pki.root / 'manifest.json'}",
        trust_extra_pins="",
        trust_dir=str(pki.root / "trust"),
        crl_dir=str(crl_dir),
        crl_max_age=3 * 86400,
        ocsp_url=ocsp_url,
        sign_policy_oid="test",
        auth_policy_oid="production",
        revocation_soft_fail=False,
    )
    return verifier_factory.build(config)


def signature_of(pki, holder) -> bytes:
    from signing.adapters.inprocess_card import inprocess_signer
    from signing.testpki.card import card_for

    return inprocess_signer(card_for(pki, holder)).sign(CONTENT, holder.password)


@pytest.mark.parametrize("shape", ["delta", "freshest", "indirect", "unknown-critical"])
def test_a_newer_empty_crl_of_another_scope_does_not_unrevoke(attack_pki, tmp_path, shape):
    from signing.domain.verdict import Reason
    from signing.testpki.crl import build_crl

    holder = attack_pki.first("revoked")
    ca = attack_pki.issuer_of(holder.sign)
    crl_dir = tmp_path / "crl"
    shutil.copytree(attack_pki.crl_dir, crl_dir)
    now = dt.datetime.now(dt.UTC)
    if shape == "delta":  # the test PKI's own writer, as an operator's mirror could serve it
        newer = build_crl(
            issuer=ca.cert,
            issuer_key=ca.key,
            this_update=now - dt.timedelta(minutes=1),
            next_update=now + dt.timedelta(days=1),
            number=3,
            revoked=[],
            delta_of=2,
        )
    else:
        from cryptography.hazmat.primitives import hashes, serialization

        extension, critical = {
            "freshest": (
                x509.FreshestCRL(
                    [
                        x509.DistributionPoint(
                            [x509.UniformResourceIdentifier("http://crl.example/delta.crl")], None, None, None
                        )
                    ]
                ),
                False,
            ),
            "indirect": (x509.IssuingDistributionPoint(None, None, False, False, None, True, False), True),
            "unknown-critical": (x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4"), b"\x05\x00"), True),
        }[shape]
        newer = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(ca.cert.subject)
            .last_update(now - dt.timedelta(minutes=1))
            .next_update(now + dt.timedelta(days=1))
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
            .add_extension(x509.CRLNumber(3), critical=False)
            .add_extension(extension, critical=critical)
            .sign(ca.key, hashes.SHA256())
            .public_bytes(serialization.Encoding.DER)
        )
    (crl_dir / f"zz-{shape}.crl").write_bytes(newer)
    service = verifier_on(attack_pki, crl_dir)
    verdict = service.verifier.verify_cms(CONTENT, signature_of(attack_pki, holder))
    assert not verdict.valid and verdict.reason == Reason.REVOKED, verdict
    reason = service.crl_index.rejected[str(crl_dir / f"zz-{shape}.crl")]
    assert any(word in reason for word in ("delta", "issuingDistributionPoint", "critical")), reason
    # a valid holder is still good: the full CRL is what counts
    assert service.verifier.verify_cms(CONTENT, signature_of(attack_pki, attack_pki.first("valid"))).valid


def test_an_ocsp_good_for_an_earlier_question_is_not_reused_after_the_revocation():
    import verify_pki as pki
    from test_verify_ocsp import Responder

    from signing.adapters.ocsp import OcspClient
    from signing.adapters.trust_store import TrustStore
    from signing.domain import profiles
    from signing.domain.verdict import Reason
    from signing.domain.verification import VerificationPolicy, Verifier

    ca = pki.make_root(slot=10)
    leaf, key = pki.issue(ca, slot=20, serial=4242)
    signature = pki.sign_cms(b"x", leaf, key)
    revoked_at = pki.NOW - dt.timedelta(hours=6)
    with Responder(ca) as responder:
        responder.statuses, responder.revoked_at = {4242: "revoked"}, revoked_at
        policy = VerificationPolicy(sign_profile=profiles.jpki_sign("test"), clock=lambda: pki.NOW)
        verifier = Verifier(
            TrustStore.from_certificates([ca.cert], [ca.fingerprint]), [OcspClient(responder.url)], policy
        )
        # Questions in every order: each one's time decides, whatever was asked first.
        for at, valid in [
            (revoked_at - dt.timedelta(hours=1), True),
            (None, False),
            (revoked_at - dt.timedelta(seconds=1), True),
            (revoked_at, False),
            (revoked_at + dt.timedelta(seconds=1), False),
            (revoked_at - dt.timedelta(days=1), True),
        ]:
            verdict = verifier.verify_cms(b"x", signature, at=at)
            assert verdict.valid is valid and (valid or verdict.reason == Reason.REVOKED), (at, verdict)
        assert responder.requests == 1
