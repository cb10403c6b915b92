"""zairyu-verify: check a detached JPKI signature or a certificate chain from the command line.

Exit status: 0 valid, 1 invalid (the reason code is printed), 2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

from cryptography import x509

from signing.adapters import rfc5280
from signing.adapters.crl_index import CRL_SUFFIXES, CrlIndex
from signing.adapters.ocsp import OcspClient
from signing.adapters.trust_store import PRODUCTION_PINS, TrustStore, TrustStoreError, load_certificates
from signing.domain import profiles
from signing.domain.verdict import Verdict
from signing.domain.verification import RevocationSource, VerificationPolicy, Verifier


class UsageError(Exception):
    pass


def _time(value: str) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="zairyu-verify", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--trust", metavar="DIR", help="directory of root certificates (each must be pinned)")
    common.add_argument(
        "--pin",
        action="append",
        default=[],
        metavar="SHA256",
        help="accept a root with this SHA-256 fingerprint (default: the production J-LIS pins)",
    )
    common.add_argument("--crl", metavar="DIR", help="directory of CRLs (DER or PEM)")
    common.add_argument("--ocsp", metavar="URL", help="OCSP responder URL, asked when the CRLs give no fresh answer")
    common.add_argument(
        "--at",
        type=_time,
        metavar="ISO-TIME",
        help="validation time you trust (default: now; the signing-time attribute is the signer's claim)",
    )
    common.add_argument(
        "--environment",
        choices=["production", "test"],
        default="production",
        help="which J-LIS certificate policy OIDs to require",
    )
    common.add_argument(
        "--soft-fail", action="store_true", help="accept missing or stale revocation data (the verdict says soft_fail)"
    )
    common.add_argument("--json", action="store_true", help="print the verdict as JSON")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cms", parents=[common], help="verify a detached CMS (CAdES-BES) signature")
    c.add_argument("--content", required=True, type=Path)
    c.add_argument("--signature", required=True, type=Path)
    ch = sub.add_parser("chain", parents=[common], help="validate a certificate chain")
    ch.add_argument("--cert", required=True, type=Path)
    ch.add_argument("--intermediate", action="append", default=[], type=Path)
    ch.add_argument("--profile", required=True, choices=["jpki-sign", "jpki-auth", "rfc5280"])
    ch.add_argument(
        "--allow-sha1", action="store_true", help="rfc5280 profile: accept SHA-1 signatures (PKITS DSA tests)"
    )
    return p


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _certs(path: Path) -> list[x509.Certificate]:
    try:
        return load_certificates(_read(path))
    except (ValueError, x509.InvalidVersion) as exc:  # InvalidVersion is not a ValueError
        raise UsageError(f"{path}: not a certificate ({exc})") from None


def _trust(args) -> TrustStore:
    if not args.trust:
        raise UsageError("--trust DIR is required")
    try:
        return TrustStore.from_directory(args.trust, args.pin or PRODUCTION_PINS)
    except TrustStoreError as exc:
        raise UsageError(str(exc)) from None


def _verifier(args) -> Verifier:
    trust = _trust(args)
    sources: list[RevocationSource] = []
    if args.crl:
        if not Path(args.crl).is_dir():
            raise UsageError(f"CRL directory {args.crl} does not exist")
        sources.append(CrlIndex(args.crl, trust))
    if args.ocsp:
        sources.append(OcspClient(args.ocsp))
    policy = VerificationPolicy(
        sign_profile=profiles.jpki_sign(args.environment),
        auth_profile=profiles.jpki_auth(args.environment),
        soft_fail=args.soft_fail,
    )
    return Verifier(trust, sources, policy)


def run(args) -> Verdict:
    if args.command == "cms":
        content, signature = _read(args.content), _read(args.signature)
        return _verifier(args).verify_cms(content, signature, at=args.at)
    leaf = _certs(args.cert)[0]
    intermediates = [c for path in args.intermediate for c in _certs(path)]
    if args.profile == "rfc5280":
        trust = _trust(args)
        if args.crl and not Path(args.crl).is_dir():
            raise UsageError(f"CRL directory {args.crl} does not exist")
        crls = (
            [
                p.read_bytes()
                for p in sorted(Path(args.crl).iterdir())
                if p.is_file() and p.suffix.lower() in CRL_SUFFIXES
            ]
            if args.crl
            else []
        )
        return rfc5280.validate_rfc5280(
            leaf,
            intermediates,
            [a.certificate for a in trust.anchors],
            crls,
            at=args.at,
            revocation_mode="soft-fail" if args.soft_fail else "require",
            weak_hashes=rfc5280.LEGACY_WEAK_HASHES if args.allow_sha1 else rfc5280.STRICT_WEAK_HASHES,
        )
    verifier = _verifier(args)
    profile = verifier.policy.sign_profile if args.profile == "jpki-sign" else verifier.policy.auth_profile
    return verifier.verify_certificate(leaf, intermediates, at=args.at, profile=profile)


def main(argv: list[str] | None = None) -> int:
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)  # its tracebacks are not verdicts
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["document"]:  # a document the bureau signed (the e-COE): zairyu_shared.documents
        from .verify_document import main as document_main

        return document_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        verdict = run(args)
    except UsageError as exc:
        print(f"zairyu-verify: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    elif verdict.valid:
        extra = " (SOFT-FAIL: revocation not confirmed)" if verdict.soft_fail else ""
        print(f"valid: serial {verdict.serial}, root {verdict.root_label or '-'}{extra}")
    else:
        print(f"invalid: {verdict.reason.value if verdict.reason else '-'}: {verdict.detail}")
    return 0 if verdict.valid else 1


if __name__ == "__main__":
    sys.exit(main())
