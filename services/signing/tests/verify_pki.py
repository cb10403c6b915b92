"""Minimal JPKI-shaped test PKI for the verifier tests and benchmark (cryptography + asn1crypto).

Roots share the J-LIS DN across generations; leaves follow the jpki-sign / jpki-auth profiles
unless a test asks for a defect. CMS signatures are CAdES-BES shaped (content-type,
message-digest, signing-time, signingCertificateV2).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from asn1crypto import algos, cms, core, tsp  # noqa: F401 - tsp registers ESS attributes
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SIGN_DN = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "JPKI for digital signature"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Japan Agency for Local Authority Information Systems"),
    ]
)
AUTH_DN = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "JPKI for user authentication"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Japan Agency for Local Authority Information Systems"),
    ]
)
POLICY_SIGN_TEST = "1.2.392.200149.8.5.1.0.20"
POLICY_AUTH_TEST = "1.2.392.200149.8.5.1.2.30"
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
HOLDER = {
    "1": "山田　太郎",
    "2": "0000",
    "3": "1",
    "4": "419900115",
    "5": "東京都千代田区霞が関２－１－１",
    "6": "0" * 15,
}
_KEYS: dict = {}


def key(kind: str = "rsa2048", slot: int = 0):
    """Keys are cached per (kind, slot): RSA generation dominates test time otherwise."""
    if (kind, slot) not in _KEYS:
        if kind.startswith("rsa"):
            _KEYS[kind, slot] = rsa.generate_private_key(65537, int(kind[3:]))
        elif kind == "p384":
            _KEYS[kind, slot] = ec.generate_private_key(ec.SECP384R1())
        elif kind == "p256":
            _KEYS[kind, slot] = ec.generate_private_key(ec.SECP256R1())
        else:
            raise ValueError(kind)
    return _KEYS[kind, slot]


def hash_for(k) -> hashes.HashAlgorithm:
    return hashes.SHA384() if isinstance(k, ec.EllipticCurvePrivateKey) else hashes.SHA256()


@dataclasses.dataclass
class CA:
    cert: x509.Certificate
    key: object

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def fingerprint(self) -> str:
        return self.cert.fingerprint(hashes.SHA256()).hex().upper()


def make_root(
    name: x509.Name = SIGN_DN,
    kind: str = "rsa2048",
    slot: int = 0,
    not_before=NOW - dt.timedelta(days=365),
    not_after=NOW + dt.timedelta(days=3650),
) -> CA:
    k = key(kind, slot)
    ski = x509.SubjectKeyIdentifier.from_public_key(k.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(k.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(ski, critical=False)
        .sign(k, hash_for(k))
    )
    return CA(cert, k)


def holder_san(values: dict[str, str]) -> x509.SubjectAlternativeName:
    return x509.SubjectAlternativeName(
        [
            x509.OtherName(x509.ObjectIdentifier(f"1.2.392.200149.8.5.5.{n}"), core.UTF8String(v).dump())
            for n, v in values.items()
        ]
    )


def issue(
    ca: CA,
    *,
    profile: str = "sign",
    kind: str = "rsa2048",
    slot: int = 1,
    serial: int | None = None,
    policy: str | None = None,
    policy_critical: bool = True,
    key_usage: dict | None = None,
    key_usage_critical: bool = True,
    eku=None,
    is_ca: bool = False,
    holder: dict | None = None,
    not_before=NOW - dt.timedelta(days=30),
    not_after=NOW + dt.timedelta(days=1800),
    subject: x509.Name | None = None,
    crl_dp: str | None = None,
    include_aki: bool = True,
    signer_key=None,
) -> tuple[x509.Certificate, object]:
    k = key(kind, slot)
    if key_usage is None:
        key_usage = {"digital_signature": True, "content_commitment": profile == "sign"}
    ku = dict(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    ku.update(key_usage)
    if policy is None:
        policy = POLICY_SIGN_TEST if profile == "sign" else POLICY_AUTH_TEST
    subject = subject or x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"test-{slot}-{profile}"),
        ]
    )
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(k.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.KeyUsage(**ku), critical=key_usage_critical)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(policy), None)]),
            critical=policy_critical,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(k.public_key()), critical=False)
    )
    if include_aki:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
    if is_ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    if eku is None and profile == "auth":
        eku = [ExtendedKeyUsageOID.CLIENT_AUTH]
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if profile == "sign":
        b = b.add_extension(holder_san(HOLDER if holder is None else holder), critical=False)
    if crl_dp:
        b = b.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.DirectoryName(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, crl_dp)]))],
                        None,
                        None,
                        None,
                    )
                ]
            ),
            critical=False,
        )
    signing_key = signer_key or ca.key
    return b.sign(signing_key, hash_for(signing_key)), k


def make_crl(
    ca: CA,
    revoked=(),
    *,
    extra: int = 0,
    this_update=NOW - dt.timedelta(hours=1),
    next_update=NOW + dt.timedelta(days=1),
    signer_key=None,
    scope: str | None = None,
    hash_alg: hashes.HashAlgorithm | None = None,
    extensions=(),
) -> x509.CertificateRevocationList:
    """`revoked`: serials or (serial, revocation time); `extra` adds that many filler serials;
    `extensions`: more (extension, critical) pairs, e.g. a deltaCRLIndicator."""
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
        .add_extension(x509.CRLNumber(1), critical=False)
    )
    if scope:
        b = b.add_extension(
            x509.IssuingDistributionPoint(
                [x509.DirectoryName(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, scope)]))],
                None,
                False,
                False,
                None,
                False,
                False,
            ),
            critical=True,
        )
    for extension, critical in extensions:
        b = b.add_extension(extension, critical=critical)
    entries = [(r, this_update - dt.timedelta(days=1)) if isinstance(r, int) else r for r in revoked]
    entries += [(10**12 + i, this_update - dt.timedelta(days=2)) for i in range(extra)]
    for serial, when in entries:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    k = signer_key or ca.key
    return b.sign(k, hash_alg or hash_for(k))


def crl_der(crl) -> bytes:
    return crl.public_bytes(serialization.Encoding.DER)


def cert_der(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def sign_cms(
    content: bytes,
    cert: x509.Certificate,
    signer_key,
    *,
    signing_time=NOW,
    digest: str = "sha256",
    ess_cert: x509.Certificate | None = None,
    extra_certs=(),
    omit: tuple[str, ...] = (),
) -> bytes:
    """Detached CAdES-BES SignedData. `ess_cert` lets a test name another cert in signingCertificateV2."""
    is_ec = isinstance(signer_key, ec.EllipticCurvePrivateKey)
    if is_ec and digest == "sha256":
        digest = "sha384"
    acert = ax509.Certificate.load(cert_der(cert))
    ess_target = cert_der(ess_cert or cert)
    attrs = []
    if "content_type" not in omit:
        attrs.append({"type": "content_type", "values": ["data"]})
    if "message_digest" not in omit:
        attrs.append({"type": "message_digest", "values": [hashlib.new(digest, content).digest()]})
    if signing_time is not None:
        attrs.append({"type": "signing_time", "values": [cms.Time({"utc_time": signing_time})]})
    if "signing_certificate_v2" not in omit:
        attrs.append(
            {
                "type": "signing_certificate_v2",
                "values": [
                    {
                        "certs": [
                            {
                                "hash_algorithm": {"algorithm": digest},
                                "cert_hash": hashlib.new(digest, ess_target).digest(),
                                "issuer_serial": {
                                    "issuer": [ax509.GeneralName({"directory_name": acert.issuer})],
                                    "serial_number": acert.serial_number,
                                },
                            }
                        ]
                    }
                ],
            }
        )
    signed_attrs = cms.CMSAttributes(attrs)
    to_sign = signed_attrs.dump()
    h = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512(), "sha1": hashes.SHA1()}[digest]
    if is_ec:
        sig = signer_key.sign(to_sign, ec.ECDSA(h))
        sig_alg = {"algorithm": f"{digest}_ecdsa"}
    else:
        sig = signer_key.sign(to_sign, padding.PKCS1v15(), h)
        sig_alg = {"algorithm": "rsassa_pkcs1v15"}
    signer_info = {
        "version": "v1",
        "sid": cms.SignerIdentifier(
            {"issuer_and_serial_number": {"issuer": acert.issuer, "serial_number": acert.serial_number}}
        ),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": digest}),
        "signed_attrs": signed_attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm(sig_alg),
        "signature": sig,
    }
    certs = [acert] + [ax509.Certificate.load(cert_der(c)) for c in extra_certs]
    sd = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": digest})],
            "encap_content_info": {"content_type": "data"},
            "certificates": certs,
            "signer_infos": [signer_info],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()
