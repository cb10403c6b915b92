"""Every user-visible string is translated in every catalog, and the language switch is remembered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import intake
from zairyu_shared.events.contracts import LANGUAGES

PACKAGE = Path(intake.__file__).parent
CATALOGS = PACKAGE / "entrypoints" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def source_messages() -> set[tuple[str | None, str]]:
    """What the code and templates use right now (not what the .pot once said): (context, message)."""
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    context_first = ((1, "c"), 2)
    keywords = {
        "_": None,
        "gettext": None,
        "_l": None,
        "lazy_gettext": None,
        "pgettext": context_first,
        "_lp": context_first,
        "lazy_pgettext": context_first,
    }
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(str(PACKAGE), method_map, keywords=keywords):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


@pytest.fixture(scope="module")
def messages():
    found = source_messages()
    assert len(found) > 300  # the extraction itself works
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_complete_and_compiled(lang, messages):
    po_path = CATALOGS / lang / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        po = read_po(fh, locale=lang)
    with (po_path.with_suffix(".mo")).open("rb") as fh:
        # Babel's read_mo keeps a message context as bytes: key the compiled strings by text.
        mo = {
            (
                m.id if isinstance(m.id, str) else m.id[0],
                m.context.decode() if isinstance(m.context, bytes) else m.context,
            ): m.string
            for m in read_mo(fh)
        }
    missing = sorted(m for c, m in messages if not (po.get(m, c) and po.get(m, c).string))
    assert not missing, f"{lang}: {len(missing)} untranslated, e.g. {missing[:3]}"
    for c, m in messages:
        entry = po.get(m, c)
        assert not entry.fuzzy, (lang, m)
        assert sorted(PLACEHOLDER.findall(entry.string)) == sorted(PLACEHOLDER.findall(m)), (lang, m)
        assert mo.get((m, c)) == entry.string, f"{lang}: .mo is stale for {m!r}"
    if lang not in ("en",):
        same = [m for c, m in messages if po.get(m, c).string == m and len(m) > 25 and " " in m]
        assert len(same) < 5, f"{lang}: looks untranslated: {same[:5]}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_pages_render_in_each_language_without_english_left(client, lang):
    for path in ["/", "/register", "/login", "/verify", "/login/reset"]:
        page = client.get(f"{path}?lang={lang}").data.decode()
        assert f'lang="{lang.replace("_", "-")}"' in page
        for english in ["Log in", "Register with your", "Check a receipt number", "Language", "E-mail address"]:
            assert english not in page, (lang, path, english)


def test_language_choice_is_remembered_in_a_cookie(client):
    switched = client.get("/language?lang=ko&next=/login")
    assert switched.status_code == 302 and switched.headers["Location"] == "/login?lang=ko"
    client.get(switched.headers["Location"])
    assert 'lang="ko"' in client.get("/verify").data.decode()  # no ?lang= any more: the cookie decides
    assert client.get("/language?lang=xx&next=https://evil.example/").headers["Location"] == "/"


def test_every_status_and_timeline_entry_has_a_name(client):
    """A status or an event's entry without a label is shown as its code ("card_returned") on the list, the page and
    the data export. (``client``: the app is made, so every blueprint has added its labels.)"""
    from intake.domain import timeline
    from intake.entrypoints import labels

    named = set(labels.TIMELINE)
    assert set(timeline.STATUSES) <= named
    assert {kind for kind, _ in timeline.EVENT_EFFECTS.values()} <= named
