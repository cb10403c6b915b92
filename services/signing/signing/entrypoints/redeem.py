"""``zairyu-signer redeem CODE --server URL``: sign what intake asks for, by the code it showed.

Fetches the signing request, shows what is about to be signed (description, the text itself or
its size, SHA-256), asks for the signature password (the consent), signs with the card and posts
the signature back. Nothing is signed when the content does not match the digest intake states.
"""

from __future__ import annotations

import argparse
import sys

from signing.adapters import signing_requests

EXIT_SERVER = 3  # server unreachable or refused (2 is a card/PIN error, 1 a usage error)


def add_parser(sub) -> argparse.ArgumentParser:
    redeem = sub.add_parser("redeem", help="sign a signing request from the application site, by its code")
    redeem.add_argument("code", help="the code shown on the application page")
    redeem.add_argument("--server", required=True, help="the application site, e.g. https://zairyu.example.jp")
    redeem.add_argument("--yes", action="store_true", help="do not ask 'sign this?' (the password is still asked)")
    return redeem


def run(args: argparse.Namespace, signer, lang: str, read_secret, before_password=None, out=None) -> int:
    out = out or sys.stdout
    try:
        request = signing_requests.fetch(args.server, args.code)
    except signing_requests.SigningRequestError as exc:
        print(f"error [signing_request]: {exc}", file=sys.stderr)
        return EXIT_SERVER
    print(f"You are about to sign: {request.description or '(no description)'}", file=out)
    print(f"SHA-256: {request.sha256}", file=out)
    print("-" * 60, file=out)
    print(signing_requests.preview(request), file=out)
    print("-" * 60, file=out)
    if not args.yes and sys.stdin.isatty():
        if input("Sign this with your My Number Card? [y/N] ").strip().lower() not in ("y", "yes"):
            print("not signed", file=out)
            return 1
    if before_password is not None:
        before_password()  # signer_cli: a blocked password is reported without asking for it
    password = read_secret("prompt_password", lang)
    signature = signer.sign(request.content, password)  # SignerError -> exit 2 in signer_cli
    try:
        answer = signing_requests.post_signature(args.server, args.code, signature)
    except signing_requests.SigningRequestError as exc:
        print(f"error [signing_request]: signed, but the site did not take the signature: {exc}", file=sys.stderr)
        return EXIT_SERVER
    print(
        f"signature sent ({len(signature)} bytes){': ' + str(answer['status']) if 'status' in answer else ''}", file=out
    )
    return 0
