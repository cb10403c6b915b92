"""The trust decision: is this JPKI signature (or card login) valid, and on what evidence.

Path building and signature checks use cryptography's X.509 verifier with the issuer chosen by
Authority Key Identifier; JPKI profile rules, validity, revocation and holder comparison are ours.
The trust store and revocation sources are passed in (see signing.adapters), so this module does
no I/O of its own.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509 import verification as xv

from signing.domain import cert_fields, cms, names, profiles
from signing.domain.cert_memo import per_certificate
from signing.domain.holder_attributes import ApplicantRecord, compare_holder, holder_attributes
from signing.domain.keyids import authority_key_identifier, key_identifier
from signing.domain.verdict import Reason, RevocationEvidence, Verdict, VerificationFailure

CLOCK_SKEW = dt.timedelta(minutes=5)
# cryptography decodes extensions and keys lazily, so a hostile certificate can raise these from
# any step; whatever cannot be read is MALFORMED (fail closed), never an exception to the caller.
UNREADABLE = (
    ValueError,
    TypeError,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
    x509.InvalidVersion,
    UnsupportedAlgorithm,
    RecursionError,
)
AUTH_TOKEN_ALGORITHMS = {  # Web eID names -> (signature family, hash)
    "RS256": ("rsassa_pkcs1v15", "sha256"),
    "RS384": ("rsassa_pkcs1v15", "sha384"),
    "RS512": ("rsassa_pkcs1v15", "sha512"),
    "PS256": ("rsassa_pss", "sha256"),
    "PS384": ("rsassa_pss", "sha384"),
    "PS512": ("rsassa_pss", "sha512"),
    "ES256": ("ecdsa", "sha256"),
    "ES384": ("ecdsa", "sha384"),
    "ES512": ("ecdsa", "sha512"),
}


class Anchor(Protocol):
    # read-only: the trust store's anchors are frozen
    @property
    def certificate(self) -> x509.Certificate: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def key_id(self) -> bytes: ...


class TrustStore(Protocol):
    def issuer_of(self, obj: x509.Certificate) -> Anchor | None: ...

    def same_name(self, name: x509.Name) -> Sequence[Anchor]: ...


class RevocationSource(Protocol):
    def status(
        self, cert: x509.Certificate, issuer: Anchor, now: dt.datetime, revoked_before: dt.datetime | None = None
    ) -> RevocationEvidence: ...


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass(frozen=True)
class VerificationPolicy:
    sign_profile: profiles.Profile = dataclasses.field(default_factory=profiles.jpki_sign)
    auth_profile: profiles.Profile = dataclasses.field(default_factory=profiles.jpki_auth)
    # Accept a verdict when revocation data is missing or stale; the verdict then says soft_fail.
    soft_fail: bool = False
    max_chain_depth: int = 3
    clock: Callable[[], dt.datetime] = utcnow


class Verifier:
    def __init__(
        self,
        trust_store: TrustStore,
        revocation: Sequence[RevocationSource] = (),
        policy: VerificationPolicy | None = None,
    ) -> None:
        self.trust_store = trust_store
        self.revocation = list(revocation)
        self.policy = policy or VerificationPolicy()
        self._stores: dict[bytes, xv.Store] = {}

    # -- public API ----------------------------------------------------------------------------
    def verify_cms(
        self,
        content: bytes,
        cms_der: bytes,
        expected_holder: ApplicantRecord | None = None,
        at: dt.datetime | None = None,
        profile: profiles.Profile | None = None,
    ) -> Verdict:
        """Verify a detached CAdES-BES signature over `content`.

        Validity is judged at `at` (a time the caller trusts, e.g. when the platform received the
        signature) if given, else now. The signing-time attribute is the signer's own claim: it is
        reported, never trusted, so a backdated one rescues neither an expired nor a revoked
        certificate. Revocation counts every revocation dated up to `at` (or any, without `at`).
        """
        profile = profile or self.policy.sign_profile
        facts: dict[str, Any] = {"profile": profile.name}
        try:
            parsed = cms.parse_signed_data(cms_der)
            facts.update(_cert_facts(parsed.signer), signing_time=parsed.signing_time)
            now = self.policy.clock()
            if parsed.signing_time and parsed.signing_time > now + CLOCK_SKEW:
                raise VerificationFailure(Reason.MALFORMED, "signing-time lies in the future")
            cms.check_content(parsed, content)
            cms.check_signature(parsed)
            when = at or now
            facts["validation_time"] = when
            intermediates = [c for c in parsed.certificates if c is not parsed.signer]
            return self._finish(parsed.signer, intermediates, when, now, at, profile, expected_holder, facts)
        except VerificationFailure as failure:
            return Verdict(valid=False, reason=failure.reason, detail=failure.detail, **facts)
        except UNREADABLE as exc:
            return _unreadable(exc, facts)

    def verify_certificate(
        self,
        cert: x509.Certificate,
        intermediates: Sequence[x509.Certificate] = (),
        at: dt.datetime | None = None,
        profile: profiles.Profile | None = None,
        expected_holder: ApplicantRecord | None = None,
    ) -> Verdict:
        profile = profile or self.policy.sign_profile
        now = self.policy.clock()
        when = at or now
        facts: dict[str, Any] = {"profile": profile.name, "validation_time": when}
        try:
            facts.update(_cert_facts(cert))
            return self._finish(cert, list(intermediates), when, now, at, profile, expected_holder, facts)
        except VerificationFailure as failure:
            return Verdict(valid=False, reason=failure.reason, detail=failure.detail, **facts)
        except UNREADABLE as exc:
            return _unreadable(exc, facts)

    def verify_auth_token(
        self, token: dict[str, Any] | str | bytes, origin: str, nonce: str, at: dt.datetime | None = None
    ) -> Verdict:
        """Web eID-style card login: signature over hash(origin) + hash(nonce) by the auth key."""
        profile = self.policy.auth_profile
        facts: dict[str, Any] = {"profile": profile.name}
        try:
            cert, scheme, signature = _parse_auth_token(token)
            facts.update(_cert_facts(cert))
            h = scheme.hash_name
            if h is None:  # every AUTH_TOKEN_ALGORITHMS entry names its hash
                raise VerificationFailure(Reason.WEAK_ALGORITHM, "auth token algorithm names no hash")
            try:
                signed = hashlib.new(h, origin.encode()).digest() + hashlib.new(h, nonce.encode()).digest()
            except (UnicodeEncodeError, AttributeError):
                raise VerificationFailure(
                    Reason.MALFORMED, "origin and nonce must be text (no lone surrogates)"
                ) from None
            cms.verify_raw(cert.public_key(), scheme, signature, signed)
            now = self.policy.clock()
            when = at or now
            facts["validation_time"] = when
            return self._finish(cert, [], when, now, at, profile, None, facts)
        except VerificationFailure as failure:
            return Verdict(valid=False, reason=failure.reason, detail=failure.detail, **facts)
        except UNREADABLE as exc:
            return _unreadable(exc, facts)

    # -- steps -----------------------------------------------------------------------------------
    def _finish(
        self,
        leaf: x509.Certificate,
        intermediates: list[x509.Certificate],
        when: dt.datetime,
        now: dt.datetime,
        at: dt.datetime | None,
        profile: profiles.Profile,
        expected_holder: ApplicantRecord | None,
        facts: dict[str, Any],
    ) -> Verdict:
        anchor, chain = self._path(leaf, intermediates, when, profile)
        facts.update(root_fingerprint=anchor.fingerprint, root_label=anchor.label)
        holder = holder_attributes(leaf)
        if not holder.is_empty():
            facts["holder"] = holder.to_dict()
        evidence = self._revocation(leaf, chain, anchor, now, at)
        facts["revocation"] = evidence
        if evidence.status in ("stale", "unavailable") and not evidence.soft_fail:
            stale = evidence.status == "stale"
            detail = evidence.note or ("revocation data is stale" if stale else "no revocation data")
            if stale and evidence.next_update is not None:
                detail += f" (nextUpdate {evidence.next_update:%Y-%m-%dT%H:%M:%SZ}, {evidence.source})"
            raise VerificationFailure(Reason.REVOCATION_STALE if stale else Reason.REVOCATION_UNAVAILABLE, detail)
        if evidence.status == "revoked":
            raise VerificationFailure(
                Reason.REVOKED,
                f"certificate revoked at {evidence.revocation_time:%Y-%m-%dT%H:%M:%SZ}"
                + (f" ({evidence.revocation_reason})" if evidence.revocation_reason else ""),
            )
        if expected_holder is not None:
            compare_holder(holder, expected_holder)
        return Verdict(valid=True, soft_fail=evidence.soft_fail, detail=evidence.note or "", **facts)

    def _path(
        self,
        leaf: x509.Certificate,
        intermediates: list[x509.Certificate],
        when: dt.datetime,
        profile: profiles.Profile,
    ) -> tuple[Anchor, list[x509.Certificate]]:
        """Issuer by AKI up to a pinned root, then validity, profile, and cryptography's verifier."""
        chain = [leaf]
        current = leaf
        anchor = None
        for _ in range(self.policy.max_chain_depth):
            anchor = self.trust_store.issuer_of(current)
            if anchor is not None:
                break
            aki = authority_key_identifier(current)
            parent = next(
                (
                    c
                    for c in intermediates
                    if c not in chain and c.subject == current.issuer and (aki is None or key_identifier(c) == aki)
                ),
                None,
            )
            if parent is None:
                break
            chain.append(parent)
            current = parent
        if anchor is None:
            aki = authority_key_identifier(current)
            kid = f" (key id {aki.hex()})" if aki else ""
            if self.trust_store.same_name(current.issuer):
                raise VerificationFailure(
                    Reason.ISSUER_GENERATION_UNKNOWN,
                    f"issued by a generation of {current.issuer.rfc4514_string()}{kid} that is not a trusted root",
                )
            raise VerificationFailure(
                Reason.UNTRUSTED_ISSUER, f"issuer {current.issuer.rfc4514_string()}{kid} is not trusted"
            )
        for i, cert in enumerate(chain + [anchor.certificate]):
            what = (
                "end-entity certificate"
                if i == 0
                else (
                    f"root {anchor.label}"
                    if cert is anchor.certificate
                    else f"intermediate {cert.subject.rfc4514_string()}"
                )
            )
            if when > cert.not_valid_after_utc:
                raise VerificationFailure(
                    Reason.EXPIRED, f"{what} expired {cert.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}"
                )
            if when < cert.not_valid_before_utc:
                raise VerificationFailure(
                    Reason.NOT_YET_VALID, f"{what} valid only from {cert.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ}"
                )
        profiles.check_end_entity(leaf, profile)
        for ca in chain[1:]:
            profiles.check_key_strength(ca.public_key(), "intermediate key")
            profiles.check_certificate_algorithm(ca, "intermediate certificate")
        try:
            self._x509_verifier(anchor, when).verify(leaf, chain[1:])
        except xv.VerificationError as exc:
            raise VerificationFailure(
                Reason.UNTRUSTED_ISSUER, f"path to {anchor.label} does not validate: {exc}"
            ) from None
        return anchor, chain

    def _x509_verifier(self, anchor: Anchor, when: dt.datetime) -> xv.ClientVerifier:
        store = self._stores.get(anchor.key_id)
        if store is None:
            store = self._stores[anchor.key_id] = xv.Store([anchor.certificate])
        return (
            xv.PolicyBuilder()
            .store(store)
            .time(when)
            .max_chain_depth(self.policy.max_chain_depth)
            .extension_policies(ca_policy=CA_POLICY, ee_policy=EE_POLICY)
            .build_client_verifier()
        )

    def _revocation(
        self,
        leaf: x509.Certificate,
        chain: list[x509.Certificate],
        anchor: Anchor,
        now: dt.datetime,
        at: dt.datetime | None,
    ) -> RevocationEvidence:
        if len(chain) > 1:
            # JPKI roots issue end-entity certificates directly; the CRL/OCSP sources know roots only.
            return self._soft(
                RevocationEvidence(
                    status="unavailable", note="revocation of intermediate-issued certificates is not supported"
                )
            )
        seen: list[RevocationEvidence] = []
        for source in self.revocation:
            evidence = source.status(leaf, anchor, now, at)
            if evidence.status in ("revoked", "good"):
                return evidence
            seen.append(evidence)
        if not seen:
            seen.append(RevocationEvidence(status="unavailable", note="no revocation source configured"))
        stale = [e for e in seen if e.status == "stale"]
        return self._soft(stale[0] if stale else seen[0])

    def _soft(self, evidence: RevocationEvidence) -> RevocationEvidence:
        if not self.policy.soft_fail:
            return evidence
        return dataclasses.replace(
            evidence, soft_fail=True, note=f"soft-fail: {evidence.note or evidence.status} (revocation not confirmed)"
        )


