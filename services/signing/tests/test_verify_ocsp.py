"""OCSP against a tiny responder on 127.0.0.1: good, revoked, unknown, forged, unreachable."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import verify_pki as pki
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from signing.adapters.crl_index import CrlIndex
from signing.adapters.ocsp import OcspClient
from signing.adapters.trust_store import TrustStore
from signing.domain import profiles
from signing.domain.verdict import Reason
from signing.domain.verification import VerificationPolicy, Verifier

NOW = pki.NOW


class Responder:
    """Answers from `statuses` (serial -> "good" | "revoked"), signed by `signer` (CA or delegate)."""

    def __init__(self, ca):
        self.ca = ca
        self.statuses: dict[int, str] = {}
        self.revoked_at = NOW - dt.timedelta(days=1)
        self.signer_cert, self.signer_key = ca.cert, ca.key
        self.requests = 0
        self.raw_answer: bytes | None = None  # when set, sent instead of a built response
        responder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                responder.requests += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answer = responder.raw_answer or responder.answer(ocsp.load_der_ocsp_request(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/ocsp-response")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, request) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

        status = self.statuses.get(request.serial_number, "unknown")
        cert, _ = pki.issue(self.ca, slot=1, serial=request.serial_number)  # only serial/issuer matter
        kwargs = dict(revocation_time=None, revocation_reason=None)
        cert_status = {
            "good": ocsp.OCSPCertStatus.GOOD,
            "unknown": ocsp.OCSPCertStatus.UNKNOWN,
            "revoked": ocsp.OCSPCertStatus.REVOKED,
        }[status]
        if status == "revoked":
            kwargs = dict(revocation_time=self.revoked_at, revocation_reason=None)
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=cert,
                issuer=self.ca.cert,
                algorithm=hashes.SHA1(),
                cert_status=cert_status,
                this_update=NOW - dt.timedelta(minutes=10),
                next_update=NOW + dt.timedelta(hours=4),
                **kwargs,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.signer_cert)
        )
        if self.signer_cert is not self.ca.cert:
            builder = builder.certificates([self.signer_cert])
        return builder.sign(self.signer_key, hashes.SHA256()).public_bytes(Encoding.DER)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ca():
    return pki.make_root(slot=10)


def verifier(ca, sources, trust=None):
    trust = trust or TrustStore.from_certificates([ca.cert], [ca.fingerprint])
    policy = VerificationPolicy(sign_profile=profiles.jpki_sign("test"), clock=lambda: NOW)
    return Verifier(trust, sources, policy)


def test_good_revoked_unknown(ca):
    good, gk = pki.issue(ca, slot=20, serial=501)
    bad, bk = pki.issue(ca, slot=21, serial=502)
    odd, ok_ = pki.issue(ca, slot=22, serial=503)
    with Responder(ca) as responder:
        responder.statuses = {501: "good", 502: "revoked"}
        v = verifier(ca, [OcspClient(responder.url)])
        verdict = v.verify_cms(b"x", pki.sign_cms(b"x", good, gk))
        assert verdict.valid, verdict
        assert verdict.revocation.source_kind == "ocsp" and verdict.revocation.source == responder.url
        assert verdict.revocation.next_update == NOW + dt.timedelta(hours=4)
        assert v.verify_cms(b"x", pki.sign_cms(b"x", bad, bk)).reason == Reason.REVOKED
        assert v.verify_cms(b"x", pki.sign_cms(b"x", odd, ok_)).reason == Reason.REVOCATION_UNAVAILABLE
        before = responder.requests
        assert v.verify_cms(b"x", pki.sign_cms(b"x", good, gk)).valid
        assert responder.requests == before  # cached until nextUpdate


def test_a_cached_answer_is_judged_again_for_each_question_time(ca):
    """Issue 15: the first question (a signature from before the revocation) cached "good", and a later
    signature by the then revoked certificate got that "good" until nextUpdate."""
    leaf, k = pki.issue(ca, slot=20, serial=551)
    with Responder(ca) as responder:
        responder.statuses = {551: "revoked"}
        responder.revoked_at = NOW - dt.timedelta(days=1)
        v = verifier(ca, [OcspClient(responder.url)])
        signature = pki.sign_cms(b"x", leaf, k)
        before_revocation = v.verify_cms(b"x", signature, at=NOW - dt.timedelta(days=2))
        assert before_revocation.valid, before_revocation
        asked = responder.requests
        after = v.verify_cms(b"x", signature)  # now, after the revocation: the same cached answer says revoked
        assert after.reason == Reason.REVOKED, after
        assert after.revocation.revocation_time == NOW - dt.timedelta(days=1)
        assert v.verify_cms(b"x", signature, at=NOW - dt.timedelta(days=2)).valid
        assert responder.requests == asked  # one answer, cached, judged for each question


def test_delegated_responder_needs_ocsp_signing(ca):
    leaf, k = pki.issue(ca, slot=20, serial=601)
    with Responder(ca) as responder:
        responder.statuses = {601: "good"}
        delegate, dkey = pki.issue(ca, profile="auth", slot=23, eku=[ExtendedKeyUsageOID.OCSP_SIGNING])
        responder.signer_cert, responder.signer_key = delegate, dkey
        assert verifier(ca, [OcspClient(responder.url)]).verify_cms(b"x", pki.sign_cms(b"x", leaf, k)).valid
        not_delegated, nkey = pki.issue(ca, profile="auth", slot=24)  # clientAuth only
        responder.signer_cert, responder.signer_key = not_delegated, nkey
        verdict = verifier(ca, [OcspClient(responder.url)]).verify_cms(b"x", pki.sign_cms(b"x", leaf, k))
        assert verdict.reason == Reason.REVOCATION_UNAVAILABLE and "OCSPSigning" in verdict.detail


def test_response_signed_by_a_stranger_is_not_trusted(ca):
    leaf, k = pki.issue(ca, slot=20, serial=701)
    with Responder(ca) as responder:
        responder.statuses = {701: "good"}
        stranger = pki.make_root(slot=12)
        responder.signer_cert, responder.signer_key = stranger.cert, stranger.key
        verdict = verifier(ca, [OcspClient(responder.url)]).verify_cms(b"x", pki.sign_cms(b"x", leaf, k))
        assert verdict.reason == Reason.REVOCATION_UNAVAILABLE


def test_ocsp_answers_when_the_crl_is_stale(ca, tmp_path):
    leaf, k = pki.issue(ca, slot=20, serial=801)
    trust = TrustStore.from_certificates([ca.cert], [ca.fingerprint])
    (tmp_path / "ca.crl").write_bytes(pki.crl_der(pki.make_crl(ca, next_update=NOW - dt.timedelta(hours=1))))
    with Responder(ca) as responder:
        responder.statuses = {801: "good"}
        v = verifier(ca, [CrlIndex(tmp_path, trust), OcspClient(responder.url)], trust)
        verdict = v.verify_cms(b"x", pki.sign_cms(b"x", leaf, k))
        assert verdict.valid and verdict.revocation.source_kind == "ocsp"


def test_unreachable_responder(ca):
    leaf, k = pki.issue(ca, slot=20)
    with Responder(ca) as responder:
        url = responder.url
    verdict = verifier(ca, [OcspClient(url, timeout=2)]).verify_cms(b"x", pki.sign_cms(b"x", leaf, k))
    assert verdict.reason == Reason.REVOCATION_UNAVAILABLE and "unreachable" in verdict.detail


def test_garbage_answer_is_unavailable_not_a_crash(ca):
    leaf, k = pki.issue(ca, slot=20, serial=901)
    with Responder(ca) as responder:
        responder.raw_answer = b"\x30\x03\x0a\x01\x00"  # OCSPResponse with only a status byte
        verdict = verifier(ca, [OcspClient(responder.url)]).verify_cms(b"x", pki.sign_cms(b"x", leaf, k))
        assert verdict.reason == Reason.REVOCATION_UNAVAILABLE
        responder.raw_answer = b"not DER at all"
        verdict = verifier(ca, [OcspClient(responder.url)]).verify_cms(b"x", pki.sign_cms(b"x", leaf, k))
        assert verdict.reason == Reason.REVOCATION_UNAVAILABLE and "unparseable" in verdict.detail
