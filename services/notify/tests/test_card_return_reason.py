"""The post office's reason for returning a card reaches the applicant in their language (card.returned v2's code);
words that name no known reason are quoted as recorded."""

from __future__ import annotations

import pytest
import samples
from notify_testkit import deliver, parts

from notify.application.sending import Sender

SLIP = "あて所に尋ねあたりません"


def _returned_mail(rt, smtp, language: str, reason: str, code: str | None) -> str:
    returned = samples._card(
        "card.returned",
        {"reason": reason, "reason_code": code},
        applicant=samples.APPLICANT,
        application=samples.APPLICATION,
    )
    deliver(rt, samples.registered(language=language), samples.received(), returned)
    Sender(rt).send_due()
    [mail] = [m for m in smtp.inbox.messages if m["X-Zairyu-Notice-Type"] == "card_returned"]
    return parts(mail)[0]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("vi", "Lý do bưu điện đưa ra: Không tìm thấy người nhận tại địa chỉ này."),
        ("ne", "यो ठेगानामा प्रापक भेटिएनन्।"),
        ("pt_BR", "O destinatário não foi encontrado neste endereço."),
        ("en", "Reason given by the post office: The addressee could not be found at this address."),
        ("ja", "郵便局からの理由: あて所に尋ねあたりません"),
    ],
)
def test_the_slips_reason_is_written_in_the_applicants_language(rt, smtp, language, words):
    text = _returned_mail(rt, smtp, language, SLIP, "addressee_not_found")
    assert words in text
    if language != "ja":
        assert "尋ね" not in text  # the slip's Japanese words were what a Vietnamese applicant read


def test_words_of_no_known_reason_are_quoted_as_recorded(rt, smtp):
    text = _returned_mail(rt, smtp, "vi", "Người nhận vắng nhà dài ngày", None)
    assert "Lý do bưu điện đưa ra: Người nhận vắng nhà dài ngày" in text
