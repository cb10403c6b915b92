"""The security code the fronts share exists once (issue 15, findings 3, 8, 9; issue 19, item 3).

Three services wrote their own redirect check, password/TOTP check and proxy/rate-limit wiring, with three
behaviours and three holes. This keeps a fourth variant from growing back: in service code a `next`
value is read only inside `safe_next(...)`, nobody redirects to what the request says, and password
hashing, TOTP checks, ProxyFix and the limiter's storage are zairyu_shared's business.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    p
    for p in (REPO / "services").glob("*/*/**/*.py")
    if "/tests/" not in p.as_posix() and "/bench/" not in p.as_posix() and "/migrations/" not in p.as_posix()
)

RULES = [
    # (what, pattern, allowed when the line also matches)
    (
        "a `next` value read outside safe_next()",
        re.compile(r"""\.get\(\s*["']next["']|\[["']next["']\]"""),
        re.compile(r"safe_next\(|render_template\("),
    ),  # a template gets it back as a form field, re-checked on POST
    ("a redirect to what the request says", re.compile(r"redirect\(\s*request\."), None),
    (
        "a password hasher of its own (zairyu_shared.credentials)",
        re.compile(r"PasswordHasher\(|argon2\.exceptions"),
        None,
    ),
    (
        "a TOTP check of its own (zairyu_shared.credentials)",
        re.compile(r"\.verify\(\s*code|generate_otp\(|\.timecode\("),
        None,
    ),
    ("ProxyFix of its own (zairyu_shared.front)", re.compile(r"ProxyFix"), None),
    (
        "a limiter storage of its own (ZAIRYU_RATELIMIT_STORAGE via zairyu_shared.front)",
        re.compile(r"storage_uri\s*=|RATELIMIT_STORAGE_URI\s*="),
        None,
    ),
]


def test_the_sources_are_found():
    assert len(SOURCES) > 50 and any(p.name == "web_auth.py" for p in SOURCES)


@pytest.mark.parametrize("what,pattern,allowed", RULES, ids=[r[0] for r in RULES])
def test_no_service_has_its_own_variant(what, pattern, allowed):
    found = []
    for path in SOURCES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) and not (allowed and allowed.search(line)):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not found, f"{what}:\n" + "\n".join(found)
