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

from signing.domain.der import OCTET_STRING, SEQUENCE, Tlv, children, oid, want

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
BOOLEAN, BIT_STRING = 0x01, 0x03


@dataclasses.dataclass(frozen=True)
class CertFields:
    key_id: bytes
    authority_key_id: bytes | None
    is_ca: bool | None  # None: no basicConstraints
    key_usage: frozenset[str] | None  # None: no keyUsage extension
    extended_key_usage: frozenset[str] | None
    policies: frozenset[str] | None
    policies_critical: bool
    other_names: tuple[tuple[str, bytes], ...]  # SAN otherName: (type OID, value TLV inside [0])
    crl_scopes: tuple[NamesKey, ...]  # per distribution point: general_names_key() of its fullName
    issuer_der: bytes  # the issuer Name exactly as encoded in the certificate


@functools.lru_cache(maxsize=4096)  # certificates are immutable and hashable
def fields(cert: x509.Certificate) -> CertFields:
    tbs = children(want(children(cert.tbs_certificate_bytes)[0], SEQUENCE, "TBSCertificate").body)
    extensions = _extensions(tbs)
    ski = extensions.get(OID_SKI)
    key_id = (
        want(children(ski[1])[0], OCTET_STRING, "subjectKeyIdentifier").body
        if ski
        else x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest
    )
    policies = extensions.get(OID_POLICIES)
    return CertFields(
        key_id=key_id,
        authority_key_id=_authority_key_id(extensions.get(OID_AKI)),
        is_ca=_is_ca(extensions.get(OID_BC)),
        key_usage=_key_usage(extensions.get(OID_KU)),
        extended_key_usage=_oid_list(extensions.get(OID_EKU)),
        policies=frozenset(
            oid(children(want(p, SEQUENCE, "PolicyInformation").body)[0])
            for p in children(want(children(policies[1])[0], SEQUENCE, "policies").body)
        )
        if policies
        else None,
        policies_critical=bool(policies and policies[0]),
        other_names=_other_names(extensions.get(OID_SAN)),
        crl_scopes=_crl_scopes(extensions.get(OID_CRLDP)),
        issuer_der=_issuer(tbs).raw,
    )


def _issuer(tbs: list[Tlv]) -> Tlv:
    """TBSCertificate: [0] version (absent for v1), serialNumber, signature, issuer, ..."""
    return want(tbs[3 if tbs[0].ident == 0xA0 else 2], SEQUENCE, "issuer")


def _extensions(tbs: list[Tlv]) -> dict[str, tuple[bool, bytes]]:
    """OID -> (critical, extnValue contents) from a TBSCertificate's elements."""
    found: dict[str, tuple[bool, bytes]] = {}
    for item in tbs:
        if item.ident != 0xA3:  # [3] EXPLICIT Extensions
            continue
        for ext in children(want(children(item.body)[0], SEQUENCE, "extensions").body):
            parts = children(want(ext, SEQUENCE, "Extension").body)
            name = oid(parts[0])
            critical = len(parts) == 3 and want(parts[1], BOOLEAN, "critical").body != b"\x00"
            if name in found:
                raise ValueError(f"duplicate extension {name}")
            found[name] = (critical, want(parts[-1], OCTET_STRING, "extnValue").body)
    return found


def _authority_key_id(ext: _Extension | None) -> bytes | None:
    if ext is None:
        return None
    for part in children(want(children(ext[1])[0], SEQUENCE, "authorityKeyIdentifier").body):
        if part.ident == 0x80:  # [0] keyIdentifier
            return part.body
    return None


def _is_ca(ext: _Extension | None) -> bool | None:
    if ext is None:
        return None
    parts = children(want(children(ext[1])[0], SEQUENCE, "basicConstraints").body)
    return bool(parts) and parts[0].ident == BOOLEAN and parts[0].body != b"\x00"


def _key_usage(ext: _Extension | None) -> frozenset[str] | None:
    if ext is None:
        return None
    bits = want(children(ext[1])[0], BIT_STRING, "keyUsage").body
    if not bits:
        raise ValueError("keyUsage: empty BIT STRING")
    value = int.from_bytes(bits[1:3].ljust(2, b"\x00"), "big")
    return frozenset(name for i, name in enumerate(KEY_USAGE_BITS) if value & (0x8000 >> i))


def _oid_list(ext: _Extension | None) -> frozenset[str] | None:
    if ext is None:
        return None
    return frozenset(oid(o) for o in children(want(children(ext[1])[0], SEQUENCE, "OID list").body))


def _other_names(ext: _Extension | None) -> tuple[tuple[str, bytes], ...]:
    if ext is None:
        return ()
    found: list[tuple[str, bytes]] = []
    for name in children(want(children(ext[1])[0], SEQUENCE, "subjectAltName").body):
        if name.ident == 0xA0:  # [0] otherName: type-id, [0] EXPLICIT value
            type_id, value = children(name.body)
            found.append((oid(type_id), want(value, 0xA0, "otherName value").body))
    return tuple(found)


def _crl_scopes(ext: _Extension | None) -> tuple[NamesKey, ...]:
    if ext is None:
        return ()
    scopes: list[NamesKey] = []
    for point in children(want(children(ext[1])[0], SEQUENCE, "cRLDistributionPoints").body):
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
