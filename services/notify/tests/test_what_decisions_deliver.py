"""An approval notice says what that procedure delivers and how, in every language; a COE or an
employment certificate never gets card instructions (residence-procedures.md, item 7)."""

from __future__ import annotations

import pytest
import samples

from notify.adapters.catalogue import Catalogue
from notify.domain.notices import ApplicationInfo, plan
from zairyu_shared.events import new_event
from zairyu_shared.events.contracts import LANGUAGES

CAT = Catalogue()
CARD_WORDS = {
    "en": "card",
    "ja": "カード",
    "vi": "thẻ",
    "zh_Hans": "卡",
    "ko": "카드",
    "pt_BR": "cartão",
    "tl": "card",
    "ne": "कार्ड",
}


def approval(procedure, lang, version=None, **extra):
    payload = {
        "application_id": samples.APPLICATION,
        "applicant_id": samples.APPLICANT,
        "outcome": "approved",
        "procedure": procedure,
        "bureau": "tokyo",
        "fee_yen": 0 if procedure == "coe" else 1600,
        "card_by_mail": True,
        "decided_at": samples.WHEN.isoformat(),
        **extra,
    }
    event = new_event(
        "application.decided", payload, source="review", correlation_id=samples.APPLICATION, version=version
    )
    info = ApplicationInfo(
        samples.APPLICATION, samples.APPLICANT, "tokyo", procedure, samples.PROVISIONAL, samples.RECEIPT
    )
    [p] = plan(event.type, event.data, info)
    return CAT.render(p.notice_type, lang, p.context, name=samples.NAME, portal_url="https://zairyu.example.jp").text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "procedure,method",
    [("coe", "email"), ("coe", "post"), ("employment_certificate", "pdf"), ("employment_certificate", "post")],
)
def test_no_notice_for_a_procedure_without_a_card_mentions_a_card(procedure, method, lang):
    text = approval(procedure, lang, delivery_method=method)
    assert CARD_WORDS[lang] not in text.lower(), text
    other = approval(
        procedure,
        lang,
        delivery_method={"email": "post", "post": "email" if procedure == "coe" else "pdf", "pdf": "post"}[method],
    )
    assert other != text  # the e-mail/PDF and the paper way are told apart
    if method in ("email", "pdf"):
        assert "PDF" in text
    if procedure == "coe":
        assert "3" in text  # valid for 3 months


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("procedure", ["change", "extension", "acquisition"])
def test_a_card_procedure_says_how_the_new_card_comes(procedure, lang):
    by_post = approval(procedure, lang, delivery_method="post")
    at_counter = approval(procedure, lang, delivery_method="counter", card_by_mail=False)
    assert CARD_WORDS[lang] in by_post.lower() and CARD_WORDS[lang] in at_counter.lower()
    assert by_post != at_counter
    specified = approval(procedure, lang, delivery_method="post", specified_card=True)
    assert len(specified) > len(by_post)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_granted_activity_permission_states_its_conditions(lang):
    text = approval(
        "extension",
        lang,
        bundled=["activity_outside_status"],
        delivery_method="post",
        outside_activity={"hours_per_week": 20, "activity": "Kitchen help", "employer": "Cafe Sakura"},
    )
    assert "Kitchen help" in text and "Cafe Sakura" in text and "20" in text


def test_the_english_texts_say_what_is_delivered():
    assert "sent to this e-mail address as a signed PDF" in approval("coe", "en", delivery_method="email")
    assert "mailed to you on paper" in approval("coe", "en", delivery_method="post")
    assert "will also be your My Number Card" in approval("change", "en", delivery_method="post", specified_card=True)
    assert "never in businesses affecting public morals" in approval(
        "change",
        "en",
        bundled=["activity_outside_status"],
        outside_activity={"hours_per_week": 28, "activity": "Teaching", "employer": None},
    )


def test_a_v1_decision_keeps_the_card_choice_it_carried():
    assert "bring" in approval("extension", "en", version=1, card_by_mail=False)
    assert "mailed to you" in approval("extension", "en", version=1)
    assert "card" not in approval("coe", "en", version=1).lower()