# The JPKI leaf carries a critical certificatePolicies and no SAN requirement applies: declare
# the extensions the EE may carry so the verifier does not reject them as unknown-critical.
EE_POLICY = (
    xv.ExtensionPolicy.permit_all()
    .may_be_present(x509.CertificatePolicies, xv.Criticality.AGNOSTIC, None)
    .may_be_present(x509.KeyUsage, xv.Criticality.AGNOSTIC, None)
    .may_be_present(x509.ExtendedKeyUsage, xv.Criticality.AGNOSTIC, None)
    .may_be_present(x509.SubjectAlternativeName, xv.Criticality.AGNOSTIC, None)
)
CA_POLICY = (
    xv.ExtensionPolicy.permit_all()
    .require_present(x509.BasicConstraints, xv.Criticality.AGNOSTIC, None)
    .may_be_present(x509.CertificatePolicies, xv.Criticality.AGNOSTIC, None)
)


def _unreadable(exc: BaseException, facts: dict[str, Any]) -> Verdict:
    detail = "input nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
    return Verdict(valid=False, reason=Reason.MALFORMED, detail=f"unreadable: {type(exc).__name__}: {detail}", **facts)


@per_certificate
def _cert_facts_cached(cert: x509.Certificate) -> tuple[tuple[str, Any], ...]:
    return tuple(_cert_facts_uncached(cert).items())


