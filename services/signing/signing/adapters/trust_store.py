"""Trust anchors: root certificates read from a directory, accepted only if their SHA-256 is pinned.

A root file that is present but not pinned is refused loudly: silently trusting whatever an
operator dropped into the directory would make the directory the trust decision.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from signing.domain.keyids import authority_key_identifier, key_identifier

# Production J-LIS roots (jpki-card.md). Expired generations are deliberately absent.
PRODUCTION_PINS: dict[str, str] = {
    "79679C33E4CC9319440F1AD120A597FF1844E2EF217063ADB176966FD5E6FBEB": "jpki-signca02",
    "D227F6CDE11D35C5252178F106F843D24651944975413B539FA2FB68DBFA365F": "jpki-signca03",
    "64114F29620C24ED2631D46476A040E7EE740D956089C00B036A6A8118C322B5": "jpki-authca03",
}
CERT_SUFFIXES = {".cer", ".crt", ".der", ".pem"}


class TrustStoreError(Exception):
    pass


def normalise_fingerprint(fp: str) -> str:
    cleaned = fp.replace(":", "").replace(" ", "").upper()
    if len(cleaned) != 64 or any(c not in "0123456789ABCDEF" for c in cleaned):
        raise TrustStoreError(f"not a SHA-256 fingerprint: {fp!r}")
    return cleaned


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


def load_certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


@dataclasses.dataclass(frozen=True)
class TrustAnchor:
    certificate: x509.Certificate
    fingerprint: str
    label: str
    key_id: bytes
    source: str | None = None


class TrustStore:
    """Pinned roots indexed by key identifier (generations share a DN, so never look up by name)."""

    def __init__(self, anchors: Iterable[TrustAnchor]):
        self.anchors = list(anchors)
        self._by_key_id = {a.key_id: a for a in self.anchors}

    @classmethod
    def from_certificates(cls, certs: Iterable[x509.Certificate], pins: Mapping[str, str] | Iterable[str]):
        pinned = _pin_map(pins)
        anchors = []
        for cert in certs:
            fp = fingerprint(cert)
            if fp not in pinned:
                raise TrustStoreError(f"root {cert.subject.rfc4514_string()} (SHA-256 {fp}) is not pinned")
            anchors.append(TrustAnchor(cert, fp, pinned[fp], key_identifier(cert)))
        return cls(anchors)

    @classmethod
    def from_directory(cls, directory: str | Path, pins: Mapping[str, str] | Iterable[str] = PRODUCTION_PINS):
        directory = Path(directory)
        if not directory.is_dir():
            raise TrustStoreError(f"trust directory {directory} does not exist")
        pinned = _pin_map(pins)
        anchors = []
        for path in sorted(directory.iterdir()):
            if path.suffix.lower() not in CERT_SUFFIXES or not path.is_file():
                continue
            try:
                certs = load_certificates(path.read_bytes())
            except (ValueError, x509.InvalidVersion) as exc:
                raise TrustStoreError(f"{path}: not a certificate ({exc})") from None
            for cert in certs:
                fp = fingerprint(cert)
                if fp not in pinned:
                    raise TrustStoreError(
                        f"{path}: root {cert.subject.rfc4514_string()} with SHA-256 {fp} is not pinned; "
                        "remove the file or add its fingerprint to the pin list"
                    )
                anchors.append(TrustAnchor(cert, fp, pinned[fp], key_identifier(cert), str(path)))
        if not anchors:
            raise TrustStoreError(f"no root certificates in {directory}")
        return cls(anchors)

    def by_key_id(self, key_id: bytes | None) -> TrustAnchor | None:
        return self._by_key_id.get(key_id) if key_id is not None else None

    def issuer_of(self, obj) -> TrustAnchor | None:
        """The anchor that issued a certificate or CRL: by AKI, else by name plus signature."""
        aki = authority_key_identifier(obj)
        if aki is not None:
            return self.by_key_id(aki)
        for anchor in self.anchors:
            if anchor.certificate.subject != obj.issuer:
                continue
            try:
                if isinstance(obj, x509.Certificate):
                    obj.verify_directly_issued_by(anchor.certificate)
                    return anchor
                if obj.is_signature_valid(anchor.certificate.public_key()):
                    return anchor
            except (ValueError, TypeError, Exception):
                continue
        return None

    def same_name(self, name: x509.Name) -> list[TrustAnchor]:
        return [a for a in self.anchors if a.certificate.subject == name]


def _pin_map(pins: Mapping[str, str] | Iterable[str]) -> dict[str, str]:
    if isinstance(pins, Mapping):
        return {normalise_fingerprint(fp): label for fp, label in pins.items()}
    return {normalise_fingerprint(fp): f"pinned-{normalise_fingerprint(fp)[:8].lower()}" for fp in pins}
