"""Builds the service's Verifier from settings: pinned roots, CRL directory, OCSP, policy.

Built once per runtime, on first use (``signing.bootstrap``); the CRL index re-reads its directory when a
file changes, so an operator's CRL sync needs no restart. A misconfigured trust store raises
here with a message naming the variable, and the handler that asked is retried, never turned
into a rejection of an applicant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from signing.adapters import metrics
from signing.adapters.crl_index import CrlIndex
from signing.adapters.ocsp import OcspClient
from signing.adapters.trust_store import (
    CERT_SUFFIXES,
    PRODUCTION_PINS,
    TrustStore,
    TrustStoreError,
    fingerprint,
    load_certificates,
    normalise_fingerprint,
)
from signing.domain import profiles
from signing.domain.verdict import RevocationEvidence
from signing.domain.verification import RevocationSource, VerificationPolicy, Verifier


class VerifierConfigError(RuntimeError):
    pass


@dataclasses.dataclass
class VerificationService:
    """The verifier and the parts the service reports on (CRL gauges, readiness)."""

    verifier: Verifier
    trust_store: TrustStore
    crl_index: CrlIndex | None
    sign_profile: profiles.Profile
    auth_profile: profiles.Profile

    def profile(self, name: str) -> profiles.Profile:
        if name == "jpki-sign":
            return self.sign_profile
        if name == "jpki-auth":
            return self.auth_profile
        raise ValueError(f"unknown profile {name!r}")


class MaxAgeRevocation:
    """A revocation source whose 'good' answers expire ``max_age`` after thisUpdate.

    J-LIS CRLs are valid for days and refreshed at least daily; the operator's sync runs hourly, so a CRL older
    than a day and a half means the sync is broken, and we stop trusting it (ZAIRYU_CRL_MAX_AGE) before its
    nextUpdate.
    """

    def __init__(self, inner, max_age: dt.timedelta):
        self.inner = inner
        self.max_age = max_age

    def status(self, cert, issuer, now, revoked_before=None) -> RevocationEvidence:
        evidence = self.inner.status(cert, issuer, now, revoked_before)
        if evidence.status == "good" and evidence.this_update is not None and now - evidence.this_update > self.max_age:
            return dataclasses.replace(
                evidence,
                status="stale",
                note=f"CRL is older than ZAIRYU_CRL_MAX_AGE ({int(self.max_age.total_seconds())} s)",
            )
        return evidence


def load_pins(spec: str) -> dict[str, str]:
    """'production' -> the J-LIS pins; 'test:<manifest.json|pin list>' -> the test PKI's roots."""
    if spec == "production":
        return dict(PRODUCTION_PINS)
    if not spec.startswith("test:"):
        raise VerifierConfigError(f"ZAIRYU_TRUST_PINS={spec!r}: expected 'production' or 'test:<path>'")
    path = Path(spec[len("test:") :])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise VerifierConfigError(f"ZAIRYU_TRUST_PINS: cannot read {path}: {exc}") from None
    if text.lstrip().startswith("{"):  # a test PKI manifest: pin its trusted CA generations
        manifest = json.loads(text)
        pins = {}
        for ca in manifest.get("cas", []):
            if ca.get("trusted"):
                der = (path.parent / ca["cert"]).read_bytes()
                for cert in load_certificates(der):
                    pins[fingerprint(cert)] = f"test-{ca['id']}"
        if not pins:
            raise VerifierConfigError(f"ZAIRYU_TRUST_PINS: {path} lists no trusted CA")
        return pins
    pins = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fp, _, label = line.partition(" ")
        try:
            pins[normalise_fingerprint(fp)] = label.strip() or f"pinned-{fp[:8].lower()}"
        except TrustStoreError as exc:
            raise VerifierConfigError(f"ZAIRYU_TRUST_PINS: {path}:{number}: {exc}") from None
    return pins


def load_trust_store(trust_dir: str, pins: dict[str, str]) -> TrustStore:
    """Every directory listed (comma-separated) and its immediate subdirectories (trust/sign, trust/auth)."""
    anchors = []
    for entry in (p.strip() for p in trust_dir.split(",") if p.strip()):
        base = Path(entry)
        if not base.is_dir():
            raise VerifierConfigError(f"ZAIRYU_TRUST_DIR: {base} is not a directory")
        for directory in [base, *sorted(p for p in base.iterdir() if p.is_dir())]:
            if not any(p.suffix.lower() in CERT_SUFFIXES for p in directory.iterdir() if p.is_file()):
                continue
            try:
                anchors.extend(TrustStore.from_directory(directory, pins).anchors)
            except TrustStoreError as exc:
                raise VerifierConfigError(f"ZAIRYU_TRUST_DIR: {exc}") from None
    if not anchors:
        raise VerifierConfigError(f"ZAIRYU_TRUST_DIR={trust_dir!r}: no root certificates found")
    return TrustStore(anchors)


def policy_profile(kind: str, setting_value: str) -> profiles.Profile:
    make = profiles.jpki_sign if kind == "sign" else profiles.jpki_auth
    if setting_value in ("production", "test"):
        return make(setting_value)
    return make("production").with_policies(setting_value)


def extra_pins(spec: str) -> dict[str, str]:
    """ZAIRYU_TRUST_EXTRA_PINS: 'SHA256=jpki-<name>' entries. A J-LIS generation the code does not carry (authca02:
    jpki-card.md, 'published by J-LIS but no copy is here') is trusted only by an explicit pin the operator set, never
    by its file appearing in the directory; without this a production verifier could not trust it at all."""
    pins = {}
    for entry in filter(None, (e.strip() for e in spec.split(","))):
        fp, _, label = entry.partition("=")
        try:
            pins[normalise_fingerprint(fp.strip())] = label.strip()
        except TrustStoreError as exc:
            raise VerifierConfigError(f"ZAIRYU_TRUST_EXTRA_PINS: {exc}") from None
    return pins


def build(settings) -> VerificationService:
    pins = {**load_pins(settings.trust_pins), **extra_pins(settings.trust_extra_pins)}
    trust_store = load_trust_store(settings.trust_dir, pins)
    sources: list[RevocationSource] = []
    crl_index = None
    if settings.crl_dir:
        crl_index = CrlIndex(settings.crl_dir, trust_store, on_scan=metrics.set_crl_gauges)
        sources.append(MaxAgeRevocation(crl_index, dt.timedelta(seconds=settings.crl_max_age)))
    if settings.ocsp_url:
        sources.append(OcspClient(settings.ocsp_url))
    sign_profile = policy_profile("sign", settings.sign_policy_oid)
    auth_profile = policy_profile("auth", settings.auth_policy_oid)
    policy = VerificationPolicy(
        sign_profile=sign_profile, auth_profile=auth_profile, soft_fail=settings.revocation_soft_fail
    )
    return VerificationService(
        Verifier(trust_store, sources, policy), trust_store, crl_index, sign_profile, auth_profile
    )
