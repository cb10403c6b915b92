"""Issue 20: the person is told whenever how their account is signed in to changes (``applicant.sign_in_changed``;
OWASP ASVS 4.0.3 V2.2.3): in the account and by mail, in their language, what changed, when (Japan time) and what to
do if it was not them. A new e-mail address is told to the previous one, the new one masked. No link in it signs in:
the footer's address of the site is its only link."""

from __future__ import annotations

import re

import pytest
import samples
import sqlalchemy as sa
from notify_testkit import deliver, parts

from notify.adapters.catalogue import Catalogue
from notify.adapters.tables import notices
from notify.application.sending import Sender
from notify.domain import formatting
from notify.domain.notices import BOTH, plan
from zairyu_shared.events.contracts import LANGUAGES, SIGN_IN_CHANGES
from zairyu_shared.testing import staged_events

CAT = Catalogue()
PORTAL = "https://zairyu.example.jp"
NEW = "nguyen.new@example.jp"  # the new address of an e-mail change (masked 'ng***@example.jp' in the mail)
LEFTOVERS = re.compile(r"\{\{|\}\}|\{%|%\}|\bNone\b|Undefined")
SCRIPTS = {"ja": r"[\u3040-\u30ff]", "zh_Hans": r"[\u4e00-\u9fff]", "ko": r"[\uac00-\ud7af]", "ne": r"[\u0900-\u097f]"}


def _event(change: str, language: str = "en"):
    if change == "email_changed":
        return samples.sign_in_changed(language=language, change=change, email=NEW, previous_email=samples.EMAIL)
    return samples.sign_in_changed(language=language, change=change)


def _mail(change: str, lang: str):
    event = _event(change, lang)
    (p,) = plan(event.type, event.data, None)
    return p, CAT.render(p.notice_type, lang, p.context, name=samples.NAME, portal_url=PORTAL)


def _body(text: str) -> str:
    """What the notice itself says: without the greeting and the footer every mail has."""
    return text.split("\n\n", 1)[1].split("\n-- \n", 1)[0]


def _latin_4grams(text: str) -> set[tuple[str, ...]]:
    """Every run of four words written in Latin letters one after the other (nothing else between them)."""
    grams = set()
    for run in re.findall(r"[A-Za-z][\w'’-]*(?:[ ,.:;()]+[A-Za-z][\w'’-]*)*", text, flags=re.ASCII):
        words = re.findall(r"[A-Za-z][\w'’-]*", run.lower(), flags=re.ASCII)
        grams |= {tuple(words[i : i + 4]) for i in range(len(words) - 3)}
    return grams


def test_the_mail_goes_where_the_change_matters_and_carries_no_secret():
    for change in SIGN_IN_CHANGES:
        (p,) = plan("applicant.sign_in_changed", _event(change).data, None)
        assert p.notice_type == "sign_in_changed" and p.channels == BOTH  # in the account and by mail
        if change == "email_changed":  # the previous address, which whoever moved the account may not control
            assert p.address == samples.EMAIL and p.context["new_address"] == "ng***@example.jp"
            assert set(p.context) == {"change", "changed_at", "new_address"}
        else:
            assert p.address == samples.EMAIL and set(p.context) == {"change", "changed_at"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_change_says_what_and_when_in_japan_time_in_the_persons_language(lang):
    when = formatting.date_time(samples.WHEN, lang)  # 00:30 UTC is 09:30 in Japan
    subjects, bodies = set(), set()
    for change in SIGN_IN_CHANGES:
        _p, r = _mail(change, lang)
        assert r.language == lang and f'lang="{lang.replace("_", "-")}"' in r.html
        for part in (r.subject, r.text, r.html):
            assert not LEFTOVERS.search(part), (change, part)
        assert when in r.text and "(JST)" in when
        assert samples.NAME in r.text
        # No link of its own: only the footer's address of the site, never one that signs in.
        assert re.findall(r"https?://\S+", r.text) == [PORTAL], change
        assert re.findall(r'href="([^"]+)"', r.html) == [PORTAL], change
        if change == "email_changed":
            assert "ng***@example.jp" in r.text and NEW not in r.text and NEW not in r.subject
        if lang in SCRIPTS:
            assert re.search(SCRIPTS[lang], r.subject) and re.search(SCRIPTS[lang], _body(r.text))
        subjects.add(r.subject)
        bodies.add(_body(r.text))
    assert len(subjects) == len(bodies) == len(SIGN_IN_CHANGES)  # each change in words of its own


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_no_english_is_left_in_another_languages_mail(lang):
    """A real translation of every sentence: no run of four words of the English mail appears in it."""
    for change in SIGN_IN_CHANGES:
        english = _latin_4grams(_body(_mail(change, "en")[1].text)) | _latin_4grams(_mail(change, "en")[1].subject)
        _p, r = _mail(change, lang)
        left = english & (_latin_4grams(_body(r.text)) | _latin_4grams(r.subject))
        assert not left, (lang, change, sorted(left)[:5])


def test_the_english_mail_says_what_to_do_if_it_was_not_them():
    _p, email = _mail("email_changed", "en")
    assert "Contact the immigration bureau at once" in email.text and "change the address back" in email.text
    _p, off = _mail("two_step_off", "en")
    assert "“Forgot your password?”" in off.text and "contact the immigration bureau" in off.text
    assert "Your other sessions (other browsers and devices) were signed out." in off.text


def _rows(rt):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(notices).order_by(notices.c.channel)).all()


def _drain(rt):
    sender = Sender(rt)
    for _ in range(50):
        if sender.send_due() == 0:
            return


def test_told_once_in_the_account_and_once_by_mail_however_often_the_event_comes(rt, smtp):
    deliver(rt, samples.registered(language="vi"))
    event = _event("card_linked", "vi")
    deliver(rt, event)
    deliver(rt, event, event)  # redelivered, and twice in one batch: the inbox of handled events
    assert [(r.channel, r.notice_type, r.language) for r in _rows(rt)] == [
        ("email", "sign_in_changed", "vi"),
        ("inbox", "sign_in_changed", "vi"),
    ]
    (created,) = staged_events(rt, "notice.created")  # the in-account notice, for intake
    assert created["payload"]["subject"] == "Một thẻ đã được liên kết để đăng nhập vào tài khoản của bạn"
    _drain(rt)
    (mail,) = smtp.inbox.messages
    assert mail["To"] == samples.EMAIL and mail["Content-Language"] == "vi"
    assert formatting.date_time(samples.WHEN, "vi") in parts(mail)[0]


def test_a_new_address_is_told_to_the_previous_one_over_smtp_and_later_mail_goes_to_the_new(rt, smtp):
    deliver(rt, samples.registered(language="ja"))
    deliver(rt, _event("email_changed", "ja"))
    _drain(rt)
    (told,) = smtp.inbox.messages
    text, html = parts(told)
    assert told["To"] == samples.EMAIL and told["X-Zairyu-Notice-Type"] == "sign_in_changed"
    assert told["Subject"] == "ログイン用のメールアドレスが変更されました"
    assert "ng***@example.jp" in text and NEW not in text and NEW not in html
    assert formatting.date_time(samples.WHEN, "ja") in text and "出入国在留管理局" in text
    deliver(rt, samples.received())  # from now on notify writes to the new address
    _drain(rt)
    assert [m["To"] for m in smtp.inbox.messages] == [samples.EMAIL, NEW]
