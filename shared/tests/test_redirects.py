"""safe_next: every way a `next=` value has been used to leave a site gives the default instead."""

from __future__ import annotations

import pytest

from zairyu_shared.redirects import safe_back, safe_next

HOSTILE = [
    "//evil.example/",
    "///evil.example",
    "////evil.example",
    "/\t/evil.example/x",  # review's hole: the tab is dropped by the browser -> //evil.example
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "\\/evil.example",
    "/%09/evil.example",  # the same tab, still encoded (a proxy that decodes once)
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "/%252F%252Fevil.example",  # double encoding
    "/%0d%0aSet-Cookie:%20x=1",
    "/x\r\nSet-Cookie: x=1",
    "/x%00",
    "/x\x00",
    "https://evil.example/",
    "http:evil.example",
    "//evil.example@host/",
    "evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>",
    "vbscript:x",
    "mailto:x@evil.example",
    "/／evil.example",  # fullwidth solidus: NFKC makes it //evil.example
    "/＼evil.example",  # fullwidth reverse solidus
    "／／evil.example",
    "/\u2215evil.example",
    "/é",
    "/\u200b/evil.example",
    "",
    None,
    42,
    ["/"],
    "/" + "a" * 3000,
]

SAFE = [
    "/",
    "/queue",
    "/cases/abc-123?tab=documents",
    "/queue?q=a%20b&page=2",
    "/mailroom/batches/7",
    "/api/v1/applications/x",
    "/a/b/../c",
    "/login?next=%2Fqueue",
]


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_hostile_targets_give_the_default(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", SAFE)
def test_paths_on_the_site_are_kept(target):
    assert safe_next(target, "/home") == target


def test_under_keeps_the_target_inside_one_part_of_the_site():
    assert safe_next("/mailroom/batches", "/mailroom/", under="/mailroom") == "/mailroom/batches"
    assert safe_next("/mailroom?x=1", "/mailroom/", under="/mailroom") == "/mailroom?x=1"
    assert safe_next("/mailroomevil", "/mailroom/", under="/mailroom") == "/mailroom/"
    assert safe_next("/public/card-check", "/mailroom/", under="/mailroom") == "/mailroom/"


def test_back_follows_a_referrer_on_the_same_host_only():
    assert safe_back("http://review.local/cases/1?tab=x", "review.local", "/") == "/cases/1?tab=x"
    assert safe_back("https://evil.example/cases/1", "review.local", "/") == "/"
    assert safe_back("http://review.local//evil.example", "review.local", "/") == "/"
    assert safe_back("javascript:alert(1)", "review.local", "/") == "/"
    assert safe_back(None, "review.local", "/") == "/"
    assert safe_back("http://[bad", "review.local", "/") == "/"
