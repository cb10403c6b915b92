"""OCSP client: asks a configured responder (J-LIS gives the URL to registered verifiers).

The response must be signed by the issuing CA itself or by a responder certificate that the CA
issued with the OCSPSigning extended key usage. What the responder said (status, revocation time and
reason, thisUpdate/nextUpdate) is cached until its nextUpdate, never a verdict: each question's time is
judged against the cached answer, so a certificate revoked after one signature and before the next is
"good" for the first and "revoked" for the second from the same answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import urllib.error
import urllib.request
from typing import Any

from asn1crypto import keys
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from signing.domain.verdict import RevocationEvidence

SKEW = dt.timedelta(minutes=5)  # a responder clock this far ahead of ours is tolerated


@dataclasses.dataclass(frozen=True)
class OcspAnswer:
    """A verified responder answer for one certificate, independent of any question's time."""

    status: str  # "good" | "revoked"
    this_update: dt.datetime
    next_update: dt.datetime | None
    revocation_time: dt.datetime | None = None
    revocation_reason: str | None = None


class OcspClient:
    def __init__(
        self, url: str, timeout: float = 5.0, max_age_without_next_update: dt.timedelta = dt.timedelta(hours=1)
    ):
        self.url = url
        self.timeout = timeout
        self.max_age = max_age_without_next_update
        self._cache: dict[tuple[bytes, int], OcspAnswer] = {}
        self._lock = threading.Lock()

    def status(
        self, cert: x509.Certificate, anchor, now: dt.datetime, revoked_before: dt.datetime | None = None
    ) -> RevocationEvidence:
        """Status of `cert` issued by trust anchor `anchor` (anything with a .certificate)."""
        issuer = anchor.certificate
        key = (issuer.fingerprint(hashes.SHA256()), cert.serial_number)
        with self._lock:
            answer = self._cache.get(key)
        if answer is None or not (answer.this_update - SKEW <= now <= self._expiry(answer)):
            fetched = self._ask(cert, issuer, now)
            if isinstance(fetched, RevocationEvidence):
                return fetched  # unavailable or unknown: never cached
            answer = fetched
            with self._lock:
                self._cache[key] = answer
        return self.judge(answer, now, revoked_before)

    def _expiry(self, answer: OcspAnswer) -> dt.datetime:
        return answer.next_update or (answer.this_update + self.max_age)

    def judge(
        self, answer: OcspAnswer, now: dt.datetime, revoked_before: dt.datetime | None = None
    ) -> RevocationEvidence:
        """The evidence for one question: revoked if the answer's revocation came at or before
        ``revoked_before`` (the signing time; None: at any time), else good while the answer is current."""
        evidence: dict[str, Any] = dict(
            source_kind="ocsp",
            source=self.url,
            this_update=answer.this_update,
            next_update=answer.next_update,
            age_seconds=(now - answer.this_update).total_seconds(),
        )
        if (
            answer.status == "revoked"
            and answer.revocation_time is not None
            and (revoked_before is None or answer.revocation_time <= revoked_before)
        ):
            return RevocationEvidence(
                status="revoked",
                revocation_time=answer.revocation_time,
                revocation_reason=answer.revocation_reason,
                **evidence,
            )
        if now > self._expiry(answer):
            return RevocationEvidence(status="stale", note="OCSP response is past its nextUpdate", **evidence)
        if answer.this_update > now + SKEW:
            return RevocationEvidence(status="stale", note="OCSP thisUpdate is in the future", **evidence)
        return RevocationEvidence(status="good", **evidence)

    def _ask(self, cert, issuer, now) -> OcspAnswer | RevocationEvidence:
        request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
        http = urllib.request.Request(
            self.url,
            data=request.public_bytes(Encoding.DER),
            headers={"Content-Type": "application/ocsp-request", "Accept": "application/ocsp-response"},
        )
        try:
            with urllib.request.urlopen(http, timeout=self.timeout) as resp:
                body = resp.read(1 << 20)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return self._unavailable(f"OCSP responder unreachable: {exc}")
        try:
            response = ocsp.load_der_ocsp_response(body)
        except ValueError as exc:
            return self._unavailable(f"OCSP response unparseable: {exc}")
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            return self._unavailable(f"OCSP responder said {response.response_status.name}")
        try:
            problem = _check_response(response, cert, issuer)
        except (ValueError, TypeError, UnsupportedAlgorithm, x509.DuplicateExtension) as exc:
            # e.g. several SingleResponses (the single-response accessors raise) or an unreadable
            # responder certificate: the answer is unusable, which is not the signature's fault
            problem = f"OCSP response unusable: {exc}"
        if problem:
            return self._unavailable(problem)
        if response.certificate_status == ocsp.OCSPCertStatus.UNKNOWN:
            return RevocationEvidence(
                status="unavailable",
                note="OCSP responder does not know the certificate",
                source_kind="ocsp",
                source=self.url,
                this_update=response.this_update_utc,
                next_update=response.next_update_utc,
                age_seconds=(now - response.this_update_utc).total_seconds(),
            )
        if response.certificate_status == ocsp.OCSPCertStatus.REVOKED:
            reason = response.revocation_reason.value if response.revocation_reason else None
            return OcspAnswer(
                "revoked", response.this_update_utc, response.next_update_utc, response.revocation_time_utc, reason
            )
        return OcspAnswer("good", response.this_update_utc, response.next_update_utc)

    def _unavailable(self, note: str) -> RevocationEvidence:
        return RevocationEvidence(status="unavailable", source_kind="ocsp", source=self.url, note=note)


def _check_response(response: ocsp.OCSPResponse, cert: x509.Certificate, issuer: x509.Certificate) -> str | None:
    if response.serial_number != cert.serial_number:
        return "OCSP response is for another certificate"
    expected = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, response.hash_algorithm).build()
    if response.issuer_key_hash != expected.issuer_key_hash or response.issuer_name_hash != expected.issuer_name_hash:
        return "OCSP response is for another issuer"
    signer = issuer
    if not _responder_is(issuer, response):
        delegated = [c for c in response.certificates if _responder_is(c, response)]
        if not delegated:
            return "OCSP response signer is neither the CA nor a certificate it includes"
        signer = delegated[0]
        try:
            signer.verify_directly_issued_by(issuer)
            eku = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
            return "OCSP delegated responder is not authorised by the CA"
        if ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
            return "OCSP delegated responder lacks the OCSPSigning usage"
    if not _signature_ok(signer.public_key(), response):
        return "OCSP response signature does not verify"
    return None


def _responder_is(cert: x509.Certificate, response: ocsp.OCSPResponse) -> bool:
    if response.responder_name is not None:
        return cert.subject == response.responder_name
    digest = hashes.Hash(hashes.SHA1())
    digest.update(_spki_bits(cert))
    return digest.finalize() == response.responder_key_hash


def _spki_bits(cert: x509.Certificate) -> bytes:
    info = keys.PublicKeyInfo.load(cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))
    return bytes(info["public_key"].contents[1:])  # the BIT STRING value without its unused-bits byte


def _signature_ok(key, response: ocsp.OCSPResponse) -> bool:
    if not isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        return False
    algorithm = response.signature_hash_algorithm
    if algorithm is None:  # only EdDSA signs without a separate hash
        return False
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(response.signature, response.tbs_response_bytes, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(response.signature, response.tbs_response_bytes, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True
