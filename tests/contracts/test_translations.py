"""One way to translate (docs/architecture.md, "Translations"): every service's catalogs sit in folders named by
the event contract's language codes, cover its eight languages, and what runs (.mo) is what was edited (.po)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from zairyu_shared import translations
from zairyu_shared.events.contracts import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = {
    "intake": ROOT / "services/intake/intake/entrypoints/translations",
    "card-delivery": ROOT / "services/card-delivery/card_delivery/translations",
    "review": ROOT / "services/review/review/translations",
    "signing": ROOT / "services/signing/signing/translations",
    "notify": ROOT / "services/notify/notify/translations",
}
# Where the msgid is the English text itself (card-delivery's pages), English needs no catalog of its own.
SOURCE_ENGLISH = {"card-delivery"}
# review's pages are for the bureau's officers, who work in Japanese (English is the msgid).
OFFICERS_ONLY = {"review": {"ja"}}


def _key(message) -> tuple[str, str | None]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    context = message.context.decode() if isinstance(message.context, bytes) else message.context
    return msgid, context


@pytest.mark.parametrize("service", sorted(CATALOGS))
def test_catalogs_are_named_by_the_contracts_codes_and_cover_its_languages(service):
    present = translations.languages(CATALOGS[service])
    assert present <= set(LANGUAGES), f"{service}: folders not named by contract codes: {present - set(LANGUAGES)}"
    if service in OFFICERS_ONLY:
        assert present == OFFICERS_ONLY[service]
    else:
        covered = present | ({"en"} if service in SOURCE_ENGLISH else set())
        assert covered == set(LANGUAGES), f"{service} lacks {set(LANGUAGES) - covered}"


@pytest.mark.parametrize(
    "service, lang",
    [(service, lang) for service in sorted(CATALOGS) for lang in sorted(translations.languages(CATALOGS[service]))],
)
def test_the_compiled_catalog_is_the_edited_one(service, lang):
    po_path = translations.catalog_path(CATALOGS[service], lang, ".po")
    with po_path.open("rb") as fh:
        po = {_key(m): m.string for m in read_po(fh) if m.id and m.string and not m.fuzzy}
    with po_path.with_suffix(".mo").open("rb") as fh:
        mo = {_key(m): m.string for m in read_mo(fh) if m.id}
    stale = sorted(k[0][:40] for k, v in po.items() if mo.get(k) != v)
    assert not stale, f"{service}/{lang}: messages.mo is older than messages.po ({stale[:5]}): pybabel compile"
