"""Detached CMS SignedData in the CAdES-BES shape: parsing and the checks on the signature itself.

Chain, profile and revocation are decided elsewhere; this module answers "was exactly this content
signed by the key of exactly this certificate".
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
from typing import Any

from asn1crypto import algos, core
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding

from signing.domain.cert_fields import fields_of_encoded
from signing.domain.der import CONTEXT_0, CONTEXT_0_PRIMITIVE, CONTEXT_1, OCTET_STRING, SEQUENCE, SET
from signing.domain.der import Tlv as _Tlv
from signing.domain.der import children as _children
from signing.domain.der import integer as _int
from signing.domain.der import oid as _oid
from signing.domain.der import want as _want
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
    signer_der: bytes | None = None  # the signer certificate as carried (what signingCertificateV2 hashes)


def _malformed(detail: str) -> VerificationFailure:
    return VerificationFailure(Reason.MALFORMED, detail)


DIGESTS = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
    "1.3.14.3.2.26": "sha1",
    "1.2.840.113549.2.5": "md5",
}
SIGNATURE_ALGORITHMS = {  # OID -> (family, hash or None = the SignerInfo digest algorithm)
    "1.2.840.113549.1.1.1": ("rsassa_pkcs1v15", None),
    "1.2.840.113549.1.1.5": ("rsassa_pkcs1v15", "sha1"),
    "1.2.840.113549.1.1.11": ("rsassa_pkcs1v15", "sha256"),
    "1.2.840.113549.1.1.12": ("rsassa_pkcs1v15", "sha384"),
    "1.2.840.113549.1.1.13": ("rsassa_pkcs1v15", "sha512"),
    "1.2.840.113549.1.1.10": ("rsassa_pss", None),
    "1.2.840.10045.4.3.2": ("ecdsa", "sha256"),
    "1.2.840.10045.4.3.3": ("ecdsa", "sha384"),
    "1.2.840.10045.4.3.4": ("ecdsa", "sha512"),
    "1.2.840.10045.2.1": ("ecdsa", None),
    "1.3.101.112": ("ed25519", None),
}
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_DATA = "1.2.840.113549.1.7.1"
ATTRIBUTES = {
    "1.2.840.113549.1.9.3": "content_type",
    "1.2.840.113549.1.9.4": "message_digest",
    "1.2.840.113549.1.9.5": "signing_time",
    "1.2.840.113549.1.9.16.2.47": "signing_certificate_v2",
}


@functools.lru_cache(maxsize=4096)
def _certificate(der: bytes) -> x509.Certificate:
    """Parsed certificates are reused: cryptography caches their decoded extensions on the object."""
    return x509.load_der_x509_certificate(der)


def _algorithm(tlv: _Tlv, what: str, params_allowed: bool = False) -> tuple[str, _Tlv | None]:
    """AlgorithmIdentifier -> (OID, parameters). Absent or NULL parameters only, unless allowed."""
    fields = _children(_want(tlv, SEQUENCE, what).body)
    if not 1 <= len(fields) <= 2:
        raise ValueError(f"{what}: malformed AlgorithmIdentifier")
    params = fields[1] if len(fields) == 2 else None
    if params is not None and params.raw != b"\x05\x00" and not params_allowed:
        raise ValueError(f"{what}: unexpected algorithm parameters")
    return _oid(fields[0]), params


def parse_signed_data(der: bytes) -> ParsedSignature:
    """Walk the DER directly and strictly: every element of the structure is checked, signed or not,
    and the signed attributes are verified exactly as the signer encoded them."""
    if der[:1] != b"\x30":  # PEM ("-----BEGIN CMS-----" / "PKCS7")
        der = _pem_to_der(der)
    try:
        top = _children(der)
        if len(top) != 1:
            raise ValueError("not a single DER element")
        content_info = _children(_want(top[0], SEQUENCE, "ContentInfo").body)
        if len(content_info) != 2 or _oid(content_info[0]) != OID_SIGNED_DATA:
            raise _malformed("CMS content is not signedData")
        wrapped = _children(_want(content_info[1], CONTEXT_0, "content").body)
        if len(wrapped) != 1:
            raise ValueError("content: expected one SignedData")
        sd = _children(_want(wrapped[0], SEQUENCE, "SignedData").body)
        if len(sd) < 4:
            raise ValueError("SignedData: too few fields")
        digest_algorithms = {
            _algorithm(a, "digestAlgorithms")[0] for a in _children(_want(sd[1], SET, "digestAlgorithms").body)
        }
        encap = _children(_want(sd[2], SEQUENCE, "encapContentInfo").body)
        econtent_type = _oid(encap[0])
        encapsulated = None
        if len(encap) == 2:
            econtent = _children(_want(encap[1], CONTEXT_0, "eContent").body)
            if len(econtent) != 1:
                raise ValueError("eContent: expected one OCTET STRING")
            encapsulated = _want(econtent[0], OCTET_STRING, "eContent").body
        elif len(encap) != 1:
            raise ValueError("encapContentInfo: too many fields")
        certs, carried, optional = [], [], sd[3:-1]
        if [t.ident for t in optional] not in ([], [CONTEXT_0], [CONTEXT_1], [CONTEXT_0, CONTEXT_1]):
            raise ValueError("SignedData: unexpected fields between encapContentInfo and signerInfos")
        for item in optional:
            if item.ident == CONTEXT_0:  # [0] IMPLICIT CertificateSet: plain certificates only
                carried = [_want(c, SEQUENCE, "certificate").raw for c in _children(item.body)]
                certs = [_certificate(c) for c in carried]
        signer_infos = _children(_want(sd[-1], SET, "signerInfos").body)
        if len(signer_infos) != 1:
            raise _malformed(f"expected exactly one SignerInfo, found {len(signer_infos)}")
        si = _children(_want(signer_infos[0], SEQUENCE, "SignerInfo").body)
        if len(si) not in (6, 7) or (len(si) == 7 and si[6].ident != CONTEXT_1):
            raise ValueError("SignerInfo: wrong number of fields")
        version = _int(si[0])
        if (version, si[1].ident) not in ((1, SEQUENCE), (3, CONTEXT_0_PRIMITIVE)):
            raise ValueError("SignerInfo: version does not match the signer identifier")
        # RFC 5652 5.1: SignedData is v3 with a v3 SignerInfo or non-data content, else v1 (no v2 certs/attr certs here)
        if _int(sd[0]) != (3 if version == 3 or econtent_type != OID_DATA else 1):
            raise ValueError("SignedData: version does not match its contents")
        signer, signer_der = _find_signer(si[1], certs, carried)
        digest_oid, _ = _algorithm(si[2], "digestAlgorithm")
        if digest_oid not in digest_algorithms:
            raise ValueError("SignerInfo digest algorithm is not listed in digestAlgorithms")
        if si[3].ident != CONTEXT_0:
            raise _malformed("no signed attributes (CAdES-BES requires them)")
        signed_attrs_der = b"\x31" + si[3].raw[1:]  # [0] IMPLICIT -> SET OF, as signed
        attrs = _signed_attributes(si[3].body)
        if attrs["content_type"] != econtent_type:
            raise _malformed("content-type attribute does not match the encapsulated content type")
        ess_hash, ess_cert_hash, ess_serial = attrs["signing_certificate_v2"]
        return ParsedSignature(
            signer=signer,
            certificates=tuple(certs),
            digest_name=_digest_name(digest_oid),
            message_digest=attrs["message_digest"],
            signing_time=attrs.get("signing_time"),
            signed_attrs_der=signed_attrs_der,
            signature=_want(si[5], OCTET_STRING, "signature").body,
            scheme=_scheme(si[4], _digest_name(digest_oid)),
            ess_hash_name=ess_hash,
            ess_cert_hash=ess_cert_hash,
            ess_serial=ess_serial,
            encapsulated=encapsulated,
            signer_der=signer_der,
        )
    except VerificationFailure:
        raise
    except (
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        IndexError,
        x509.InvalidVersion,
        x509.DuplicateExtension,
        UnsupportedAlgorithm,
    ) as exc:
        raise _malformed(f"CMS structure unreadable: {type(exc).__name__}: {exc}") from None
    except RecursionError:
        raise _malformed("CMS structure nested too deeply") from None


def _digest_name(oid: str) -> str:
    return DIGESTS.get(oid, oid)


def _signed_attributes(body: bytes) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for attr in _children(body):
        fields = _children(attr.body)
        oid = _oid(fields[0])
        name = ATTRIBUTES.get(oid, oid)
        if name in found:
            raise _malformed(f"signed attribute {name} appears twice")
        values = _children(_want(fields[1], SET, "attribute values").body)
        if len(values) != 1:
            raise _malformed(f"signed attribute {name} must have exactly one value")
        value = values[0]
        if name == "content_type":
            found[name] = _oid(value)
        elif name == "message_digest":
            found[name] = _want(value, OCTET_STRING, "message-digest").body
        elif name == "signing_time":
            if value.cls != 0 or value.tag not in (23, 24):  # UTCTime or GeneralizedTime only
                raise _malformed("signing-time is not a UTCTime or GeneralizedTime")
            found[name] = _signing_time(value)
        elif name == "signing_certificate_v2":
            found[name] = _ess_cert_id_v2(value)
        else:
            found[name] = value.raw
    for name in REQUIRED_ATTRS:
        if name not in found:
            raise _malformed(f"signed attribute {name} missing")
    return found


def _signing_time(value: _Tlv) -> dt.datetime:
    """A UTCTime in its DER form (YYMMDDHHMMSSZ, what the cards write) read directly: asn1crypto's load and
    conversion were ~1% of a verdict's instructions. Any other form (a GeneralizedTime) goes through asn1crypto."""
    digits = value.body[:12]
    if value.ident == 0x17 and len(value.body) == 13 and value.body[12:] == b"Z" and digits.isdigit():
        yy = int(digits[:2])
        year = yy + (1900 if yy >= 50 else 2000)  # RFC 5280 4.1.2.5.1, as asn1crypto reads it
        hms = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
        return dt.datetime(year, int(digits[2:4]), int(digits[4:6]), *hms, tzinfo=dt.UTC)  # ValueError: MALFORMED
    signing_time: dt.datetime = core.load(value.raw).native
    return signing_time


