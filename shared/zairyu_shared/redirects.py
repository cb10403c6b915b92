"""Where to send someone after a form (sign-in, language switch): only a path on this site.

One check for every service, because each service's own variant had its own hole (issue 15, finding 3):
review tested ``startswith("/")`` and let ``/\\t/evil.example`` through; browsers drop tabs and
newlines from a URL and read a backslash as a slash, so the Location became ``//evil.example``,
another site. A target is kept only when it is printable ASCII, starts with exactly one slash, has
no backslash, and stays so once percent-decoded and Unicode-normalised; anything else gives the
default.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2048
# Printable ASCII without space and backslash: what a path and query we generate consist of. Tabs,
# CR/LF (header splitting), NUL, other controls and every non-ASCII lookalike are refused as they are.
_PLAIN = re.compile(r"[\x21-\x5b\x5d-\x7e]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")


def _path_only(candidate: str) -> bool:
    if not candidate.startswith("/") or candidate[1:2] in ("/", "\\"):
        return False  # "//host" and "/\host" are another site to a browser
    if _CONTROL.search(candidate):
        return False
    parts = urlsplit(candidate)
    return not parts.scheme and not parts.netloc


def safe_next(target: object, default: str, *, under: str = "/") -> str:
    """``target`` when it is a path on this site (below ``under``), else ``default``.

    ``under`` narrows it to one part of the site (card-delivery's officers: ``/mailroom``).
    """
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH or not _PLAIN.fullmatch(target):
        return default
    decoded = target
    for _ in range(3):  # double and triple encoding (%252F) decoded as a lenient proxy might
        decoded = unquote(decoded)
    for candidate in (target, decoded, unicodedata.normalize("NFKC", decoded)):
        if not _path_only(candidate):
            return default
    if under != "/":
        base = under.rstrip("/")
        if not (target == base or target.startswith((base + "/", base + "?"))):
            return default
    return target


def safe_back(referrer: str | None, host: str, default: str, *, under: str = "/") -> str:
    """The page a form was posted from (the Referer), when it is on this host; else ``default``."""
    if not referrer:
        return default
    try:
        parts = urlsplit(referrer)
    except ValueError:
        return default
    if parts.scheme not in ("http", "https") or parts.netloc != host:
        return default
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path, default, under=under)
