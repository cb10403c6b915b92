"""``zairyu-signer redeem CODE [CODE ...] --server URL``: sign what intake asks for, by the code(s) it showed.

Fetches the signing request (each of them; up to 50 in one request), shows what is about to be signed (description, the text itself or
its size, SHA-256), asks for the signature password (the consent), signs with the card and posts
the signature back. Nothing is signed when the content does not match the digest intake states.
"""

from __future__ import annotations

import argparse
import sys
import time

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
    "redeem.already_used",
    "redeem.waiting",
    "redeem.rate_limited",
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


MAX_WAIT = 120  # seconds the signer waits when the site asks it to (Retry-After); longer: it stops and says when
WAITS = 3  # times it waits for one request
DEFAULT_WAIT = 60  # a 429 without Retry-After: the site's limits are per minute
_sleep = time.sleep  # tests replace it


def _patiently(call, lang: str):
    """``call()``; when the site answers 429 (too many requests from this address), wait as long as it asks
    (Retry-After), saying so, and ask again. Waiting is safe: a code is single use on the site, so a repeated
    post files nothing twice. TooManyRequests when it asks for longer than MAX_WAIT, or again after WAITS waits."""
    for attempt in range(WAITS + 1):
        try:
            return call()
        except signing_requests.TooManyRequests as exc:
            wait = DEFAULT_WAIT if exc.retry_after is None else exc.retry_after
            exc.retry_after = wait
            if wait > MAX_WAIT or attempt == WAITS:
                raise
            print(text("redeem.waiting", lang, count=wait), file=sys.stderr)
            _sleep(wait)
    raise AssertionError("unreachable")


def _fetch(server: str, codes: list[str], lang: str) -> tuple[list, bool]:
    """Each code's request or its error, and whether the site has the batch endpoints (several codes: one request
    for up to 50, else one a code)."""
    if len(codes) > 1:
        try:
            return _patiently(lambda: signing_requests.fetch_many(server, codes), lang), True
        except signing_requests.NoBatchEndpoint:
            pass
    found: list = []
    for code in codes:
        try:
            found.append(_patiently(lambda code=code: signing_requests.fetch(server, code), lang))
        except signing_requests.TooManyRequests:
            raise
        except signing_requests.SigningRequestError as exc:
            found.append(exc)
            break  # one at a time, the first that fails is enough: nothing will be signed
    return found, False


def _rate_limited(exc: signing_requests.TooManyRequests, lang: str) -> int:
    print(f"error [rate_limited]: {text('redeem.rate_limited', lang, count=exc.retry_after)}", file=sys.stderr)
    return EXIT_SERVER


def run(args: argparse.Namespace, signer, lang: str, read_secret, before_password=None, out=None) -> int:
    """Every code's request is fetched and listed before anything is signed; the signature password is asked
    once, and each request is signed separately (its own detached signature over its own bytes) and posted.
    An organisation's staff member signs a batch of applications this way (issue 21): up to 50 codes are fetched
    in one request and the signatures posted ten at a time, and a code already used (a batch run again after it
    was cut short) is skipped."""
    out = out or sys.stdout
    codes = list(args.codes)
    many = len(codes) > 1
    try:
        found, batch = _fetch(args.server, codes, lang)
    except signing_requests.TooManyRequests as exc:
        return _rate_limited(exc, lang)
    except signing_requests.SigningRequestError as exc:
        print(f"error [signing_request]: {text('redeem.fetch_failed', lang, detail=exc)}", file=sys.stderr)
        return EXIT_SERVER
    requests = []
    skipped = []
    refused = False
    for code, got in zip(codes, found, strict=False):
        if isinstance(got, signing_requests.SigningRequestError):
            if many and got.key == "signing.already_used":
                skipped.append(code)
                continue
            print(
                f"error [signing_request]: {text('redeem.fetch_failed', lang, detail=f'{code}: {got}')}",
                file=sys.stderr,
            )
            refused = True
        else:
            requests.append((code, got))
    if refused:
        return EXIT_SERVER
    # The language of whoever signs, as intake says it (the applicant's; an organisation's staff member's for its
    # batch), when every request is in one; else the terminal's.
    wanted = {request.language for _, request in requests}
    if len(wanted) == 1 and language(next(iter(wanted))):
        lang = language(next(iter(wanted))) or lang
    for code in skipped:
        print(f"{code}: {text('redeem.already_used', lang)}", file=out)
    if not requests:
        return 0
    many = len(requests) > 1
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
    numbered = [(n, code, request) for n, (code, request) in enumerate(requests, start=1)]
    at_once = signing_requests.SIGNATURES_AT_ONCE if batch else 1
    failed = 0
    try:
        for start in range(0, len(numbered), at_once):
            chunk = numbered[start : start + at_once]
            # SignerError (a wrong password, the card taken away) stops the batch: exit 2 in signer_cli.
            signed = [(n, code, signer.sign(request.content, password)) for n, code, request in chunk]
            for (n, code, signature), answer in zip(signed, _post(args.server, signed, batch, lang), strict=True):
                prefix = f"[{n}/{len(requests)}] {code}: " if many else ""
                if isinstance(answer, signing_requests.SigningRequestError) or answer.get("http_status", 200) != 200:
                    detail = answer if isinstance(answer, Exception) else _refusal(answer)
                    print(
                        f"error [signing_request]: {prefix}{text('redeem.not_taken', lang, detail=detail)}",
                        file=sys.stderr,
                    )
                    failed += 1
                    continue
                status = f": {answer['status']}" if "status" in answer else ""
                print(f"{prefix}{text('redeem.sent', lang, count=len(signature))}{status}", file=out)
    except signing_requests.TooManyRequests as exc:
        return _rate_limited(exc, lang)
    return EXIT_SERVER if failed else 0


def _refusal(answer: dict) -> str:
    return f"server answered {answer.get('http_status')}: {answer.get('message') or answer.get('error') or ''}".strip()


def _post(server: str, signed: list[tuple[int, str, bytes]], batch: bool, lang: str) -> list:
    """The site's answer to each signature (a dict, or the SigningRequestError it answered with), in order."""
    if batch:
        pairs = [(code, signature) for _, code, signature in signed]
        try:
            return _patiently(lambda: signing_requests.post_signatures(server, pairs), lang)
        except signing_requests.TooManyRequests:
            raise
        except signing_requests.SigningRequestError as exc:
            return [exc] * len(signed)
    answers: list = []
    for _, code, signature in signed:
        try:
            answers.append(
                _patiently(lambda c=code, sig=signature: signing_requests.post_signature(server, c, sig), lang)
            )
        except signing_requests.TooManyRequests:
            raise
        except signing_requests.SigningRequestError as exc:
            answers.append(exc)
    return answers


def _preview(request, lang: str, limit: int = 2000) -> str:
    """What the person is about to sign, readable: the text itself (cut at ``limit``), or its size and digest."""
    shown = signing_requests.readable(request)
    if shown is None:
        return text("redeem.binary", lang, count=len(request.content), detail=request.sha256)
    if len(shown) > limit:
        return shown[:limit] + "\n" + text("redeem.cut", lang, count=len(request.content))
    return shown
