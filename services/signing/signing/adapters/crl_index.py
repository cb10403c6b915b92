"""Revocation from a directory of CRLs that an operator keeps in sync.

Each CRL is parsed and its signature checked once, when its file is (re)loaded; revoked serials go
into one dict keyed by (issuer key id, serial), so a lookup costs the same with 10 or 10^6 entries.
Files are re-scanned (mtime/size) at most every `rescan_seconds`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPublicKeyTypes

from signing.adapters.trust_store import TrustStore
from signing.domain.cert_fields import fields, general_names_key
from signing.domain.keyids import authority_key_identifier
from signing.domain.verdict import RevocationEvidence

log = logging.getLogger(__name__)
CRL_SUFFIXES = {".crl", ".der", ".pem"}


@dataclasses.dataclass(frozen=True)
class LoadedCrl:
    path: str
    issuer_key_id: bytes
    scope: tuple | None  # issuingDistributionPoint full name (partitioned CRL), None for a full CRL
    this_update: dt.datetime
    next_update: dt.datetime | None
    entries: dict = dataclasses.field(repr=False, compare=False)  # serial -> (revocation time, reason)


class UntrustedCrlIssuer(ValueError):
    """A CRL from a CA outside this trust store: normal in a shared CRL directory, not an alarm."""


class UnsupportedCrlScope(ValueError):
    """A CRL whose scope this index would misread as full: a delta CRL above all (see refuse_partial_scope)."""


class CrlIndex:
    def __init__(
        self,
        directory: str | Path,
        trust_store: TrustStore,
        rescan_seconds: float = 5.0,
        clock=time.monotonic,
        on_scan: Callable[[CrlIndex], None] | None = None,
    ):
        self.directory = Path(directory)
        self.trust_store = trust_store
        self.rescan_seconds = rescan_seconds
        self._clock = clock
        # Told after each scan of the directory (the first load included; at most every rescan_seconds while
        # lookups come), outside the lock: the service sets its CRL gauges there rather than after every verdict.
        self._on_scan = on_scan
        self._lock = threading.Lock()
        self._stamps: dict[str, tuple[float, int]] = {}
        self._crls: dict[str, LoadedCrl] = {}
        self._revoked: dict[tuple[bytes, int], tuple[dt.datetime, str | None]] = {}
        self._by_scope: dict[tuple[bytes, tuple | None], LoadedCrl] = {}
        self.rejected: dict[str, str] = {}  # path -> why it was not accepted
        self.untrusted: set[str] = set()  # the rejected paths that are merely another CA's CRL
        self._next_scan = 0.0
        self.refresh(force=True)

    # -- loading ---------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        now = self._clock()
        if not force and now < self._next_scan:
            return
        with self._lock:
            self._scan(now, force)
        if self._on_scan is not None:
            self._on_scan(self)

    def _scan(self, now: float, force: bool) -> None:
        """(Under the lock.) Reload the CRL files that changed, appeared or went."""
        self._next_scan = now + self.rescan_seconds
        seen = {}
        if self.directory.is_dir():
            for entry in os.scandir(self.directory):
                if entry.is_file() and Path(entry.name).suffix.lower() in CRL_SUFFIXES:
                    st = entry.stat()
                    seen[entry.path] = (st.st_mtime, st.st_size)
        if seen == self._stamps and not force:
            return
        changed = {p for p, stamp in seen.items() if self._stamps.get(p) != stamp} | (set(self._stamps) - set(seen))
        if not changed and not force:
            return
        crls = {p: c for p, c in self._crls.items() if p in seen and p not in changed}
        rejected = {p: r for p, r in self.rejected.items() if p in seen and p not in changed}
        untrusted = {p for p in self.untrusted if p in seen and p not in changed}
        for path in sorted(p for p in seen if p in changed or force):
            try:
                crls[path] = self._load(path)
                rejected.pop(path, None)
                untrusted.discard(path)
            except (ValueError, TypeError, OSError, x509.DuplicateExtension, UnsupportedAlgorithm) as exc:
                crls.pop(path, None)
                rejected[path] = str(exc)
                if isinstance(exc, UntrustedCrlIssuer):
                    untrusted.add(path)
                else:
                    untrusted.discard(path)
                log.log(
                    logging.INFO if isinstance(exc, UntrustedCrlIssuer) else logging.WARNING,
                    "CRL %s rejected: %s",
                    path,
                    exc,
                )
        self.untrusted = untrusted
        self._install(crls, rejected, seen)

    def _load(self, path: str) -> LoadedCrl:
        data = Path(path).read_bytes()
        if b"-----BEGIN" in data:
            crl = x509.load_pem_x509_crl(data)
        else:
            crl = x509.load_der_x509_crl(data)
        anchor = self.trust_store.issuer_of(crl)
        if anchor is None:
            aki = authority_key_identifier(crl)
            raise UntrustedCrlIssuer(
                f"issuer {crl.issuer.rfc4514_string()} (key id {aki.hex() if aki else '-'}) is not a trusted root"
            )
        algorithm = crl.signature_hash_algorithm
        if algorithm is not None and algorithm.name not in ("sha256", "sha384", "sha512"):
            raise ValueError(f"CRL signed with {algorithm.name}, not an allowed hash")
        # a trust anchor is a CA certificate: its key is one that can issue
        if not crl.is_signature_valid(cast(CertificateIssuerPublicKeyTypes, anchor.certificate.public_key())):
            raise ValueError(f"signature does not verify against {anchor.label}")
        refuse_partial_scope(crl)
        scope = None
        try:
            idp = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
            scope = _names_key(idp.full_name)
        except x509.ExtensionNotFound:
            pass
        revoked = {}
        for rc in crl:
            reason = None
            try:
                reason = rc.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
            except x509.ExtensionNotFound:
                pass
            revoked[rc.serial_number] = (rc.revocation_date_utc, reason)
        return LoadedCrl(path, anchor.key_id, scope, crl.last_update_utc, crl.next_update_utc, revoked)

    def _install(self, crls: dict[str, LoadedCrl], rejected: dict[str, str], stamps) -> None:
        by_scope: dict[tuple[bytes, tuple | None], LoadedCrl] = {}
        for c in crls.values():
            key = (c.issuer_key_id, c.scope)
            if key not in by_scope or by_scope[key].this_update < c.this_update:
                by_scope[key] = c  # the newest CRL for a scope wins
        revoked = {}
        for c in by_scope.values():
            for serial, (when, reason) in c.entries.items():
                # plain tuples of atoms: the cyclic GC stops tracking them, so 10^5 entries cost it nothing
                revoked[(c.issuer_key_id, serial)] = (when, reason)
        self._crls, self.rejected, self._stamps = crls, rejected, stamps
        self._by_scope, self._revoked = by_scope, revoked

    # -- lookups ---------------------------------------------------------------------------
    def status(
        self, cert: x509.Certificate, issuer, now: dt.datetime, revoked_before: dt.datetime | None = None
    ) -> RevocationEvidence:
        """Revocation status of `cert` (issued by trust anchor `issuer`); `now` decides freshness."""
        self.refresh()
        issuer_key_id = issuer.key_id
        crl = self._covering_crl(cert, issuer_key_id)
        if crl is None:
            return RevocationEvidence(status="unavailable", note="no CRL from this issuer covers the certificate")
        evidence: dict[str, Any] = dict(
            source_kind="crl",
            source=crl.path,
            this_update=crl.this_update,
            next_update=crl.next_update,
            age_seconds=(now - crl.this_update).total_seconds(),
        )
        entry = self._revoked.get((issuer_key_id, cert.serial_number))
        if entry is not None and (revoked_before is None or entry[0] <= revoked_before):
            return RevocationEvidence(
                status="revoked", revocation_time=entry[0], revocation_reason=entry[1], **evidence
            )
        if crl.next_update is None or now > crl.next_update:
            return RevocationEvidence(status="stale", note="CRL is past its nextUpdate", **evidence)
        if crl.this_update > now:
            return RevocationEvidence(status="stale", note="CRL thisUpdate is in the future", **evidence)
        return RevocationEvidence(status="good", **evidence)

    def _covering_crl(self, cert: x509.Certificate, issuer_key_id: bytes) -> LoadedCrl | None:
        for scope in fields(cert).crl_scopes:
            crl = self._by_scope.get((issuer_key_id, scope))
            if crl is not None:
                return crl
        return self._by_scope.get((issuer_key_id, None))

    @property
    def loaded(self) -> list[LoadedCrl]:
        return list(self._crls.values())


# RFC 5280 5.2.4/5.2.6: a delta CRL lists only the changes since its base CRL, so read as a full CRL
# ("no issuingDistributionPoint, the newest wins") an empty delta newer than the base would un-revoke
# every certificate the base lists. J-LIS publishes full CRLs, one partitioned CRL per municipality
# (../shared/reference/jpki-card.md, "CRLs per municipality"), no deltas: anything else is refused, not guessed at.
_UNDERSTOOD_CRITICAL = frozenset({x509.IssuingDistributionPoint.oid})


def refuse_partial_scope(crl: x509.CertificateRevocationList) -> None:
    """Raise UnsupportedCrlScope unless ``crl`` is a complete CRL of its scope (RFC 5280 5.2)."""
    for ext in crl.extensions:
        value = ext.value
        if isinstance(value, x509.DeltaCRLIndicator):
            raise UnsupportedCrlScope(
                f"delta CRL (deltaCRLIndicator, base CRL number {value.crl_number}): only "
                "full CRLs are accepted (J-LIS publishes no delta CRLs)"
            )
        if isinstance(value, x509.FreshestCRL):
            raise UnsupportedCrlScope(
                "CRL points to delta CRLs (freshestCRL): only full CRLs without deltas "
                "are accepted (J-LIS publishes no delta CRLs)"
            )
        if isinstance(value, x509.IssuingDistributionPoint) and (
            value.indirect_crl or value.only_some_reasons or value.only_contains_attribute_certs
        ):
            raise UnsupportedCrlScope(
                "CRL covers only some reasons, attribute certificates or another "
                "issuer's certificates (issuingDistributionPoint): not a full CRL"
            )
        if ext.critical and ext.oid not in _UNDERSTOOD_CRITICAL:
            raise UnsupportedCrlScope(f"CRL carries an unrecognised critical extension {ext.oid.dotted_string}")


def _names_key(names) -> tuple | None:
    return general_names_key(names) if names else None
