"""One glossary per language (zairyu_shared/glossary/<lang>.toml): the immigration terms in the names ISA uses
in that language. Every intake catalog entry whose source says a term (in English or Japanese) says it as the
glossary does, and so does every notify message whose English version says it (issue 18)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from zairyu_shared import glossary, translations
from zairyu_shared.events.vocabulary import STATUSES_OF_RESIDENCE

ROOT = Path(__file__).resolve().parents[2]
INTAKE_CATALOGS = ROOT / "services/intake/intake/entrypoints/translations"
CARD_CATALOGS = ROOT / "services/card-delivery/card_delivery/translations"  # the public card check
NOTIFY_CATALOGS = ROOT / "services/notify/notify/translations"  # msgid = the template key
TRANSLATED = ("vi", "zh_Hans", "ko", "pt_BR", "tl", "ne")


def _catalog(lang, root=INTAKE_CATALOGS):
    with (root / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=translations.babel_locale(lang))


def _notify_texts(lang):
    """Every string of a notify catalog, by its template key."""
    with (NOTIFY_CATALOGS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {message.id: message.string for message in read_po(fh) if message.id}


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
    english = _notify_texts("en")
    own = _notify_texts(lang)
    wrong = [
        f"{key} lacks {term.text!r}"
        for key, text in own.items()
        if key in english
        for term in glossary.terms(lang)
        if term.en.lower() in english[key].lower() and term.text.lower() not in text.lower()
    ]
    assert not wrong, f"{lang}: {len(wrong)} messages stray from the glossary:\n" + "\n".join(wrong[:20])


def _bare(name):
    """A status's name without its bracketed number ('Kỹ năng đặc định (số 1)' -> 'Kỹ năng đặc định')."""
    return re.sub(r"\s*[（(].*$", "", name).strip()


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_catalogs_name_statuses_as_the_glossary_does(lang):
    """A message that names a status of residence (say, 'Specified Skilled Worker') names it in the glossary's
    words: the Nepali pages said 'निर्दिष्ट दक्ष कामदार' in a hint while the picker, from the glossary, said another."""
    wrong = []
    for message in _catalog(lang):
        source = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string if isinstance(message.string, str) else message.string[0]
        if not source or not string:
            continue
        for code, (ja, en) in STATUSES_OF_RESIDENCE.items():
            if _bare(en) in source or _bare(ja) in source:
                want = _bare(glossary.status_name(code, lang))
                if want.lower() not in string.lower():
                    wrong.append(f"{code}: {source[:50]!r} -> {string[:70]!r} lacks {want!r}")
    assert not wrong, f"{lang}: {len(wrong)} messages name a status otherwise:\n" + "\n".join(sorted(set(wrong))[:20])


# Names read on a government page in the language (the glossary files name the pages); a change must come with a
# new source, not a guess.
CONFIRMED = {
    "zh_Hans": {  # immi-moj.go.jp/chinese_simplified/tetuduki/kanri/zairyu_nintei10.html
        "intra_company": "企业内转职",
        "entertainer": "演出",
        "engineer_humanities": "技术/人文知识/国际业务",
        "business_manager": "经营/管理",
        "legal_accounting": "法律/会计业务",
        "professor": "教授",
        "journalist": "报道",
    },
    "ne": {"ssw_1": "निर्दिष्ट सीप भएको कामदार (१)"},  # mofa.go.jp/mofaj/ca/fna/ssw/np/index.html
    "vi": {"student": "Du học"},  # isa.go.jp/vi/publications/materials/newimmiact_4_index.html
    "tl": {"ssw_1": "Specified Skilled Worker (i)"},  # mofa.go.jp/mofaj/ca/fna/ssw/ph/
}


@pytest.mark.parametrize("lang", sorted(CONFIRMED))
def test_statuses_confirmed_from_government_pages(lang):
    assert {code: glossary.status_name(code, lang) for code in CONFIRMED[lang]} == CONFIRMED[lang]


CONFIRMED_TERMS = {
    ("ne", "status of residence"): "निवासको स्थिति",  # mofa.go.jp/mofaj/ca/fna/ssw/np/, soumu.go.jp …/zairyu/nepali/
    ("pt_BR", "residence card"): "cartão de residência",  # isa.go.jp/pt/about/guidance/index.html
    ("vi", "residence card"): "thẻ lưu trú",  # isa.go.jp/vi/publications/materials/newimmiact_4_index.html
    ("vi", "status of residence"): "tư cách lưu trú",  # the same page
}


@pytest.mark.parametrize(("lang", "english"), sorted(CONFIRMED_TERMS))
def test_terms_confirmed_from_government_pages(lang, english):
    assert {t.en: t.text for t in glossary.terms(lang)}[english] == CONFIRMED_TERMS[lang, english]