def _ess_cert_id_v2(value: _Tlv) -> tuple[str, bytes, int | None]:
    """SigningCertificateV2 -> (hash name, hash of the first ESSCertIDv2, its serial if given)."""
    ids = _children(_children(value.body)[0].body)
    if not ids:
        raise _malformed("signingCertificateV2 lists no certificate")
    fields = _children(ids[0].body)
    hash_name = "sha256"  # the DEFAULT of ESSCertIDv2.hashAlgorithm
    if fields[0].tag == 16:
        hash_name = _digest_name(_oid(_children(fields[0].body)[0]))
        fields = fields[1:]
    cert_hash = _want(fields[0], OCTET_STRING, "certHash").body
    serial = _int(_children(fields[1].body)[1]) if len(fields) > 1 else None
    return hash_name, cert_hash, serial


def _find_signer(sid: _Tlv, certs: list[x509.Certificate], carried: list[bytes]) -> tuple[x509.Certificate, bytes]:
    """The signer's certificate and its encoding as carried. Its fields are read from that encoding
    (fields_of_encoded), the first time the verification needs them."""
    if sid.cls == 0 and sid.tag == 16:  # issuerAndSerialNumber
        issuer, serial = _children(sid.body)
        number = _int(serial)
        for c, der in zip(certs, carried, strict=True):
            # the issuer as encoded in the certificate: decoding the Name to re-encode it cost more than the rest
            if c.serial_number == number and fields_of_encoded(c, der).issuer_der == issuer.raw:
                return c, der
    elif sid.cls == 2 and sid.tag == 0:  # [0] subjectKeyIdentifier
        for c, der in zip(certs, carried, strict=True):
            if fields_of_encoded(c, der).key_id == sid.body:
                return c, der
    raise _malformed("the signer's certificate is not included in the SignedData")


