"""signature.rejected says why in the applicant's language: every reason in every contract language."""

from __future__ import annotations

import pytest

from signing.domain import verdict_report
from signing.domain.verdict import Reason
from zairyu_shared.events.contracts import LANGUAGES

KEYS = ["valid", *(r.value for r in Reason)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reason_is_said_in_every_contract_language(language):
    # Found 2026-12-07: only English and Japanese had them; a Vietnamese applicant read "The signature certificate
    # on your card has been revoked ..." in English on the timeline and in the mail.
    for key in KEYS:
        text = verdict_report.message(key, language)
        assert text and text.strip() == text, (language, key)
        if language != "en":
            assert text != verdict_report.message(key, "en"), (language, key)


def test_the_reasons_read_as_themselves():
    assert "thu hồi" in verdict_report.message("revoked", "vi") and "hết hạn" in verdict_report.message("expired", "vi")
    assert "रद्द" in verdict_report.message("revoked", "ne")
    assert "失效" in verdict_report.message("revoked", "zh_Hans") and "实效" not in verdict_report.message(
        "revoked", "zh_Hans"
    )
    distinct = {verdict_report.message(key, "vi") for key in KEYS}
    assert len(distinct) == len(KEYS)  # no two reasons share a text
