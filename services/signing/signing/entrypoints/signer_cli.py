"""``zairyu-signer``: sign files and authenticate with a My Number Card (JPKI) on this computer.

  zairyu-signer readers                               PC/SC readers and whether a card is in them
  zairyu-signer info                                  reader, card, auth certificate, PIN tries
  zairyu-signer sign --in FILE --out FILE.p7s         detached CAdES-BES signature (password)
  zairyu-signer auth --challenge NONCE --origin URL   Web eID authentication token (4-digit PIN)
  zairyu-signer redeem CODE [CODE ...] --server URL   sign the site's requests by code (several: one
                                                      card session, the password asked once)
  zairyu-signer native-host [CALLER_ORIGIN]           browser native messaging host
  zairyu-signer install-native-host                   let Chrome/Chromium start it for the Zairyu extension

PINs are read with a hidden prompt, or from stdin when stdin is not a terminal. ``--simulated
PKI_DIR`` (with ``--holder``) uses an in-process simulated card instead of PC/SC (demo, tests).
Errors print a machine code and a message in the chosen language (--lang, else LANG).
Exit status: 0 ok, 2 card/PIN error, 1 usage error.
"""

from __future__ import annotations

import argparse
import getpass
import json
import pathlib
import sys

from signing.domain.jpki_apdu import INDIVIDUAL_NUMBER_AIDS, JPKI_AID
from signing.domain.signer import Signer
from signing.domain.signer_errors import NoReader, PinBlocked, SignerError
from signing.domain.signer_messages import describe, pick_language, text


def build_signer(args: argparse.Namespace) -> Signer:
    if args.simulated:
        from signing.adapters.inprocess_card import inprocess_signer
        from signing.testpki import load_test_pki
        from signing.testpki.card import card_for

        pki = load_test_pki(args.simulated)
        return inprocess_signer(card_for(pki, args.holder))
    from signing.adapters.pcsc_card import pcsc_signer

    return pcsc_signer(args.reader, args.wait, aid=args.applet_aid)


def applet_aid(value: str) -> bytes:
    """An applet's AID as hex (5 to 16 bytes, ISO 7816-4), never an Individual Number applet's."""
    try:
        aid = bytes.fromhex(value.replace(" ", ""))
    except ValueError:
        raise argparse.ArgumentTypeError("an AID is written in hex, e.g. D392F000260100000001") from None
    if not 5 <= len(aid) <= 16:
        raise argparse.ArgumentTypeError("an AID has 5 to 16 bytes")
    if aid in INDIVIDUAL_NUMBER_AIDS:
        raise argparse.ArgumentTypeError("the applets that hold the Individual Number are never selected")
    return aid


def read_secret(prompt_key: str, lang: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(text(prompt_key, lang))
    return sys.stdin.readline().rstrip("\r\n")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zairyu-signer", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--reader", help="reader name (or its prefix); default: any reader with a card")
    p.add_argument(
        "--wait",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for a card to be placed (default 30)",
    )
    p.add_argument(
        "--lang", help="message language: en, ja, vi, zh_Hans (or zh), ko, pt_BR (or pt), tl, ne (default: from LANG)"
    )
    p.add_argument(
        "--applet-aid",
        type=applet_aid,
        default=JPKI_AID,
        metavar="HEX",
        help="the signing applet's AID (default: the JPKI applet, D392F000260100000001); for the next-generation "
        "card, whose second applet's AID is not yet published",
    )
    p.add_argument("--simulated", metavar="PKI_DIR", help="use an in-process simulated card")
    p.add_argument("--holder", help="holder id on the simulated card (default: first valid)")
    p.add_argument("--json", action="store_true", help="machine-readable output and errors")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("readers", help="list PC/SC readers")
    sub.add_parser("info", help="show reader, card and PIN tries left")
    sign = sub.add_parser("sign", help="make a detached CMS (CAdES-BES) signature of a file")
    sign.add_argument("--in", dest="infile", required=True)
    sign.add_argument("--out", dest="outfile", required=True)
    auth = sub.add_parser("auth", help="make a Web eID authentication token")
    auth.add_argument("--challenge", required=True)
    auth.add_argument("--origin", required=True)
    host = sub.add_parser("native-host", help="run as the browser's native messaging host")
    host.add_argument("caller", nargs="*", help="arguments the browser passes (caller origin, ...)")
    from signing.entrypoints.native_host_install import add_parser as add_install
    from signing.entrypoints.redeem import add_parser as add_redeem  # redeem lives with the service

    add_redeem(sub)
    add_install(sub)
    return p


