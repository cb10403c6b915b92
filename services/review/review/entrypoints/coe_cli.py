"""e-COE tools: `sample-coe --out FILE` (a signed DEMO e-COE), `cancel-coe DOCUMENT_ID --reason TEXT`,
`coe-key generate --label LABEL` (a new key pair in the PKCS#11 token: first key or rotation)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from zairyu_shared.japan_time import japan_today


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="zairyu-review")
    sub = parser.add_subparsers(dest="command", required=True)
    sample = sub.add_parser(
        "sample-coe", help="write a signed DEMO e-COE (the token's key if configured, else a DEMO key)"
    )
    sample.add_argument("--out", required=True)
    cancel = sub.add_parser("cancel-coe", help="cancel an issued e-COE: the public page then shows it cancelled")
    cancel.add_argument("document_id")
    cancel.add_argument("--reason", required=True)
    key = sub.add_parser("coe-key", help="the e-COE key in the PKCS#11 token")
    key.add_argument("action", choices=["generate"])
    key.add_argument("--label", required=True)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    if args.command == "sample-coe":
        return _sample(Path(args.out))
    from zairyu_shared.runtime import Runtime

    from .service import definition

    runtime = Runtime.from_env(definition)
    if args.command == "cancel-coe":
        from review.application import coe
        from zairyu_shared.db import transaction

        with transaction(runtime.session_factory) as session:
            done = coe.cancel(session, args.document_id, args.reason)
        print("cancelled" if done else "no such issued, uncancelled document", file=sys.stderr)
        return 0 if done else 1
    from review.adapters.document_keys import generate_in_token
    from review.settings import ReviewSettings

    s = runtime.settings
    assert isinstance(s, ReviewSettings)  # the service's settings class (for the checker)
    pin = Path(s.coe_pin_file).read_text().strip()
    made = generate_in_token(s.coe_pkcs11_module, s.coe_token_label, pin, args.label)
    print(f"generated {args.label}: kid {made.kid}; set ZAIRYU_COE_KEY_LABEL={args.label} to sign with it")
    return 0


def _sample(out: Path) -> int:
    import os
    import tempfile

    from review.adapters.document_keys import DemoKey, Pkcs11Key
    from review.application import coe

    module = os.environ.get("ZAIRYU_COE_PKCS11_MODULE")
    signer: DemoKey | Pkcs11Key
    if module:
        pin = Path(os.environ["ZAIRYU_COE_PIN_FILE"]).read_text().strip()
        signer = Pkcs11Key(
            module,
            os.environ.get("ZAIRYU_COE_TOKEN_LABEL", "zairyu-coe"),
            os.environ.get("ZAIRYU_COE_KEY_LABEL", "coe-1"),
            pin,
        )
    else:
        signer = DemoKey(
            Path(
                os.environ.get("ZAIRYU_COE_DEMO_KEY_FILE")
                or Path(tempfile.gettempdir()) / "zairyu-sample-coe-demo-key.pem"
            )
        )
    payload = coe.payload_for(
        document_id="COE-" + "0" * 12 + "DE30",
        receipt_number="TKY-2026-000000",
        bureau="tokyo",
        holder={"name": "DEMO TARO", "date_of_birth": "1995-05-05", "nationality": "Viet Nam", "sex": "male"},
        status="spouse_japanese",
        issued_on=japan_today(),
        kid=signer.kid,
        demo=True,
        public_url="http://127.0.0.1:8001",
    )
    out.write_bytes(coe.make(signer, payload))
    print(
        f"wrote {out} (DEMO e-COE, key {signer.kid}, valid until {payload['valid_until']}, "
        f"{datetime.now(UTC):%Y-%m-%dT%H:%MZ})"
    )
    return 0
