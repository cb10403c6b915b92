"""The statuses of residence are contract vocabulary: intake offers exactly those in its forms, and
every service that shows one (review's queue, case page, statistics) finds its official name."""

from __future__ import annotations

from intake.domain import statuses
from zairyu_shared.events.vocabulary import STATUSES_OF_RESIDENCE, status_name


def test_intake_offers_exactly_the_vocabularys_statuses_in_the_official_order():
    assert [s.code for s in statuses.STATUSES] == list(STATUSES_OF_RESIDENCE)
    assert all(s.ja and s.en for s in statuses.STATUSES)


def test_names_in_japanese_and_english_and_unknown_codes_as_they_are():
    assert status_name("engineer_humanities") == "技術・人文知識・国際業務"
    assert status_name("engineer_humanities", "en") == "Engineer / Specialist in Humanities / International Services"
    assert status_name("no_such_status") == "no_such_status" and status_name(None) == ""
    assert len(set(name for name, _ in STATUSES_OF_RESIDENCE.values())) == len(STATUSES_OF_RESIDENCE)
