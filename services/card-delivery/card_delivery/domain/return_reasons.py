"""The post office's reason for returning a card, read from the words of its return slip (還付付箋) as the mailroom or
the carrier's report recorded them, so that the applicant is told it in their language (card.returned v2, document.returned).

Japan Post's slip names these reasons (its return-slip wordings, as practitioners' guides reproduce them, looked up
2026-12-07): あて所に尋ねあたりません, あて名不完全で配達できません, 転居先不明, 受取拒絶 (受取拒否), 保管期間経過.
Words that name none of them keep no code: the mail then quotes them as written.
"""

from __future__ import annotations

import unicodedata

# code (the contract's: zairyu_shared.events.vocabulary.RETURN_REASONS) -> fragments of the slip's wording, kana and
# kanji spellings both in use, matched after NFKC and without spaces.
_WORDINGS: dict[str, tuple[str, ...]] = {
    "addressee_not_found": (
        "尋ねあたり",
        "尋ね当たり",
        "たずねあたり",
        "宛所不明",
        "あて所不明",
        "宛先不明",
        "あて先不明",
    ),
    "address_incomplete": ("あて名不完全", "宛名不完全", "宛名不備", "あて名不備"),
    "moved_no_forwarding_address": ("転居先不明",),
    "refused": ("受取拒絶", "受取拒否", "受け取り拒否", "受取り拒否", "受取り拒絶"),
    "holding_period_expired": ("保管期間経過", "保管期間満了"),
}


def reason_code(recorded: str | None) -> str | None:
    """The reason's code when the recorded words are one of the slip's reasons; None otherwise."""
    text = "".join(unicodedata.normalize("NFKC", recorded or "").split())
    for code, fragments in _WORDINGS.items():
        if any(fragment in text for fragment in fragments):
            return code
    return None
