"""One glossary per language (zairyu_shared/glossary/<lang>.toml): the immigration terms in the names ISA uses
in that language. Every intake catalog entry whose source says a term (in English or Japanese) says it as the
glossary does, and so does every notify message whose English version says it (issue 18)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from zairyu_shared import glossary

ROOT = Path(__file__).resolve().parents[2]
INTAKE_CATALOGS = ROOT / "services/intake/intake/entrypoints/translations"
CARD_CATALOGS = ROOT / "services/card-delivery/card_delivery/translations"  # the public card check
NOTIFY_MESSAGES = ROOT / "services/notify/notify/templates/messages"
TRANSLATED = ("vi", "zh_Hans", "ko", "pt_BR", "tl", "ne")
CATALOG_DIR = {"tl": "fil"}


def _catalog(lang, root=INTAKE_CATALOGS):
    with (root / CATALOG_DIR.get(lang, lang) / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=CATALOG_DIR.get(lang, lang))


def _texts(node, path=()):
    """Every string of a notify message file, by its key path."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _texts(value, path + (key,))
    elif isinstance(node, str):
        yield path, node


@pytest.mark.parametrize("root", [INTAKE_CATALOGS, CARD_CATALOGS], ids=["intake", "card-delivery"])
@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_catalogs_use_the_glossarys_terms(lang, root):
    terms = glossary.terms(lang)
    assert len(terms) >= 6
    wrong = []
    for message in _catalog(lang, root):
        source = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string if isinstance(message.string, str) else message.string[0]
        if not source or not string:
            continue
        for term in terms:
            if (term.en.lower() in source.lower() or term.ja in source) and term.text.lower() not in string.lower():
                wrong.append(f"{source!r} -> {string!r} lacks {term.text!r}")
    assert not wrong, f"{lang}: {len(wrong)} entries stray from the glossary:\n" + "\n".join(wrong[:20])


@pytest.mark.parametrize("lang", TRANSLATED)
def test_notify_messages_use_the_glossarys_terms(lang):
    english = dict(_texts(tomllib.loads((NOTIFY_MESSAGES / "en.toml").read_text("utf-8"))))
    own = dict(_texts(tomllib.loads((NOTIFY_MESSAGES / f"{lang}.toml").read_text("utf-8"))))
    wrong = [
        f"{'.'.join(key)} lacks {term.text!r}"
        for key, text in own.items()
        if key in english
        for term in glossary.terms(lang)
        if term.en.lower() in english[key].lower() and term.text.lower() not in text.lower()
    ]
    assert not wrong, f"{lang}: {len(wrong)} messages stray from the glossary:\n" + "\n".join(wrong[:20])
