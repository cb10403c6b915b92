"""``zairyu-signer redeem CODE [CODE ...] --server URL``: sign what intake asks for, by the code(s) it showed.

Fetches the signing request (each of them), shows what is about to be signed (description, the text itself or
its size, SHA-256), asks for the signature password (the consent), signs with the card and posts
the signature back. Nothing is signed when the content does not match the digest intake states.
"""

from __future__ import annotations

import argparse
import sys

from signing.adapters import signing_requests
from signing.domain.signer_messages import language, text

# What redeem asks and says, from the signing catalogs (msgid = the key) like the signer's other messages; the
# placeholders are the catalogs' own ({count}: a number, {detail}: a description, a digest or the site's error).
KEYS = (
    "redeem.confirm_one",
    "redeem.confirm_many",
    "redeem.not_signed",
    "redeem.about_to_sign",
    "redeem.digest",
    "redeem.binary",
    "redeem.cut",
    "redeem.fetch_failed",
    "redeem.not_taken",
    "redeem.sent",
)

EXIT_SERVER = 3  # server unreachable or refused (2 is a card/PIN error, 1 a usage error)


def add_parser(sub) -> argparse.ArgumentParser:
    redeem = sub.add_parser(
        "redeem", help="sign signing requests from the application site, by their codes (one card session)"
    )
    redeem.add_argument(
        "codes", nargs="+", metavar="CODE", help="the code(s) shown on the site; several: one card session"
    )
    redeem.add_argument("--server", required=True, help="the application site, e.g. https://zairyu.example.jp")
    redeem.add_argument("--yes", action="store_true", help="do not ask 'sign this?' (the password is still asked)")
    return redeem


def run(args: argparse.Namespace, signer, lang: str, read_secret, before_password=None, out=None) -> int:
    """Every code's request is fetched and listed before anything is signed; the signature password is asked
    once, and each request is signed separately (its own detached signature over its own bytes) and posted.
    An organisation's staff member signs a batch of applications this way (issue 21)."""
    out = out or sys.stdout
    requests = []
    for code in args.codes:
        try:
            requests.append((code, signing_requests.fetch(args.server, code)))
        except signing_requests.SigningRequestError as exc:
            print(
                f"error [signing_request]: {text('redeem.fetch_failed', lang, detail=f'{code}: {exc}')}",
                file=sys.stderr,
            )
            return EXIT_SERVER
    many = len(requests) > 1
    # The language of whoever signs, as intake says it (the applicant's; an organisation's staff member's for its
    # batch), when every request is in one; else the terminal's.
    wanted = {request.language for _, request in requests}
    if len(wanted) == 1 and language(next(iter(wanted))):
        lang = language(next(iter(wanted))) or lang
    for n, (code, request) in enumerate(requests, start=1):
        prefix = f"[{n}/{len(requests)}] {code}: " if many else ""
        # The summary is a sentence in the applicant's language ("You sign your application ..."): shown as it is.
        what = request.summary or text("redeem.about_to_sign", lang, detail=request.description or "—")
        print(f"{prefix}{what}", file=out)
        print(text("redeem.digest", lang, detail=request.sha256), file=out)
        print("-" * 60, file=out)
        print(_preview(request, lang), file=out)
        print("-" * 60, file=out)
    if not args.yes and sys.stdin.isatty():
        question = text("redeem.confirm_many", lang, count=len(requests)) if many else text("redeem.confirm_one", lang)
        if input(question).strip().lower() not in ("y", "yes"):
            print(text("redeem.not_signed", lang), file=out)
            return 1
    if before_password is not None:
        before_password()  # signer_cli: a blocked password is reported without asking for it
    password = read_secret("prompt_password", lang)
    failed = 0
    for n, (code, request) in enumerate(requests, start=1):
        prefix = f"[{n}/{len(requests)}] {code}: " if many else ""
        # SignerError (a wrong password, the card taken away) stops the batch: exit 2 in signer_cli.
        signature = signer.sign(request.content, password)
        try:
            answer = signing_requests.post_signature(args.server, code, signature)
        except signing_requests.SigningRequestError as exc:
            print(f"error [signing_request]: {prefix}{text('redeem.not_taken', lang, detail=exc)}", file=sys.stderr)
            failed += 1
            continue
        status = f": {answer['status']}" if "status" in answer else ""
        print(f"{prefix}{text('redeem.sent', lang, count=len(signature))}{status}", file=out)
    return EXIT_SERVER if failed else 0


def _preview(request, lang: str, limit: int = 2000) -> str:
    """What the person is about to sign, readable: the text itself (cut at ``limit``), or its size and digest."""
    shown = signing_requests.readable(request)
    if shown is None:
        return text("redeem.binary", lang, count=len(request.content), detail=request.sha256)
    if len(shown) > limit:
        return shown[:limit] + "\n" + text("redeem.cut", lang, count=len(request.content))
    return shown
