"""Detached CMS SignedData, CAdES-BES shape, built around a card that signs.

Signed attributes: content-type (id-data), message-digest, signing-time, signingCertificateV2
(ESSCertIDv2, SHA-256 of the signer certificate, with issuer and serial). The signer certificate included, no
eContent (detached). The algorithms follow the certificate's key:
- RSA (today's JPKI card): SHA-256 and sha256WithRSAEncryption; the card is handed a DigestInfo and pads it itself
  (jpki-card.md, COMPUTE DIGITAL SIGNATURE).
- ECDSA (the next-generation card, jpki-card.md: P-384 / SHA-384, details unpublished): the curve's hash (SHA-384 for
  P-384, RFC 5753 / RFC 5480's pairing) for the content and the signed attributes, ecdsa-with-SHA384; the card is
  handed the bare hash and answers r || s, each as wide as the curve's order (the usual ISO 7816-8 answer of an EC
  card; unverified for this card), which becomes the DER ECDSA-Sig-Value CMS carries (RFC 5753 section 2.1.1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from asn1crypto import cms, tsp  # tsp: registers signing_certificate_v2
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

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


# The curve's hash for an ECDSA key (the pairing RFC 5480 section 4 recommends): (hash, CMS digest and signature names)
_EC_ALGORITHMS = {
    "secp256r1": ("sha256", "sha256_ecdsa"),
    "secp384r1": ("sha384", "sha384_ecdsa"),
    "secp521r1": ("sha512", "sha512_ecdsa"),
}


def _algorithms(cert: asn1_x509.Certificate) -> tuple[str, str]:
    """(digest, signature algorithm) for the certificate's key."""
    key = cert.public_key
    if key.algorithm == "rsa":
        return "sha256", "sha256_rsa"
    if key.algorithm == "ec" and key.curve[1] in _EC_ALGORITHMS:
        return _EC_ALGORITHMS[key.curve[1]]
    raise ValueError(f"no signature algorithm for a {key.algorithm} key ({key.bit_size} bits)")


def ecdsa_sig_value(raw: bytes) -> bytes:
    """A card's r || s (two equal halves) as the DER ECDSA-Sig-Value CMS and X.509 carry."""
    if not raw or len(raw) % 2:
        raise ValueError(f"an ECDSA signature of {len(raw)} bytes is not r || s")
    half = len(raw) // 2
    return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))


def build_detached(
    content: bytes, cert_der: bytes, card_sign: Callable[[bytes], bytes], signing_time: dt.datetime | None = None
) -> bytes:
    """DER ContentInfo(SignedData) over ``content``; ``card_sign`` is the card: given a DigestInfo (RSA) or the bare
    hash (ECDSA) of the signed attributes, it answers the signature (RSA) or r || s (ECDSA)."""
    cert = asn1_x509.Certificate.load(cert_der)
    digest_name, signature_name = _algorithms(cert)
    when = (signing_time or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    attrs = signed_attributes(hashlib.new(digest_name, content).digest(), cert_der, when)
    attrs_digest = hashlib.new(digest_name, attrs.dump()).digest()
    if signature_name == "sha256_rsa":
        signature = card_sign(sha256_digest_info(attrs_digest))
    else:
        signature = ecdsa_sig_value(card_sign(attrs_digest))
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number", value={"issuer": _issuer(cert), "serial_number": cert.serial_number}
            ),
            "digest_algorithm": {"algorithm": digest_name},
            "signed_attrs": attrs,
            "signature_algorithm": {"algorithm": signature_name},
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": digest_name}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cms.CertificateChoices.load(cert_der)],
            "signer_infos": [signer_info],
        }
    )
    der: bytes = cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
    return der
