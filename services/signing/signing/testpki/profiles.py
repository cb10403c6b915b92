"""JPKI certificate profiles (see /work/shared/reference/jpki-card.md): DNs, extensions, holder SAN.

Everything here mirrors the shape of the real J-LIS certificates; the only deliberate difference is
the TEST marker appended to the agency OU (``... Information Systems TEST``) so a test certificate
can never be mistaken for a real one in a log line. ``exact_dn=True`` drops the marker, to test
that a verifier picks issuers by key identifier rather than by name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import string

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

AGENCY = "Japan Agency for Local Authority Information Systems"
TEST_MARKER = " TEST"
OU_BY_KIND = {"sign": "JPKI for digital signature", "auth": "JPKI for user authentication"}
POLICY_SIGN_TEST = "1.2.392.200149.8.5.1.0.20"  # J-LIS test environment signature policy
POLICY_SIGN = "1.2.392.200149.8.5.1.1.20"
POLICY_AUTH = "1.2.392.200149.8.5.1.3.30"
CPS_URI = "http://www.jpki.go.jp/cps.html"
JPKI_ATTR_ARC = "1.2.392.200149.8.5.5"
ATTR_OIDS = {
    "name": f"{JPKI_ATTR_ARC}.1",
    "name_substituted": f"{JPKI_ATTR_ARC}.2",
    "sex": f"{JPKI_ATTR_ARC}.3",
    "date_of_birth": f"{JPKI_ATTR_ARC}.4",
    "address": f"{JPKI_ATTR_ARC}.5",
    "address_substituted": f"{JPKI_ATTR_ARC}.6",
}
SERVICE_NAME_JA = "公的個人認証サービス"
# Gregorian start dates of the eras the JPKI date-of-birth code uses (1 Meiji .. 5 Reiwa).
ERAS = (
    (5, dt.date(2019, 5, 1)),
    (4, dt.date(1989, 1, 8)),
    (3, dt.date(1926, 12, 25)),
    (2, dt.date(1912, 7, 30)),
    (1, dt.date(1868, 10, 23)),
)


def ca_name(kind: str, exact_dn: bool = False) -> x509.Name:
    agency = AGENCY if exact_dn else AGENCY + TEST_MARKER
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, OU_BY_KIND[kind]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, agency),
        ]
    )


def crl_dp_name(kind: str, exact_dn: bool = False) -> x509.Name:
    """Partitioned CRL distribution point as a DirName, like the real per-municipality DPs."""
    base = list(ca_name(kind, exact_dn))[:3]
    return x509.Name(
        base
        + [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "CRL Distribution Points"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Tokyo"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Shinjuku-ku CRLDP"),
        ]
    )


def era_code(born: dt.date) -> str:
    """JPKI date of birth ``EYYYYMMDD``: era digit, then the Gregorian date."""
    era = next((code for code, start in ERAS if born >= start), 0)
    return f"{era}{born:%Y%m%d}"


@dataclasses.dataclass(frozen=True)
class HolderAttributes:
    """What the signature certificate says about its holder (full-width strings, as on the card)."""

    name: str
    sex: str
    date_of_birth: dt.date
    address: str
    name_substituted: str = ""
    address_substituted: str = ""

    def as_san_values(self) -> dict[str, str]:
        # Substitution flags: one 0/1 per character; all 0 unless a position was substituted.
        return {
            "name": self.name,
            "name_substituted": self.name_substituted or "0" * len(self.name),
            "sex": self.sex,
            "date_of_birth": era_code(self.date_of_birth),
            "address": self.address,
            "address_substituted": self.address_substituted or "0" * len(self.address),
        }


def _utf8(value: str) -> bytes:
    raw = value.encode("utf-8")
    assert len(raw) < 0x10000
    if len(raw) < 0x80:
        return b"\x0c" + bytes((len(raw),)) + raw
    if len(raw) < 0x100:
        return b"\x0c\x81" + bytes((len(raw),)) + raw
    return b"\x0c\x82" + len(raw).to_bytes(2, "big") + raw


def holder_san(attributes: HolderAttributes) -> x509.SubjectAlternativeName:
    # cryptography wraps OtherName values in the EXPLICIT [0]; we supply the UTF8String DER.
    values = attributes.as_san_values()
    return x509.SubjectAlternativeName(
        [x509.OtherName(x509.ObjectIdentifier(ATTR_OIDS[field]), _utf8(values[field])) for field in ATTR_OIDS]
    )


def issuance_id() -> str:
    """A random issuance id shaped like the real subject CNs (23 upper-case alphanumerics)."""
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(23))


def new_serial() -> int:
    return secrets.randbelow(2**31 - 2**24) + 2**24


def _service_dirname() -> x509.DirectoryName:
    return x509.DirectoryName(
        x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, SERVICE_NAME_JA),
            ]
        )
    )


def build_ca(
    kind: str, key: rsa.RSAPrivateKey, not_before: dt.datetime, not_after: dt.datetime, exact_dn: bool = False
) -> x509.Certificate:
    """Self-signed root that issues end entities directly (one level), like the J-LIS CAs."""
    name = ca_name(kind, exact_dn)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(new_serial())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
        .add_extension(x509.SubjectAlternativeName([_service_dirname()]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(
            x509.CRLDistributionPoints([x509.DistributionPoint([x509.DirectoryName(name)], None, None, None)]), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )


@dataclasses.dataclass(frozen=True)
class EndEntitySpec:
    kind: str  # "sign" or "auth"
    not_before: dt.datetime
    not_after: dt.datetime
    policy: str
    key_usage: str = "normal"  # or "wrong"
    attributes: HolderAttributes | None = None
    exact_dn: bool = False


def _key_usage(kind: str, which: str) -> x509.KeyUsage:
    ds, nr, ke = True, kind == "sign", False
    if which == "wrong":  # an encipherment-only key: must be refused for signing
        ds, nr, ke = False, False, True
    return x509.KeyUsage(ds, nr, ke, False, False, False, False, False, False)


def build_end_entity(
    spec: EndEntitySpec, key: rsa.RSAPrivateKey, issuer: x509.Certificate, issuer_key: rsa.RSAPrivateKey
) -> x509.Certificate:
    subject = [x509.NameAttribute(NameOID.COUNTRY_NAME, "JP")]
    if spec.kind == "sign":  # real signature certificates carry the municipality in L
        subject += [
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Tokyo-to"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Shinjuku-ku"),
        ]
    subject.append(x509.NameAttribute(NameOID.COMMON_NAME, issuance_id()))
    issuer_ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(subject))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(new_serial())
        .not_valid_before(spec.not_before)
        .not_valid_after(spec.not_after)
        .add_extension(_key_usage(spec.kind, spec.key_usage), True)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(spec.policy), [CPS_URI])]), True
        )
        .add_extension(x509.IssuerAlternativeName([_service_dirname()]), False)
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.DirectoryName(crl_dp_name(spec.kind, spec.exact_dn))], None, None, None)]
            ),
            False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier(issuer_ski.digest, [x509.DirectoryName(issuer.subject)], issuer.serial_number),
            False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if spec.kind == "auth":
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
    if spec.attributes is not None:
        builder = builder.add_extension(holder_san(spec.attributes), False)
    return builder.sign(issuer_key, hashes.SHA256())


def decode_holder_san(cert: x509.Certificate) -> dict[str, str]:
    """The JPKI holder attributes of a signature certificate, keyed by field name."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return {}
    by_oid = {oid: field for field, oid in ATTR_OIDS.items()}
    out: dict[str, str] = {}
    for other in san.get_values_for_type(x509.OtherName):
        field = by_oid.get(other.type_id.dotted_string)
        if field is not None:
            out[field] = _decode_utf8(other.value)
    return out


def _decode_utf8(der: bytes) -> str:
    if der[0] != 0x0C:
        raise ValueError("JPKI attribute is not a UTF8String")
    length, offset = der[1], 2
    if length & 0x80:
        count = length & 0x7F
        length, offset = int.from_bytes(der[2 : 2 + count], "big"), 2 + count
    return der[offset : offset + length].decode("utf-8")
