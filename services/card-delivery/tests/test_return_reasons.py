"""The post office's reason for a return, read from the slip's words as recorded (card.returned v2's code)."""

from __future__ import annotations

import pytest

from card_delivery.domain import return_reasons
from zairyu_shared.events.vocabulary import RETURN_REASONS


@pytest.mark.parametrize(
    ("recorded", "code"),
    [
        ("あて所に尋ねあたりません", "addressee_not_found"),
        ("宛所に尋ね当たりません", "addressee_not_found"),
        ("宛所不明", "addressee_not_found"),
        ("あて名不完全で配達できません", "address_incomplete"),
        ("転居先不明", "moved_no_forwarding_address"),
        ("受取拒絶", "refused"),
        ("受取拒否（本人）", "refused"),
        ("保管期間経過", "holding_period_expired"),
        ("保管 期間 経過", "holding_period_expired"),  # spaced, as a clerk or a carrier's file may write it
        ("ﾎｶﾝｷｶﾝｹｲｶ", None),  # half-width kana of no wording we know: quoted as written
        ("addressee unknown", None),
        ("", None),
        (None, None),
    ],
)
def test_the_slips_words_give_the_reasons_code(recorded, code):
    assert return_reasons.reason_code(recorded) == code


def test_every_code_the_contract_knows_is_read_from_some_wording():
    assert tuple(return_reasons._WORDINGS) == RETURN_REASONS