def _cert_facts(cert: x509.Certificate) -> dict[str, Any]:
    return dict(_cert_facts_cached(cert))


def _cert_facts_uncached(cert: x509.Certificate) -> dict[str, Any]:
    return {
        "serial": format(cert.serial_number, "X"),
        "subject": _subject_string(cert),
        "issuer": _issuer_string(cert),
    }


def _subject_string(cert: x509.Certificate) -> str:
    """cryptography's RFC 4514 text of the subject, written from its encoding when it has the common form."""
    try:
        text = names.rfc4514_text(cert_fields.fields(cert).subject_der)
    except ValueError:  # unreadable extensions: reported by the checks, the facts still name the subject
        text = None
    return text if text is not None else cert.subject.rfc4514_string()


# Every applicant's certificate is new, but its issuer is one of a few CAs: the issuer's RFC 4514 text is
# kept by the issuer Name's DER (the same bytes always give the same text), saving a Name decode per signature.
_ISSUER_STRINGS: dict[bytes, str] = {}


def _issuer_string(cert: x509.Certificate) -> str:
    try:
        key = cert_fields.fields(cert).issuer_der
    except ValueError:  # unreadable extensions: reported by the checks, the facts still name the issuer
        return cert.issuer.rfc4514_string()
    text = _ISSUER_STRINGS.get(key)
    if text is None:
        text = cert.issuer.rfc4514_string()
        if len(_ISSUER_STRINGS) < 1024:  # bounded: hostile input must not grow it
            _ISSUER_STRINGS[key] = text
    return text


