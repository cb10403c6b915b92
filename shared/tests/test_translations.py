"""What browsers, terminals and the signer extension send reaches the contract's language codes."""

from __future__ import annotations

import pytest

from zairyu_shared import translations


@pytest.mark.parametrize(
    "sent, code",
    [
        ("ja_JP.UTF-8", "ja"),
        ("en-GB", "en"),
        ("vi", "vi"),
        ("zh", "zh_Hans"),
        ("zh-Hans", "zh_Hans"),
        ("zh_CN.UTF-8", "zh_Hans"),
        ("pt", "pt_BR"),
        ("pt-BR", "pt_BR"),
        ("fil", "tl"),
        ("fil_PH", "tl"),  # str() of Babel's locale for tl
        ("tl_PH.UTF-8", "tl"),
        ("ne_NP", "ne"),
        ("ko:en", "ko"),  # LANGUAGE's list: the first
        ("C", None),
        ("de-DE", None),
        ("", None),
        (None, None),
    ],
)
def test_language_codes(sent, code):
    assert translations.language_code(sent) == code


def test_the_first_offered_language_wins():
    offered = ("ja", "en", "tl")
    assert translations.best_language(["de", "fil-PH", "en"], offered) == "tl"
    assert translations.best_language(["de", "fr"], offered) is None


def test_babel_gets_filipino_for_tagalog():
    from babel import Locale

    assert translations.babel_locale("tl") == "fil" and translations.babel_locale("pt_BR") == "pt_BR"
    assert Locale.parse(translations.babel_locale("tl")).language == "fil"
