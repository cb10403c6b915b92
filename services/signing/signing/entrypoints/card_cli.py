"""``zairyu-card serve --pki DIR [--holder ID]``: insert a simulated JPKI card into vpcd's reader.

Runs until interrupted; pcscd then shows the card in "Virtual PCD 00 00" (or 00 01 with --port
35964). ``--apdu-log FILE`` appends every command/response in hex (used by tests to prove what a
client sent).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from signing.adapters.vpcd import DEFAULT_HOST, DEFAULT_PORT, VirtualCardInserter
from signing.testpki import load_test_pki
from signing.testpki.card import card_for


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="zairyu-card", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve a holder's card to vpcd")
    serve.add_argument("--pki", required=True, help="test PKI directory (zairyu-pki init)")
    serve.add_argument("--holder", help="holder id (default: the first valid holder)")
    serve.add_argument("--host", default=DEFAULT_HOST)
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="vpcd slot port (35963 = slot 0)")
    serve.add_argument(
        "--no-tcp-tuning", action="store_true", help="leave Nagle/delayed ACK on (only to measure their ~40 ms cost)"
    )
    serve.add_argument("--apdu-log", help="append command/response hex lines to this file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    pki = load_test_pki(args.pki)
    holder = pki.holder(args.holder) if args.holder else pki.first("valid")
    log_file = open(args.apdu_log, "a", buffering=1) if args.apdu_log else None

    def record(command: bytes, response: bytes) -> None:
        if log_file is not None:
            log_file.write(f"{command.hex()} {response.hex()}\n")

    card = card_for(pki, holder, on_apdu=record)
    inserter = VirtualCardInserter(card, args.host, args.port, tcp_tuning=not args.no_tcp_tuning)
    signal.signal(signal.SIGTERM, lambda *_: inserter.stop())
    print(f"card for holder {holder.id} ({holder.kind}) -> vpcd {args.host}:{args.port}")
    print(f"authentication PIN: {holder.pin}")
    print(f"signature password: {holder.password}", flush=True)
    try:
        inserter.run()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