def check_tries(signer: Signer, kind: str, lang: str) -> None:
    """Before prompting: a blocked PIN is reported without asking for it, low tries are flagged."""
    info = signer.info()
    tries = info.sign_password_tries_left if kind == "sign" else info.auth_pin_tries_left
    if tries == 0:
        raise PinBlocked(pin=kind)
    if tries < (5 if kind == "sign" else 3):
        print(text("tries_warning", lang, pin=kind, tries_left=tries), file=sys.stderr)


def list_readers_command(as_json: bool) -> int:
    from signing.adapters.pcsc_card import list_readers, reader_has_card

    names = list_readers()
    if not names:
        raise NoReader("no reader")
    rows = [{"reader": name, "card": reader_has_card(name)} for name in names]
    if as_json:
        print(json.dumps(rows))
    else:
        for row in rows:
            print(f"{row['reader']}\t{'card' if row['card'] else 'empty'}")
    return 0


def run(args: argparse.Namespace, lang: str) -> int:
    if args.command == "readers":
        return list_readers_command(args.json)
    if args.command == "redeem":
        from signing.entrypoints.redeem import run as redeem

        signer = build_signer(args)
        return redeem(args, signer, lang, read_secret, before_password=lambda: check_tries(signer, "sign", lang))
    if args.command == "install-native-host":  # --reader/--wait/--lang go into the wrapper it writes
        from signing.entrypoints.native_host_install import run as install

        return install(args)
    if args.command == "native-host":
        from signing.entrypoints.native_host import serve

        return serve(build_signer(args), lang, args.caller)
    signer = build_signer(args)
    if args.command == "info":
        info = signer.info()
        if args.json:
            print(json.dumps(info.as_dict(), ensure_ascii=False))
        else:
            cert = info.auth_certificate
            print(f"reader:            {info.reader}")
            print(
                f"card:              {'My Number Card (JPKI)' if info.my_number_card else 'JPKI card'}"
                f" [{info.token_label}]"
            )
            print(f"auth certificate:  {cert.subject}")
            print(f"  issuer:          {cert.issuer}")
            print(f"  serial:          {cert.serial}")
            print(f"  valid:           {cert.not_before:%Y-%m-%d} .. {cert.not_after:%Y-%m-%d}")
            print(f"auth PIN tries left:           {info.auth_pin_tries_left}/3")
            print(f"signature password tries left: {info.sign_password_tries_left}/5")
        return 0
    if args.command == "sign":
        content = pathlib.Path(args.infile).read_bytes()
        check_tries(signer, "sign", lang)
        password = read_secret("prompt_password", lang)
        signature = signer.sign(content, password)
        pathlib.Path(args.outfile).write_bytes(signature)
        if args.json:
            print(json.dumps({"ok": True, "out": args.outfile, "bytes": len(signature)}))
        else:
            print(f"signed {args.infile} -> {args.outfile} ({len(signature)} bytes)")
        return 0
    if args.command == "auth":
        check_tries(signer, "auth", lang)
        pin = read_secret("prompt_pin", lang)
        print(json.dumps(signer.authenticate(args.challenge, args.origin, pin)))
        return 0
    raise AssertionError(args.command)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    lang = pick_language(args.lang)
    try:
        return run(args, lang)
    except SignerError as error:
        described = describe(error, lang)
        if args.json:
            print(json.dumps({"ok": False, "error": described}, ensure_ascii=False))
        else:
            print(f"error [{described['code']}]: {described['message']}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