# --- refusals: what they mean for the stay ---------------------------------------------------------
from datetime import UTC, date, datetime  # noqa: E402

from notify.domain import formatting  # noqa: E402

DEPARTURE = {
    "en": "Designated Activities (preparation for departure)",
    "ja": "特定活動（出国準備）",
    "vi": "Hoạt động đặc định (chuẩn bị xuất cảnh)",
    "zh_Hans": "特定活动（出国准备）",
    "ko": "특정활동(출국준비)",
    "pt_BR": "Atividades Designadas (preparação para a saída)",
    "tl": "Designated Activities (paghahanda sa pag-alis)",
    "ne": "निर्दिष्ट गतिविधि (प्रस्थानको तयारी)",
}


def refusal(procedure, lang, decided_at, expiry=date(2026, 12, 31), special_period=True, reason_codes=None):
    payload = {
        "application_id": samples.APPLICATION,
        "applicant_id": samples.APPLICANT,
        "outcome": "refused",
        "procedure": procedure,
        "bureau": "tokyo",
        "fee_yen": 0,
        "card_by_mail": True,
        "explanation": "Income requirement not met.",
        "decided_at": decided_at.isoformat(),
    }
    if procedure in ("extension", "change"):
        payload.update(period_of_stay_expiry=expiry.isoformat(), special_period=special_period)
    if reason_codes is not None:
        payload["reason_codes"] = reason_codes
    event = new_event("application.decided", payload, source="review", correlation_id=samples.APPLICATION)
    info = ApplicationInfo(
        samples.APPLICATION, samples.APPLICANT, "tokyo", procedure, samples.PROVISIONAL, samples.RECEIPT
    )
    [p] = plan(event.type, event.data, info)
    return CAT.render(p.notice_type, lang, p.context, name=samples.NAME, portal_url="https://zairyu.example.jp").text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("procedure", ["extension", "change"])
def test_a_refusal_after_the_expiry_ends_the_special_period_and_says_what_to_do(procedure, lang):
    # 2027-01-10 10:00 in Japan, after the expiry of 2026-12-31
    text = refusal(procedure, lang, datetime(2027, 1, 10, 1, tzinfo=UTC))
    assert DEPARTURE[lang] in text and "申請内容変更申出書" in text
    assert formatting.long_date(date(2026, 12, 31), lang) in text and "30" in text and "31" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refusal_before_the_expiry_says_the_stay_runs_until_it(lang):
    # 2026-12-31 23:30 in Japan is still the expiry day (14:30 UTC): the period of stay still runs
    text = refusal("extension", lang, datetime(2026, 12, 31, 14, 30, tzinfo=UTC))
    assert formatting.long_date(date(2026, 12, 31), lang) in text and DEPARTURE[lang] not in text
    after_midnight = refusal("extension", lang, datetime(2026, 12, 31, 15, 30, tzinfo=UTC))  # 1 Jan in Japan
    assert DEPARTURE[lang] in after_midnight


@pytest.mark.parametrize("procedure", ["coe", "employment_certificate", "acquisition"])
def test_other_refusals_say_nothing_of_a_stay(procedure):
    text = refusal(procedure, "en", datetime(2027, 1, 10, 1, tzinfo=UTC))
    assert "What this means for your stay" not in text and "Designated Activities" not in text


def test_filed_after_the_expiry_there_was_no_special_period_to_end():
    text = refusal("extension", "en", datetime(2027, 1, 10, 1, tzinfo=UTC), special_period=False)
    assert "special period" not in text


# --- a paper employment certificate's envelope (card-delivery waits for its fee slip) ----------------------
CERTIFICATE_WORDS = {
    "en": "certificate of authorised employment",
    "ja": "就労資格証明書",
    "vi": "giấy chứng nhận được phép làm việc",
    "zh_Hans": "就劳资格证明书",
    "ko": "취로자격증명서",
    "pt_BR": "certificado de autorização de trabalho",
    "tl": "certificate of authorised employment",
    "ne": "काम गर्ने अनुमतिको प्रमाणपत्र",
}
ENVELOPE_EVENTS = {
    "card.envelope_overdue": {"days_waiting": 15},
    "card.envelope_received": {},
    "card.postage_shortfall": {"shortfall_yen": 110},
}


