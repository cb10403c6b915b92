"""Fetch the JPKI CRLs from the operator's configured sources into the shared CRL volume.

Run by the zairyu-signing-crl-sync CronJob with the signing image's Python (it has `cryptography`).
A downloaded CRL replaces the one on disk only if it
  * parses as an X.509 CRL (DER or PEM),
  * is signed by a certificate in ZAIRYU_TRUST_DIR whose subject is the CRL's issuer,
  * is current: nextUpdate is in the future and thisUpdate is at most ZAIRYU_CRL_MAX_AGE seconds old,
  * is not older than the CRL it replaces (a replayed old CRL would un-revoke certificates),
  * is a full CRL: a delta CRL (deltaCRLIndicator) or one pointing to deltas (freshestCRL) is refused,
    since the signing service reads every CRL as complete and J-LIS publishes no deltas (a newer empty
    delta installed over the full CRL would un-revoke every certificate it lists).
Anything else is refused: the old file stays, the run exits 1 and the Job's failure alerts
(ZairyuCrlStale fires from the signing service's own age metric if it goes on).

Environment: ZAIRYU_CRL_SOURCES (whitespace/comma-separated URLs; name=URL to choose the file name),
ZAIRYU_CRL_DIR, ZAIRYU_TRUST_DIR, ZAIRYU_CRL_MAX_AGE (seconds, default 129600: a daily CRL plus 12 h).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import tempfile
import urllib.request
from pathlib import Path

from cryptography import x509

MAX_BYTES = 64 * 1024 * 1024  # the JPKI signature CRL is large, but not this large
TIMEOUT = 60


class Refused(Exception):
    pass


def parse_sources(text: str) -> list[tuple[str, str]]:
    out = []
    for item in re.split(r"[\s,]+", text.strip()):
        if not item:
            continue
        name, sep, url = item.partition("=")
        if not sep or "://" in name:
            url, name = item, Path(item.split("?")[0].rstrip("/")).stem or "crl"
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            raise Refused(f"bad CRL name {name!r}")
        out.append((name, url))
    return out


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise Refused(f"not an X.509 CRL: {exc}") from None


def load_trust(trust_dir: Path) -> list[x509.Certificate]:
    certs = []
    for path in sorted(trust_dir.iterdir()) if trust_dir.is_dir() else []:
        if not path.is_file():
            continue
        data = path.read_bytes()
        try:
            if b"-----BEGIN CERTIFICATE" in data:
                certs.extend(x509.load_pem_x509_certificates(data))
            else:
                certs.append(x509.load_der_x509_certificate(data))
        except ValueError:
            continue  # not a certificate (README, checksum file): ignore
    return certs


def check(
    crl: x509.CertificateRevocationList,
    trust: list[x509.Certificate],
    now: dt.datetime,
    max_age: int,
    current: x509.CertificateRevocationList | None,
) -> None:
    issuers = [c for c in trust if c.subject == crl.issuer]
    if not issuers:
        raise Refused(f"no trusted certificate for issuer {crl.issuer.rfc4514_string()}")
    if not any(crl.is_signature_valid(c.public_key()) for c in issuers):
        raise Refused("signature does not verify against the trusted issuer")
    for ext in crl.extensions:
        if isinstance(ext.value, x509.DeltaCRLIndicator):
            raise Refused(f"delta CRL (deltaCRLIndicator, base CRL number {ext.value.crl_number}): only full CRLs")
        if isinstance(ext.value, x509.FreshestCRL):
            raise Refused("CRL points to delta CRLs (freshestCRL): only full CRLs without deltas")
    this_update = crl.last_update_utc
    next_update = crl.next_update_utc
    if next_update is None or next_update <= now:
        raise Refused(f"stale: nextUpdate {next_update} is not after now {now:%Y-%m-%dT%H:%M:%SZ}")
    if (now - this_update).total_seconds() > max_age:
        raise Refused(f"stale: thisUpdate {this_update} is older than {max_age}s")
    if this_update > now + dt.timedelta(minutes=5):
        raise Refused(f"thisUpdate {this_update} is in the future")
    if current is not None and current.issuer == crl.issuer and current.last_update_utc > this_update:
        raise Refused(f"older than the CRL on disk ({current.last_update_utc} > {this_update})")


def fetch(url: str) -> bytes:
    if not url.startswith(("https://", "http://", "file://")):
        raise Refused(f"unsupported URL scheme: {url}")
    with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
        data = resp.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Refused(f"larger than {MAX_BYTES} bytes")
    return data


def install(crl_dir: Path, name: str, data: bytes) -> Path:
    """Atomic replace: readers see the old file or the new one, never half of one."""
    target = crl_dir / f"{name}.crl"
    fd, tmp = tempfile.mkstemp(dir=crl_dir, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def sync(
    sources: list[tuple[str, str]],
    crl_dir: Path,
    trust_dir: Path,
    max_age: int,
    now: dt.datetime | None = None,
    fetcher=fetch,
) -> list[str]:
    """Returns the list of problems (empty when every CRL was installed or already current)."""
    now = now or dt.datetime.now(dt.UTC)
    trust = load_trust(trust_dir)
    problems = []
    for name, url in sources:
        try:
            data = fetcher(url)
            crl = load_crl(data)
            existing = crl_dir / f"{name}.crl"
            current = load_crl(existing.read_bytes()) if existing.exists() else None
            check(crl, trust, now, max_age, current)
            install(crl_dir, name, crl.public_bytes(_der()))
            print(
                f"installed {name}: thisUpdate={crl.last_update_utc:%Y-%m-%dT%H:%M:%SZ} "
                f"nextUpdate={crl.next_update_utc:%Y-%m-%dT%H:%M:%SZ} revoked={len(crl)}"
            )
        except (Refused, OSError) as exc:
            problems.append(f"{name} ({url}): {exc}")
    return problems


def _der():
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


def main() -> int:
    try:
        sources = parse_sources(os.environ.get("ZAIRYU_CRL_SOURCES", ""))
    except Refused as exc:
        print(f"crl-sync: {exc}", file=sys.stderr)
        return 2
    if not sources:
        print("crl-sync: ZAIRYU_CRL_SOURCES is empty; nothing to fetch", file=sys.stderr)
        return 2
    problems = sync(
        sources,
        Path(os.environ["ZAIRYU_CRL_DIR"]),
        Path(os.environ["ZAIRYU_TRUST_DIR"]),
        int(os.environ.get("ZAIRYU_CRL_MAX_AGE", "129600")),
    )
    for p in problems:
        print(f"crl-sync: refused {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
