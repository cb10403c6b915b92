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
CARD_WORDS = {"en": "card", "ja": "カード", "vi": "thẻ", "zh_Hans": "卡", "ko": "카드", "pt_BR": "cartão", "tl": "card",
              "ne": "कार्ड"}


def approval(procedure, lang, version=None, **extra):
    payload = {"application_id": samples.APPLICATION, "applicant_id": samples.APPLICANT, "outcome": "approved",
               "procedure": procedure, "bureau": "tokyo", "fee_yen": 0 if procedure == "coe" else 1600,
               "card_by_mail": True, "decided_at": samples.WHEN.isoformat(), **extra}
    event = new_event("application.decided", payload, source="review", correlation_id=samples.APPLICATION,
                      version=version)
    info = ApplicationInfo(samples.APPLICATION, samples.APPLICANT, "tokyo", procedure, samples.PROVISIONAL, samples.RECEIPT)
    [p] = plan(event.type, event.data, info)
    return CAT.render(p.notice_type, lang, p.context, name=samples.NAME, portal_url="https://zairyu.example.jp").text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("procedure,method", [("coe", "email"), ("coe", "post"),
                                              ("employment_certificate", "pdf"), ("employment_certificate", "post")])
def test_no_notice_for_a_procedure_without_a_card_mentions_a_card(procedure, method, lang):
    text = approval(procedure, lang, delivery_method=method)
    assert CARD_WORDS[lang] not in text.lower(), text
    other = approval(procedure, lang, delivery_method={"email": "post", "post": "email" if procedure == "coe" else "pdf",
                                                       "pdf": "post"}[method])
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
    text = approval("extension", lang, bundled=["activity_outside_status"], delivery_method="post",
                    outside_activity={"hours_per_week": 20, "activity": "Kitchen help", "employer": "Cafe Sakura"})
    assert "Kitchen help" in text and "Cafe Sakura" in text and "20" in text


def test_the_english_texts_say_what_is_delivered():
    assert "sent to this e-mail address as a signed PDF" in approval("coe", "en", delivery_method="email")
    assert "mailed to you on paper" in approval("coe", "en", delivery_method="post")
    assert "will also be your My Number Card" in approval("change", "en", delivery_method="post", specified_card=True)
    assert "never in businesses affecting public morals" in approval(
        "change", "en", bundled=["activity_outside_status"],
        outside_activity={"hours_per_week": 28, "activity": "Teaching", "employer": None})


def test_a_v1_decision_keeps_the_card_choice_it_carried():
    assert "bring" in approval("extension", "en", version=1, card_by_mail=False)
    assert "mailed to you" in approval("extension", "en", version=1)
    assert "card" not in approval("coe", "en", version=1).lower()