def _parse_auth_token(token: dict[str, Any] | str | bytes) -> tuple[x509.Certificate, cms.SignatureScheme, bytes]:
    try:
        # Any: the JSON as sent, checked field by field below
        data: Any = json.loads(token) if isinstance(token, (str, bytes)) else token
        fmt = data.get("format", "")
        if not str(fmt).startswith("web-eid:1"):
            raise VerificationFailure(Reason.MALFORMED, f"auth token format {fmt!r} is not web-eid:1.x")
        algorithm = data["algorithm"]
        if algorithm not in AUTH_TOKEN_ALGORITHMS:
            raise VerificationFailure(Reason.WEAK_ALGORITHM, f"auth token algorithm {algorithm!r} is not allowed")
        family, hash_name = AUTH_TOKEN_ALGORITHMS[algorithm]
        cert = x509.load_der_x509_certificate(base64.b64decode(data["unverifiedCertificate"], validate=True))
        signature = base64.b64decode(data["signature"], validate=True)
    except VerificationFailure:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise VerificationFailure(Reason.MALFORMED, f"auth token unreadable: {exc}") from None
    except RecursionError:
        raise VerificationFailure(Reason.MALFORMED, "auth token nested too deeply") from None
    salt = {"sha256": 32, "sha384": 48, "sha512": 64}[hash_name] if family == "rsassa_pss" else None
    if family == "ecdsa":
        signature = _raw_ecdsa_to_der(signature)
    return cert, cms.SignatureScheme(family, hash_name, salt), signature


def _raw_ecdsa_to_der(sig: bytes) -> bytes:
    """Web eID (like JWS) sends ECDSA signatures as r||s; cryptography wants DER."""
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    if len(sig) % 2:
        raise VerificationFailure(Reason.MALFORMED, "ECDSA signature is not r||s")
    half = len(sig) // 2
    return encode_dss_signature(int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big"))