def envelope_notice(event_type, procedure, lang):
    payload = {
        "application_id": samples.APPLICATION,
        "applicant_id": samples.APPLICANT,
        "delivery_id": "d-1",
        "occurred_at": samples.WHEN.isoformat(),
        **ENVELOPE_EVENTS[event_type],
    }
    event = new_event(event_type, payload, source="card-delivery", correlation_id=samples.APPLICATION)
    info = ApplicationInfo(
        samples.APPLICATION, samples.APPLICANT, "tokyo", procedure, samples.PROVISIONAL, samples.RECEIPT
    )
    [p] = plan(event.type, event.data, info)
    return CAT.render(p.notice_type, lang, p.context, name=samples.NAME, portal_url="https://zairyu.example.jp")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("event_type", list(ENVELOPE_EVENTS))
def test_a_paper_certificates_envelope_mails_speak_of_the_certificate_not_a_card(event_type, lang):
    """The certificate's envelope (fee slip, return envelope) was told as a residence card's: "send your residence
    card", "your new card will now be issued"."""
    mail = envelope_notice(event_type, "employment_certificate", lang)
    text = f"{mail.subject}\n{mail.text}"
    assert CERTIFICATE_WORDS[lang] in text.lower()
    assert CARD_WORDS[lang] not in text.lower(), text
    card_mail = envelope_notice(event_type, "extension", lang)
    assert CARD_WORDS[lang] in f"{card_mail.subject}\n{card_mail.text}".lower()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_paper_certificates_approval_says_to_send_the_fee_slip_and_a_return_envelope(lang):
    text = approval("employment_certificate", lang, delivery_method="post")
    free = approval("employment_certificate", lang, delivery_method="post", fee_yen=0)
    assert CARD_WORDS[lang] not in text.lower() and len(text) > len(free)
    if lang == "en":
        assert "send the fee slip" in text and "return envelope" in text and "send the fee slip" not in free


GROUNDS = {  # the heading, and vocabulary.REFUSAL_REASONS["livelihood"] in each language
    "en": ("The grounds the bureau gives:", "A stable livelihood in Japan has not been shown"),
    "ja": ("不許可の理由:", "安定した生計を営むことができると認められない"),
    "vi": ("Lý do Cục đưa ra:", "Chưa chứng minh được khả năng sinh sống ổn định tại Nhật Bản"),
    "zh_Hans": ("入管局给出的理由：", "未能证明在日本能够维持稳定的生活"),
    "ko": ("입국관리국이 밝힌 이유:", "일본에서 안정된 생계를 유지할 수 있음이 확인되지 않았습니다"),
    "pt_BR": ("Os motivos indicados pela agência:", "Não foi demonstrado meio de vida estável no Japão"),
    "tl": ("Ang mga dahilang ibinigay ng bureau:", "Hindi naipakita ang matatag na kabuhayan sa Japan"),
    "ne": ("ब्युरोले दिएका कारणहरू:", "जापानमा स्थिर जीविका देखाइएको छैन"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refusal_names_its_grounds_in_the_applicants_language(lang):
    """Session 20: the refusal reached the applicant with the bureau's Japanese explanation only; the grounds the
    examiner ticks (vocabulary.REFUSAL_REASONS) are now listed in the reader's language, an older decision's free
    code ("R-1") is never shown bare, and a refusal without grounds has no empty heading."""
    decided = datetime(2026, 12, 1, 1, tzinfo=UTC)
    text = refusal("extension", lang, decided, reason_codes=["livelihood", "R-1"])
    heading, livelihood = GROUNDS[lang]
    assert heading in text and f"- {livelihood}" in text and "R-1" not in text
    assert heading not in refusal("extension", lang, decided)
