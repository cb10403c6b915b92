"""Certificate profiles for JPKI end-entity certificates, and the checks the path validator does not make.

cryptography's verifier builds and checks the path; these rules say what a JPKI signature or
authentication certificate must look like (key usage, policy, key strength) and name the failure
precisely.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID

from signing.domain.cert_fields import fields
from signing.domain.verdict import Reason, VerificationFailure

# J-LIS certificate policy OIDs (jpki-card.md). The test environment uses ".0.20" for signatures;
# the authentication test OID is not published, so it is configurable like the others.
POLICY_SIGN_PRODUCTION = "1.2.392.200149.8.5.1.1.20"
POLICY_SIGN_TEST = "1.2.392.200149.8.5.1.0.20"
POLICY_AUTH_PRODUCTION = "1.2.392.200149.8.5.1.3.30"
POLICY_AUTH_TEST = "1.2.392.200149.8.5.1.2.30"  # (unverified) test-environment counterpart

MIN_RSA_BITS = 2048
# Current card: RSA-2048 + SHA-256. Next card (announced): ECDSA P-384 + SHA-384.
ALLOWED_HASHES = frozenset({"sha256", "sha384", "sha512"})
ALLOWED_CURVES = frozenset({"secp384r1", "secp256r1", "secp521r1"})


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    key_usage: frozenset[str]  # attribute names on x509.KeyUsage that must be set
    policies: frozenset[str]  # at least one must be asserted
    policy_critical: bool = True
    key_usage_critical: bool = False  # JPKI's are marked critical (jpki-card.md, "Certificate profiles")
    extended_key_usage: frozenset[str] = frozenset()  # dotted OIDs that must be present

    def with_policies(self, *oids: str) -> Profile:
        return dataclasses.replace(self, policies=frozenset(oids))


def jpki_sign(environment: str = "production") -> Profile:
    oid = {"production": POLICY_SIGN_PRODUCTION, "test": POLICY_SIGN_TEST}[environment]
    return Profile(
        name="jpki-sign",
        key_usage=frozenset({"digital_signature", "content_commitment"}),
        policies=frozenset({oid}),
        key_usage_critical=True,  # "digitalSignature + nonRepudiation (critical)"
    )


def jpki_auth(environment: str = "production") -> Profile:
    oid = {"production": POLICY_AUTH_PRODUCTION, "test": POLICY_AUTH_TEST}[environment]
    return Profile(
        name="jpki-auth",
        key_usage=frozenset({"digital_signature"}),
        policies=frozenset({oid}),
        key_usage_critical=True,  # "keyUsage digitalSignature (critical)"
        extended_key_usage=frozenset({ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string}),
    )


def profile_by_name(name: str, environment: str = "production") -> Profile:
    if name == "jpki-sign":
        return jpki_sign(environment)
    if name == "jpki-auth":
        return jpki_auth(environment)
    raise ValueError(f"unknown JPKI profile {name!r}")


def check_end_entity(cert: x509.Certificate, profile: Profile) -> None:
    """Raise VerificationFailure unless the leaf fits the profile."""
    check_key_strength(cert.public_key(), "end-entity key")
    check_certificate_algorithm(cert, "end-entity certificate")
    f = fields(cert)
    if f.is_ca:
        raise VerificationFailure(Reason.LEAF_IS_CA, "end-entity certificate has basicConstraints cA=TRUE")
    if f.key_usage is None:
        raise VerificationFailure(Reason.WRONG_KEY_USAGE, "keyUsage extension missing")
    if f.key_usage & {"key_cert_sign", "crl_sign"}:
        raise VerificationFailure(Reason.LEAF_IS_CA, "end-entity keyUsage allows certificate or CRL signing")
    if profile.key_usage_critical and not f.key_usage_critical:
        raise VerificationFailure(Reason.WRONG_KEY_USAGE, f"keyUsage is not marked critical ({profile.name})")
    missing = sorted(profile.key_usage - f.key_usage)
    if missing:
        raise VerificationFailure(Reason.WRONG_KEY_USAGE, f"keyUsage lacks {', '.join(missing)} ({profile.name})")
    if profile.extended_key_usage:
        if f.extended_key_usage is None:
            raise VerificationFailure(Reason.WRONG_KEY_USAGE, "extendedKeyUsage missing")
        if not profile.extended_key_usage <= f.extended_key_usage:
            need = ", ".join(sorted(profile.extended_key_usage - f.extended_key_usage))
            raise VerificationFailure(Reason.WRONG_KEY_USAGE, f"extendedKeyUsage lacks {need}")
    if f.policies is None:
        raise VerificationFailure(Reason.WRONG_POLICY, "certificatePolicies missing")
    if profile.policy_critical and not f.policies_critical:
        raise VerificationFailure(Reason.WRONG_POLICY, "certificatePolicies is not marked critical")
    if not f.policies & profile.policies:
        raise VerificationFailure(
            Reason.WRONG_POLICY,
            f"policy {', '.join(sorted(f.policies)) or '(none)'} is not {' or '.join(sorted(profile.policies))}",
        )


def check_key_strength(key: PublicKeyTypes, what: str) -> None:
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise VerificationFailure(Reason.WEAK_KEY, f"{what} is RSA-{key.key_size}, need >= {MIN_RSA_BITS}")
        return
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in ALLOWED_CURVES:
            raise VerificationFailure(Reason.WEAK_KEY, f"{what} uses curve {key.curve.name}")
        return
    if isinstance(key, ed25519.Ed25519PublicKey):
        return
    raise VerificationFailure(Reason.WEAK_KEY, f"{what} has unsupported key type {type(key).__name__}")


def check_hash_name(name: str, what: str) -> None:
    if name.lower().replace("-", "") not in ALLOWED_HASHES:
        raise VerificationFailure(Reason.WEAK_ALGORITHM, f"{what} uses {name}")


def check_certificate_algorithm(cert: x509.Certificate, what: str) -> None:
    algo = cert.signature_hash_algorithm
    if algo is None:  # Ed25519 and friends carry no separate hash
        return
    check_hash_name(algo.name, what)


_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def hash_by_name(name: str | None) -> hashes.HashAlgorithm:
    make = _HASHES.get(name) if name is not None else None
    if make is None:
        raise VerificationFailure(Reason.WEAK_ALGORITHM, f"digest {name} is not allowed")
    return make()