def _scheme(algorithm: _Tlv, digest: str) -> SignatureScheme:
    oid, params_tlv = _algorithm(algorithm, "signatureAlgorithm", params_allowed=True)
    if oid not in SIGNATURE_ALGORITHMS:
        raise VerificationFailure(Reason.WEAK_ALGORITHM, f"signature algorithm {oid} is not supported")
    family, hash_name = SIGNATURE_ALGORITHMS[oid]
    if (
        family != "rsassa_pss"
        and params_tlv is not None
        and (family != "rsassa_pkcs1v15" or params_tlv.raw != b"\x05\x00")
    ):
        raise ValueError("signatureAlgorithm: unexpected parameters")
    if family == "rsassa_pss":
        if params_tlv is None:
            raise ValueError("RSASSA-PSS without parameters")
        params = algos.RSASSAPSSParams.load(params_tlv.raw)
        return SignatureScheme(family, params["hash_algorithm"]["algorithm"].native, params["salt_length"].native)
    if family == "ed25519":
        return SignatureScheme(family, None)
    return SignatureScheme(family, hash_name or digest)


def _pem_to_der(data: bytes) -> bytes:
    lines = [ln.strip() for ln in data.decode("ascii", "replace").splitlines()]
    body = [ln for ln in lines if ln and not ln.startswith("-----")]
    if not body or not any(ln.startswith("-----BEGIN") for ln in lines):
        raise _malformed("signature is neither DER nor PEM")
    try:
        return base64.b64decode("".join(body), validate=True)
    except ValueError:
        raise _malformed("PEM signature is not valid base64") from None


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
    # The bytes carried are the certificate's own encoding (cryptography parses DER strictly and hands back
    # the same bytes from public_bytes): hashing them spares re-serialising a certificate never seen before.
    signer_der = parsed.signer_der if parsed.signer_der is not None else parsed.signer.public_bytes(Encoding.DER)
    cert_hash = hashlib.new(parsed.ess_hash_name, signer_der).digest()
    if not hmac.compare_digest(cert_hash, parsed.ess_cert_hash):
        raise VerificationFailure(Reason.SIGNATURE_INVALID, "signingCertificateV2 does not name the signer certificate")
    if parsed.ess_serial is not None and parsed.ess_serial != parsed.signer.serial_number:
        raise VerificationFailure(Reason.SIGNATURE_INVALID, "signingCertificateV2 serial differs from the signer's")


def verify_raw(key: PublicKeyTypes, scheme: SignatureScheme, signature: bytes, data: bytes) -> None:
    try:
        if scheme.family == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hash_by_name(scheme.hash_name))
        elif scheme.family == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey) and scheme.pss_salt_length is not None:
            algo = hash_by_name(scheme.hash_name)
            key.verify(signature, data, padding.PSS(padding.MGF1(algo), scheme.pss_salt_length), algo)
        elif scheme.family == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hash_by_name(scheme.hash_name)))
        elif scheme.family == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            raise VerificationFailure(
                Reason.SIGNATURE_INVALID, f"signature algorithm {scheme.family} does not fit the certificate's key"
            )
    except InvalidSignature:
        raise VerificationFailure(
            Reason.SIGNATURE_INVALID, "signature does not verify with the signer certificate's key"
        ) from None
    except (UnsupportedAlgorithm, ValueError) as exc:
        raise VerificationFailure(Reason.MALFORMED, f"signature unusable: {exc}") from None
