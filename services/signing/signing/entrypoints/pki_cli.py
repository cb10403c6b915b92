"""``zairyu-pki init DIR [--revoked N] [--more-valid N] [--exact-dn]``: write a JPKI-shaped test PKI."""

from __future__ import annotations

import argparse
import sys
import time

from signing.testpki import create_test_pki


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="zairyu-pki", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create a test PKI in DIR (see DIR/manifest.json)")
    init.add_argument("dir")
    init.add_argument(
        "--revoked",
        type=int,
        default=0,
        metavar="N",
        help="add N random revoked serials to the signature CA generation-2 CRL",
    )
    init.add_argument(
        "--more-valid",
        type=int,
        default=0,
        metavar="N",
        help="add N valid holders (valid-more-001...) for load tests that need more applicants",
    )
    init.add_argument("--exact-dn", action="store_true", help="use the exact real J-LIS CA DNs (no TEST marker)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    pki = create_test_pki(args.dir, revoked=args.revoked, exact_dn=args.exact_dn, more_valid=args.more_valid)
    elapsed = time.perf_counter() - started
    print(f"test PKI written to {pki.root} in {elapsed:.2f} s")
    for holder in pki.holders:
        print(f"  {holder.id:16} {holder.kind:16} PIN {holder.pin}  password {holder.password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
