"""Older applications carry a nationality as typed; readers find its ISO code by name (issue 18)."""

from zairyu_shared.countries import code_for


def test_a_typed_nationality_is_found_in_any_of_the_eight_languages():
    for typed in ("Viet Nam", "Vietnam", "ベトナム", "Việt Nam", "  viet nam ", "VN", "vn"):
        assert code_for(typed) == "VN", typed
    assert code_for("नेपाल") == "NP" and code_for("Pilipinas") == "PH" and code_for("Brasil") == "BR"


def test_words_that_name_no_country_stay_unknown():
    assert code_for("engineer") is None and code_for("") is None and code_for(None) is None
