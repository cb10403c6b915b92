"""The certificate extensions the verifier needs, read straight from the DER.

cryptography's `cert.extensions` decodes every extension into Python objects (Names with
validated attributes, policy qualifiers...): ~0.25 ms for a JPKI certificate, more than the rest
of a verification. Reading the six extensions we use from the TBS bytes costs a tenth of that.
Duplicate extensions are refused here as they are by cryptography.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable

from cryptography import x509

from signing.domain.cert_memo import per_certificate
from signing.domain.der import OCTET_STRING, SEQUENCE, Tlv, children, first, oid, oid_element, want

# GeneralNames as a comparable key: sorted (identifier octet, contents) pairs
NamesKey = tuple[tuple[int, bytes], ...]
# an extension as _extensions reads it: (critical, extnValue contents)
_Extension = tuple[bool, bytes]

KEY_USAGE_BITS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)
OID_SKI, OID_KU, OID_SAN, OID_BC = "2.5.29.14", "2.5.29.15", "2.5.29.17", "2.5.29.19"
OID_CRLDP, OID_POLICIES, OID_AKI, OID_EKU = "2.5.29.31", "2.5.29.32", "2.5.29.35", "2.5.29.37"
OID_IAN, OID_AIA = "2.5.29.18", "1.3.6.1.5.5.7.1.1"  # not read here: only kept alike (see _ALIKE)
BOOLEAN, BIT_STRING = 0x01, 0x03


@dataclasses.dataclass(frozen=True)
class CertFields:
    key_id: bytes
    authority_key_id: bytes | None
    is_ca: bool | None  # None: no basicConstraints
    key_usage: frozenset[str] | None  # None: no keyUsage extension
    key_usage_critical: bool
    extended_key_usage: frozenset[str] | None
    policies: frozenset[str] | None
    policies_critical: bool
    other_names: tuple[tuple[str, bytes], ...]  # SAN otherName: (type OID, value TLV inside [0])
    crl_scopes: tuple[NamesKey, ...]  # per distribution point: general_names_key() of its fullName
    issuer_der: bytes  # the issuer Name exactly as encoded in the certificate
    subject_der: bytes  # the subject Name likewise


@per_certificate  # certificates are immutable
def fields(cert: x509.Certificate) -> CertFields:
    # cryptography re-encodes the TBSCertificate for tbs_certificate_bytes (~90,000 instructions): see fields_of_encoded
    return _read(cert, first(cert.tbs_certificate_bytes))


def fields_of_encoded(cert: x509.Certificate, der: bytes) -> CertFields:
    """fields(cert) when the certificate's own encoding is at hand (a CMS carries it): the TBSCertificate is
    sliced from it. `der` must be the bytes `cert` was loaded from; cryptography loads DER strictly and whole,
    so they are the bytes it would re-encode."""
    known = fields.known(cert)
    return known if known is not None else fields.remember(cert, _read(cert, first(first(der).body)))


def _read(cert: x509.Certificate, tbs_element: Tlv) -> CertFields:
    tbs = children(want(tbs_element, SEQUENCE, "TBSCertificate").body)
    extensions = _extensions(tbs)
    ski = extensions.get(OID_SKI)
    key_id = (
        want(children(ski[1])[0], OCTET_STRING, "subjectKeyIdentifier").body
        if ski
        else x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest
    )
    aki, bc, ku, eku = (extensions.get(o) for o in (OID_AKI, OID_BC, OID_KU, OID_EKU))
    policies, san, crldp = (extensions.get(o) for o in (OID_POLICIES, OID_SAN, OID_CRLDP))
    return CertFields(
        key_id=key_id,
        authority_key_id=_authority_key_id(aki[1]) if aki else None,
        is_ca=_is_ca(bc[1]) if bc else None,
        key_usage=_key_usage(ku[1]) if ku else None,
        key_usage_critical=bool(ku and ku[0]),
        extended_key_usage=_oid_list(eku[1]) if eku else None,
        policies=_policies(policies[1]) if policies else None,
        policies_critical=bool(policies and policies[0]),
        other_names=_other_names(san[1]) if san else (),
        crl_scopes=_crl_scopes(crldp[1]) if crldp else (),
        issuer_der=_issuer(tbs).raw,
        subject_der=_subject(tbs).raw,
    )


def _issuer(tbs: list[Tlv]) -> Tlv:
    """TBSCertificate: [0] version (absent for v1), serialNumber, signature, issuer, validity, subject, ..."""
    return want(tbs[3 if tbs[0].ident == 0xA0 else 2], SEQUENCE, "issuer")


def _subject(tbs: list[Tlv]) -> Tlv:
    return want(tbs[5 if tbs[0].ident == 0xA0 else 4], SEQUENCE, "subject")


# What an issuer writes alike into every certificate it issues: its key identifier, the key usage, policies and
# basic constraints of the profile, its alternative name and OCSP address, the CRL distribution point of a
# municipality (J-LIS partitions its CRLs by municipality, some 1,700 of them: jpki-card.md). These are read once
# per distinct encoding and kept (keyed by their exact bytes, so nothing is taken on trust); the holder's own
# subjectAltName and subject key identifier differ in every certificate and are read each time. A certificate
# never seen before then costs 0.19M instructions less (callgrind: 2.71M -> 2.53M a verification).
_ALIKE = frozenset(
    oid_element(o)  # as each Extension begins
    for o in (OID_AKI, OID_KU, OID_POLICIES, OID_BC, OID_EKU, OID_CRLDP, OID_IAN, OID_AIA)
)
_KEPT = 4096  # per kind of extension: room for every municipality's distribution point


def _extensions(tbs: list[Tlv]) -> dict[str, _Extension]:
    """OID -> (critical, extnValue contents) from a TBSCertificate's elements."""
    found: dict[str, _Extension] = {}
    for item in tbs:
        if item.ident != 0xA3:  # [3] EXPLICIT Extensions
            continue
        for ext in children(want(children(item.body)[0], SEQUENCE, "extensions").body):
            body = ext.body
            oid_bytes = body[: 2 + body[1]] if len(body) > 2 else b""  # (malformed: matches nothing, read below)
            name, critical, value = _alike_extension(ext.raw) if oid_bytes in _ALIKE else _extension(ext)
            if name in found:
                raise ValueError(f"duplicate extension {name}")
            found[name] = (critical, value)
    return found


