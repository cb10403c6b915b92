"""The pure rules: SMTP answers, backoff, the rate limit, Message-IDs, which notices an event deserves."""

from __future__ import annotations

import pytest
import samples

from notify.domain import delivery
from notify.domain.notices import ALL_TYPES, EMAIL, INBOX, ApplicationInfo, plan, signature_advice


@pytest.mark.parametrize(
    "code,outcome",
    [
        (None, "transient"),
        (421, "transient"),
        (450, "transient"),
        (451, "transient"),
        (452, "transient"),
        (550, "permanent"),
        (551, "permanent"),
        (552, "permanent"),
        (553, "permanent"),
        (554, "permanent"),
        (535, "transient"),
        (530, "transient"),  # relay misconfigured: ops fix it, the mail is still good
    ],
)
def test_smtp_answers_are_classified(code, outcome):
    assert delivery.classify(code) == outcome


def test_backoff_doubles_up_to_the_cap():
    assert [delivery.backoff(n, 30, 3600) for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_after_failure_retries_transient_until_the_attempt_limit_and_fails_permanent_at_once():
    assert delivery.after_failure("transient", 2, 5, 1, 100, "421 busy") == delivery.AfterFailure(
        "queued", 2, "421 busy"
    )
    gave_up = delivery.after_failure("transient", 5, 5, 1, 100, "421 busy")
    assert gave_up.state == "failed" and "gave up after 5 attempts" in gave_up.error
    assert delivery.after_failure("permanent", 1, 5, 1, 100, "550 no such user").state == "failed"


def test_token_bucket_allows_a_burst_then_spaces_mails_at_the_rate():
    bucket = delivery.TokenBucket(rate=10, burst=3, now=0.0)
    waits = [bucket.take(0.0) for _ in range(6)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3:] == pytest.approx([0.1, 0.2, 0.3])
    # After a quiet second the bucket is full again (but never beyond the burst).
    later = delivery.TokenBucket(rate=10, burst=3, now=0.0)
    for _ in range(3):
        later.take(0.0)
    assert [later.take(10.0) for _ in range(4)] == pytest.approx([0, 0, 0, 0.1])


def test_rate_zero_means_unlimited():
    bucket = delivery.TokenBucket(rate=0, burst=1, now=0.0)
    assert all(bucket.take(0.0) == 0 for _ in range(1000))


def test_message_id_is_derived_from_the_notice_and_maps_back():
    mid = delivery.message_id("8a3c", "zairyu.example.jp")
    assert mid == "<notice-8a3c@zairyu.example.jp>"
    assert delivery.notice_id_from_message_id(mid) == "8a3c"
    assert delivery.notice_id_from_message_id("<other@x>") is None


def test_bounces_only_for_sent_mail():
    assert delivery.can_bounce("sent") and not delivery.can_bounce("queued") and not delivery.can_bounce("failed")


@pytest.mark.parametrize(
    "code,advice",
    [
        ("certificate_revoked", "revoked"),
        ("expired", "expired"),
        ("not_yet_valid", "expired"),
        ("holder_mismatch", "holder_mismatch"),
        ("bad_signature", "other"),
    ],
)
def test_signature_reasons_map_to_advice(code, advice):
    assert signature_advice(code) == advice


def _plans(event, info=None):
    return plan(event.type, event.data, info)


def test_every_notice_event_has_a_plan_and_registration_has_none():
    assert _plans(samples.registered()) == [] and _plans(samples.contact_changed()) == []
    types = [p.notice_type for e in samples.all_notice_events() for p in _plans(e)]
    assert (
        len(types) == len(set(types)) == len(ALL_TYPES) == 32
    )  # every type has its sample event (+2: issue 21; document_dispatched; card_postage_shortfall; +3 issue 20;
    # document_returned and document_delivered, session 21)


def test_a_change_of_address_is_confirmed_at_the_new_one_and_told_to_the_old_one():
    events = samples.all_notice_events()
    (link,) = _plans(next(e for e in events if e.type == "applicant.email_change_requested"))
    (told,) = _plans(next(e for e in events if e.type == "applicant.email_changed"))
    assert link.channels == (EMAIL,) and link.address == samples.EMAIL  # the new address, as the event names it
    assert told.channels == (EMAIL,) and told.address == samples.EMAIL  # the previous one
    assert told.context["new_address"] == "ne***@example.jp"  # recognisable to its owner only


def test_links_go_by_e_mail_only_to_the_address_in_the_event():
    verify, reset = samples.all_notice_events()[:2]
    for e in (verify, reset):
        (p,) = _plans(e)
        assert p.channels == (EMAIL,) and p.address == samples.EMAIL


def test_answered_documents_go_to_the_bureau_of_the_case():
    info = ApplicationInfo(samples.APPLICATION, samples.APPLICANT, "osaka", "extension", samples.PROVISIONAL, None)
    event = next(e for e in samples.all_notice_events() if e.type == "application.documents_submitted")
    (p,) = _plans(event, info)
    assert (p.audience, p.bureau, p.channels) == ("bureau", "osaka", (EMAIL,))


def test_applicant_notices_use_both_channels_and_quote_the_receipt_number_once_known():
    event = samples.decided()
    before = ApplicationInfo(samples.APPLICATION, samples.APPLICANT, "tokyo", "extension", samples.PROVISIONAL, None)
    after = ApplicationInfo(
        samples.APPLICATION, samples.APPLICANT, "tokyo", "extension", samples.PROVISIONAL, samples.RECEIPT
    )
    assert _plans(event, before)[0].context["reference"] == samples.PROVISIONAL
    (p,) = _plans(event, after)
    assert p.context["reference"] == samples.RECEIPT and p.channels == (EMAIL, INBOX)
    assert p.notice_type == "decision_approved" and p.context["fee_yen"] == samples.FEE
    assert _plans(samples.decided(outcome="refused"), after)[0].notice_type == "decision_refused"
