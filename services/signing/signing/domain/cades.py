"""Detached CMS SignedData, CAdES-BES shape, built around a card that signs a DigestInfo.

Signed attributes: content-type (id-data), message-digest, signing-time, signingCertificateV2
(ESSCertIDv2, SHA-256 of the signer certificate, with issuer and serial). SHA-256 throughout,
sha256WithRSAEncryption, the signer certificate included, no eContent (detached).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Callable

from asn1crypto import cms, tsp, x509 as asn1_x509  # tsp: registers signing_certificate_v2

_SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def sha256_digest_info(digest: bytes) -> bytes:
    """DER DigestInfo with explicit NULL parameters (the encoding verifiers compare against)."""
    assert len(digest) == 32
    return _SHA256_DIGEST_INFO_PREFIX + digest


def signed_attributes(content_digest: bytes, cert: asn1_x509.Certificate,
                      signing_time: dt.datetime) -> cms.CMSAttributes:
    ess = tsp.SigningCertificateV2({"certs": [{
        "cert_hash": hashlib.sha256(cert.dump()).digest(),
        "issuer_serial": {
            "issuer": [asn1_x509.GeneralName(name="directory_name", value=cert.issuer)],
            "serial_number": cert.serial_number,
        },
    }]})
    attributes = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time(name="utc_time", value=signing_time)]}),
        cms.CMSAttribute({"type": "message_digest", "values": [content_digest]}),
        cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]}),
    ]
    # DER orders SET OF by encoding; verifiers re-encode before checking the signature.
    attributes.sort(key=lambda attribute: attribute.dump())
    return cms.CMSAttributes(attributes)


def build_detached(content: bytes, cert_der: bytes, sign_digest_info: Callable[[bytes], bytes],
                   signing_time: dt.datetime | None = None) -> bytes:
    """DER ContentInfo(SignedData) over ``content``; ``sign_digest_info`` is the card."""
    cert = asn1_x509.Certificate.load(cert_der)
    when = (signing_time or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    attrs = signed_attributes(hashlib.sha256(content).digest(), cert, when)
    signature = sign_digest_info(sha256_digest_info(hashlib.sha256(attrs.dump()).digest()))
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier(name="issuer_and_serial_number", value={
            "issuer": cert.issuer, "serial_number": cert.serial_number}),
        "digest_algorithm": {"algorithm": "sha256"},
        "signed_attrs": attrs,
        "signature_algorithm": {"algorithm": "sha256_rsa"},
        "signature": signature,
    })
    signed_data = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": "sha256"}],
        "encap_content_info": {"content_type": "data"},
        "certificates": [cms.CertificateChoices(name="certificate", value=cert)],
        "signer_infos": [signer_info],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
