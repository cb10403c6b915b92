"""A notice in the account is the mail's text without the mail's signature ("-- ", then: replies to this address are
not read, the site's address): on the site those lines said something false or nothing (seen on intake's notice
page at 375 px, 2026-12-06)."""

from __future__ import annotations

import samples
import sqlalchemy as sa
from notify_testkit import deliver

from notify.adapters.catalogue import BILINGUAL, Catalogue
from notify.adapters.tables import notices
from notify.domain.notices import plan
from zairyu_shared.testing import staged_events

SIGNATURE = "\n-- \n"


def test_the_account_gets_the_notice_without_the_mails_signature(rt):
    deliver(rt, samples.registered(language="vi"))
    deliver(rt, samples.sign_in_changed(language="vi", change="card_linked"))
    with rt.session_factory() as session:
        rows = {r.channel: r.body_text for r in session.execute(sa.select(notices.c.channel, notices.c.body_text))}
    assert SIGNATURE in rows["email"]  # the mail keeps it
    mail_body = rows["email"].split(SIGNATURE, 1)[0]
    assert rows["inbox"] == mail_body.rstrip() + "\n"
    (created,) = staged_events(rt, "notice.created")  # what intake shows on the notice page
    assert created["payload"]["body_text"] == rows["inbox"]
    assert "Zairyu" not in created["payload"]["body_text"].split("\n\n")[-1]  # the footer's sender line is gone


def test_the_japanese_and_english_fallback_keeps_both_languages_unsigned():
    event = samples.sign_in_changed(language="en", change="two_step_on")
    (p,) = plan(event.type, event.data, None)
    rendered = Catalogue().render(p.notice_type, "fr", p.context, name="NGUYEN VAN AN", portal_url="https://z.example")
    assert rendered.language == BILINGUAL and rendered.text.count(SIGNATURE) == 2
    text = rendered.in_account_text
    assert SIGNATURE not in text and "==========" in text
    japanese, english = text.split("==========")
    assert (
        japanese.strip() and english.strip() and japanese.strip() in rendered.text and english.strip() in rendered.text
    )
