"""Detached CMS SignedData in the CAdES-BES shape: parsing and the checks on the signature itself.

Chain, profile and revocation are decided elsewhere; this module answers "was exactly this content
signed by the key of exactly this certificate".
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac

from asn1crypto import cms, tsp  # noqa: F401 - tsp registers the signingCertificateV2 attribute
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from signing.domain.profiles import check_hash_name, hash_by_name
from signing.domain.verdict import Reason, VerificationFailure

REQUIRED_ATTRS = ("content_type", "message_digest", "signing_certificate_v2")


@dataclasses.dataclass(frozen=True)
class SignatureScheme:
    family: str  # rsassa_pkcs1v15 | rsassa_pss | ecdsa | ed25519
    hash_name: str | None
    pss_salt_length: int | None = None


@dataclasses.dataclass(frozen=True)
class ParsedSignature:
    signer: x509.Certificate
    certificates: tuple[x509.Certificate, ...]  # every certificate carried, signer included
    digest_name: str
    message_digest: bytes
    signing_time: dt.datetime | None
    signed_attrs_der: bytes  # re-tagged as SET OF, the bytes the signature covers
    signature: bytes
    scheme: SignatureScheme
    ess_hash_name: str
    ess_cert_hash: bytes
    ess_serial: int | None
    encapsulated: bytes | None  # content carried inside (not detached)


def _malformed(detail: str) -> VerificationFailure:
    return VerificationFailure(Reason.MALFORMED, detail)


def parse_signed_data(der: bytes) -> ParsedSignature:
    if der[:1] != b"\x30":  # PEM ("-----BEGIN CMS-----" / "PKCS7")
        der = _pem_to_der(der)
    try:
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            raise _malformed(f"CMS content type is {info['content_type'].native}, not signed_data")
        sd = info["content"]
        signer_infos = list(sd["signer_infos"])
        if len(signer_infos) != 1:
            raise _malformed(f"expected exactly one SignerInfo, found {len(signer_infos)}")
        si = signer_infos[0]
        certs = []
        for choice in sd["certificates"] or []:
            if choice.name == "certificate":
                certs.append(x509.load_der_x509_certificate(choice.chosen.dump()))
        signer = _find_signer(si["sid"], certs)
        attrs = si["signed_attrs"]
        if not attrs or attrs.native is None:
            raise _malformed("no signed attributes (CAdES-BES requires them)")
        by_type: dict[str, object] = {}
        for attr in attrs:
            name = attr["type"].native
            if name in by_type:
                raise _malformed(f"signed attribute {name} appears twice")
            values = attr["values"]
            if len(values) != 1:
                raise _malformed(f"signed attribute {name} must have exactly one value")
            by_type[name] = values[0]
        for name in REQUIRED_ATTRS:
            if name not in by_type:
                raise _malformed(f"signed attribute {name} missing")
        econtent_type = sd["encap_content_info"]["content_type"].native
        if by_type["content_type"].native != econtent_type:
            raise _malformed("content-type attribute does not match the encapsulated content type")
        signing_time = by_type["signing_time"].native if "signing_time" in by_type else None
        ess = by_type["signing_certificate_v2"]["certs"]
        if len(ess) < 1:
            raise _malformed("signingCertificateV2 lists no certificate")
        first = ess[0]
        issuer_serial = first["issuer_serial"]
        ess_serial = issuer_serial["serial_number"].native if issuer_serial.native is not None else None
        signed_attrs_der = b"\x31" + attrs.dump()[1:]  # [0] IMPLICIT -> SET OF, original bytes kept
        encap = sd["encap_content_info"]["content"]
        return ParsedSignature(
            signer=signer,
            certificates=tuple(certs),
            digest_name=si["digest_algorithm"]["algorithm"].native,
            message_digest=by_type["message_digest"].native,
            signing_time=signing_time,
            signed_attrs_der=signed_attrs_der,
            signature=si["signature"].native,
            scheme=_scheme(si),
            ess_hash_name=first["hash_algorithm"]["algorithm"].native,
            ess_cert_hash=first["cert_hash"].native,
            ess_serial=ess_serial,
            encapsulated=encap.native if encap.native is not None else None,
        )
    except VerificationFailure:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise _malformed(f"CMS structure unreadable: {exc}") from None


def _pem_to_der(data: bytes) -> bytes:
    lines = [ln.strip() for ln in data.decode("ascii", "replace").splitlines()]
    body = [ln for ln in lines if ln and not ln.startswith("-----")]
    if not body or not lines or not any(ln.startswith("-----BEGIN") for ln in lines):
        raise _malformed("signature is neither DER nor PEM")
    return base64.b64decode("".join(body))


def _find_signer(sid, certs: list[x509.Certificate]) -> x509.Certificate:
    if sid.name == "issuer_and_serial_number":
        serial = sid.chosen["serial_number"].native
        issuer_der = sid.chosen["issuer"].dump()
        for c in certs:
            if c.serial_number == serial and c.issuer.public_bytes() == issuer_der:
                return c
    else:
        want = sid.chosen.native
        for c in certs:
            try:
                if c.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest == want:
                    return c
            except x509.ExtensionNotFound:
                continue
    raise _malformed("the signer's certificate is not included in the SignedData")


def _scheme(si) -> SignatureScheme:
    algo = si["signature_algorithm"]
    family = algo.signature_algo
    digest = si["digest_algorithm"]["algorithm"].native
    if family == "rsassa_pss":
        params = algo["parameters"]
        return SignatureScheme(family, params["hash_algorithm"]["algorithm"].native, params["salt_length"].native)
    if family == "ed25519":
        return SignatureScheme(family, None)
    try:
        hash_name = algo.hash_algo  # sha256WithRSAEncryption, ecdsa-with-SHA384 ...
    except ValueError:
        hash_name = digest  # plain rsaEncryption: the digest algorithm applies
    return SignatureScheme(family, hash_name)


def check_content(parsed: ParsedSignature, content: bytes) -> None:
    check_hash_name(parsed.digest_name, "CMS digest algorithm")
    if parsed.encapsulated is not None and parsed.encapsulated != content:
        raise VerificationFailure(Reason.CONTENT_MISMATCH, "encapsulated content differs from the given content")
    digest = hashlib.new(parsed.digest_name, content).digest()
    if not hmac.compare_digest(digest, parsed.message_digest):
        raise VerificationFailure(Reason.CONTENT_MISMATCH, "message-digest does not match the content")


def check_signature(parsed: ParsedSignature) -> None:
    """The signature over the signed attributes, with the signer certificate's key."""
    if parsed.scheme.hash_name is not None:
        check_hash_name(parsed.scheme.hash_name, "CMS signature algorithm")
    verify_raw(parsed.signer.public_key(), parsed.scheme, parsed.signature, parsed.signed_attrs_der)
    check_hash_name(parsed.ess_hash_name, "signingCertificateV2 hash")
    cert_hash = hashlib.new(parsed.ess_hash_name, parsed.signer.public_bytes(Encoding.DER)).digest()
    if not hmac.compare_digest(cert_hash, parsed.ess_cert_hash):
        raise VerificationFailure(Reason.SIGNATURE_INVALID, "signingCertificateV2 does not name the signer certificate")
    if parsed.ess_serial is not None and parsed.ess_serial != parsed.signer.serial_number:
        raise VerificationFailure(Reason.SIGNATURE_INVALID, "signingCertificateV2 serial differs from the signer's")


def verify_raw(key, scheme: SignatureScheme, signature: bytes, data: bytes) -> None:
    try:
        if scheme.family == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hash_by_name(scheme.hash_name))
        elif scheme.family == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            algo = hash_by_name(scheme.hash_name)
            key.verify(signature, data, padding.PSS(padding.MGF1(algo), scheme.pss_salt_length), algo)
        elif scheme.family == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hash_by_name(scheme.hash_name)))
        elif scheme.family == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            raise VerificationFailure(
                Reason.SIGNATURE_INVALID, f"signature algorithm {scheme.family} does not fit the certificate's key")
    except InvalidSignature:
        raise VerificationFailure(Reason.SIGNATURE_INVALID, "signature does not verify with the signer certificate's key") from None
    except (UnsupportedAlgorithm, ValueError) as exc:
        raise VerificationFailure(Reason.MALFORMED, f"signature unusable: {exc}") from None
