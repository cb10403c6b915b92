"""Detached CMS SignedData, CAdES-BES shape, built around a card that signs a DigestInfo.

Signed attributes: content-type (id-data), message-digest, signing-time, signingCertificateV2
(ESSCertIDv2, SHA-256 of the signer certificate, with issuer and serial). SHA-256 throughout,
sha256WithRSAEncryption, the signer certificate included, no eContent (detached).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from asn1crypto import cms, tsp  # tsp: registers signing_certificate_v2
from asn1crypto import x509 as asn1_x509

_SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def sha256_digest_info(digest: bytes) -> bytes:
    """DER DigestInfo with explicit NULL parameters (the encoding verifiers compare against)."""
    assert len(digest) == 32
    return _SHA256_DIGEST_INFO_PREFIX + digest


def _issuer(cert: asn1_x509.Certificate) -> asn1_x509.Name:
    # A fresh parse of the issuer bytes: reusing the parsed child makes asn1crypto re-encode
    # the whole certificate on every dump (10x slower).
    return asn1_x509.Name.load(cert["tbs_certificate"]["issuer"].dump())


def signed_attributes(content_digest: bytes, cert_der: bytes, signing_time: dt.datetime) -> cms.CMSAttributes:
    cert = asn1_x509.Certificate.load(cert_der)
    ess = tsp.SigningCertificateV2(
        {
            "certs": [
                {
                    "cert_hash": hashlib.sha256(cert_der).digest(),
                    "issuer_serial": {
                        "issuer": [asn1_x509.GeneralName(name="directory_name", value=_issuer(cert))],
                        "serial_number": cert.serial_number,
                    },
                }
            ]
        }
    )
    attributes = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time(name="utc_time", value=signing_time)]}),
        cms.CMSAttribute({"type": "message_digest", "values": [content_digest]}),
        cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]}),
    ]
    # DER orders SET OF by encoding; verifiers re-encode before checking the signature.
    # Assembled as bytes and loaded back: a loaded (unmutated) asn1crypto value dumps its
    # original bytes, where a built one is re-encoded on every dump (~1.5 ms each here).
    encoded = sorted(attribute.dump() for attribute in attributes)
    body = b"".join(encoded)
    return cms.CMSAttributes.load(b"\x31" + _der_length(len(body)) + body)


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(raw),)) + raw


def build_detached(
    content: bytes, cert_der: bytes, sign_digest_info: Callable[[bytes], bytes], signing_time: dt.datetime | None = None
) -> bytes:
    """DER ContentInfo(SignedData) over ``content``; ``sign_digest_info`` is the card."""
    cert = asn1_x509.Certificate.load(cert_der)
    when = (signing_time or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    attrs = signed_attributes(hashlib.sha256(content).digest(), cert_der, when)
    signature = sign_digest_info(sha256_digest_info(hashlib.sha256(attrs.dump()).digest()))
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number", value={"issuer": _issuer(cert), "serial_number": cert.serial_number}
            ),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": attrs,
            "signature_algorithm": {"algorithm": "sha256_rsa"},
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cms.CertificateChoices.load(cert_der)],
            "signer_infos": [signer_info],
        }
    )
    der: bytes = cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
    return der