def _extension(ext: Tlv) -> tuple[str, bool, bytes]:
    """Extension -> (OID, critical, extnValue contents)."""
    parts = children(want(ext, SEQUENCE, "Extension").body)
    if len(parts) not in (2, 3):
        raise ValueError("Extension: wrong number of fields")
    critical = len(parts) == 3 and want(parts[1], BOOLEAN, "critical").body != b"\x00"
    return oid(parts[0]), critical, want(parts[-1], OCTET_STRING, "extnValue").body


@functools.lru_cache(maxsize=_KEPT)
def _alike_extension(raw: bytes) -> tuple[str, bool, bytes]:
    return _extension(first(raw))


@functools.lru_cache(maxsize=_KEPT)
def _authority_key_id(value: bytes) -> bytes | None:
    for part in children(want(children(value)[0], SEQUENCE, "authorityKeyIdentifier").body):
        if part.ident == 0x80:  # [0] keyIdentifier
            return part.body
    return None


@functools.lru_cache(maxsize=_KEPT)
def _is_ca(value: bytes) -> bool:
    parts = children(want(children(value)[0], SEQUENCE, "basicConstraints").body)
    return bool(parts) and parts[0].ident == BOOLEAN and parts[0].body != b"\x00"


@functools.lru_cache(maxsize=_KEPT)
def _key_usage(value: bytes) -> frozenset[str]:
    bits = want(children(value)[0], BIT_STRING, "keyUsage").body
    if not bits:
        raise ValueError("keyUsage: empty BIT STRING")
    flags = int.from_bytes(bits[1:3].ljust(2, b"\x00"), "big")
    return frozenset(name for i, name in enumerate(KEY_USAGE_BITS) if flags & (0x8000 >> i))


@functools.lru_cache(maxsize=_KEPT)
def _oid_list(value: bytes) -> frozenset[str]:
    return frozenset(oid(o) for o in children(want(children(value)[0], SEQUENCE, "OID list").body))


@functools.lru_cache(maxsize=_KEPT)
def _policies(value: bytes) -> frozenset[str]:
    return frozenset(
        oid(children(want(p, SEQUENCE, "PolicyInformation").body)[0])
        for p in children(want(children(value)[0], SEQUENCE, "policies").body)
    )


def _other_names(value: bytes) -> tuple[tuple[str, bytes], ...]:
    found: list[tuple[str, bytes]] = []
    for name in children(want(children(value)[0], SEQUENCE, "subjectAltName").body):
        if name.ident == 0xA0:  # [0] otherName: type-id, [0] EXPLICIT value
            type_id, value_element = children(name.body)
            found.append((oid(type_id), want(value_element, 0xA0, "otherName value").body))
    return tuple(found)


@functools.lru_cache(maxsize=_KEPT)
def _crl_scopes(value: bytes) -> tuple[NamesKey, ...]:
    scopes: list[NamesKey] = []
    for point in children(want(children(value)[0], SEQUENCE, "cRLDistributionPoints").body):
        for part in children(want(point, SEQUENCE, "DistributionPoint").body):
            if part.ident == 0xA0:  # [0] distributionPoint
                for choice in children(part.body):
                    if choice.ident == 0xA0:  # [0] fullName (IMPLICIT GeneralNames)
                        scopes.append(general_names_key_raw(children(choice.body)))
    return tuple(scopes)


def general_names_key_raw(names: list[Tlv]) -> NamesKey:
    """A comparable key for GeneralNames as encoded: (identifier, contents) pairs, sorted."""
    return tuple(sorted((n.ident, bytes(n.body)) for n in names))


def general_names_key(names: Iterable[x509.GeneralName]) -> NamesKey:
    """The same key from cryptography GeneralName objects (used for CRL distribution points)."""
    parts: list[tuple[int, bytes]] = []
    for n in names:
        if isinstance(n, x509.DirectoryName):
            parts.append((0xA4, n.value.public_bytes()))
        elif isinstance(n, x509.UniformResourceIdentifier):
            parts.append((0x86, n.value.encode("ascii", "replace")))
        elif isinstance(n, x509.DNSName):
            parts.append((0x82, n.value.encode("ascii", "replace")))
        else:
            parts.append((0, repr(n).encode()))
    return tuple(sorted(parts))
