"""An applicant changes the account's e-mail address (issue 20: correction of account data).

The new address is proven by a link sent to it; nothing changes until that link is confirmed (opening it
spends nothing); only the newest link works; an address of another account is refused at confirmation;
the previous address is told of the change in the person's language; the change is on the account page
and in the data export; the new address is sealed under the person's own key, so erasure reaches it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from intake_testkit import outbox_events
from journey import login, register

from intake.adapters.tables import applicants, email_changes, registrations
from intake.application import personal_data
from zairyu_shared import crypto
from zairyu_shared.subject_keys import SubjectErased

PW = "correct horse battery"


def _ask(client, email, password=PW):
    return client.post("/account/email", data={"email": email, "password": password})


def _confirm_path(rt, email) -> str:
    [event] = [e for e in outbox_events(rt, "applicant.email_change_requested") if e["payload"]["email"] == email][-1:]
    return "/account/email/confirm/" + event["payload"]["confirm_url"].rsplit("/", 1)[1]


def _address(rt, applicant_id) -> str:
    with rt.session_factory() as s:
        return s.execute(sa.select(applicants.c.email).where(applicants.c.id == applicant_id)).scalar_one()


def test_nothing_changes_until_the_link_sent_to_the_new_address_is_confirmed(client, rt, app):
    me = register(client, rt)
    wrong = _ask(client, "new@example.jp", password="not my password")
    assert b"The password is not correct." in wrong.data
    assert outbox_events(rt, "applicant.email_change_requested") == []

    asked = _ask(client, "New@Example.jp")
    assert b"We sent a link to new@example.jp" in asked.data
    [sent] = outbox_events(rt, "applicant.email_change_requested")
    assert sent["payload"]["email"] == "new@example.jp" and sent["payload"]["applicant_id"] == me
    assert _address(rt, me) == "an@example.jp"
    assert b"Waiting for confirmation: new@example.jp" in client.get("/account").data

    path = _confirm_path(rt, "new@example.jp")
    scanner = app.test_client()  # a mail scanner, or the person on another device: opening spends nothing
    for _ in range(3):
        page = scanner.get(path)
        assert page.status_code == 200 and b"new@example.jp" in page.data
    assert _address(rt, me) == "an@example.jp"
    assert outbox_events(rt, "applicant.sign_in_changed") == []

    done = scanner.post(path)
    assert done.status_code == 200 and b"Your e-mail address is now new@example.jp" in done.data
    assert _address(rt, me) == "new@example.jp"
    [changed] = outbox_events(rt, "applicant.sign_in_changed")  # notify tells the previous address
    assert changed["payload"]["change"] == "email_changed" and changed["payload"]["previous_email"] == "an@example.jp"
    assert changed["payload"]["email"] == "new@example.jp" and changed["payload"]["language"] == "en"
    assert scanner.post(path).status_code == 400  # spent
    assert scanner.get(path).status_code == 400

    client.post("/logout")
    assert login(client, "an@example.jp").status_code == 200  # the old address no longer signs in
    assert login(client, "new@example.jp").status_code == 302
    assert b"Last changed" in client.get("/account").data


def test_only_the_newest_link_works_and_the_same_address_is_refused(client, rt):
    me = register(client, rt)
    assert b"already your account" in _ask(client, "AN@example.jp").data
    _ask(client, "first@example.jp")
    first = _confirm_path(rt, "first@example.jp")
    _ask(client, "second@example.jp")
    assert client.post(first).status_code == 400
    assert _address(rt, me) == "an@example.jp"
    assert client.post(_confirm_path(rt, "second@example.jp")).status_code == 200
    assert _address(rt, me) == "second@example.jp"


def test_an_address_of_another_account_is_refused_at_confirmation_only(client, rt, app):
    register(client, rt, holder="silva", email="taken@example.jp")
    client.post("/logout")
    me = register(client, rt, holder="nguyen", email="an@example.jp")
    asked = _ask(client, "taken@example.jp")
    assert b"We sent a link to taken@example.jp" in asked.data  # the page says nothing about whose it is
    refused = app.test_client().post(_confirm_path(rt, "taken@example.jp"))
    assert refused.status_code == 400 and b"already belongs to another account" in refused.data
    assert _address(rt, me) == "an@example.jp"
    assert outbox_events(rt, "applicant.sign_in_changed") == []


def test_the_page_and_the_mail_follow_the_person_s_language(client, rt):
    register(client, rt)
    client.post("/account/language", data={"language": "vi"})
    page = client.get("/account/email?lang=vi").data.decode()
    assert "Đổi địa chỉ e-mail" in page and "Change your e-mail address" not in page
    _ask(client, "moi@example.jp")
    [sent] = outbox_events(rt, "applicant.email_change_requested")
    assert sent["payload"]["language"] == "vi"


def test_the_change_is_in_the_export_and_under_the_person_s_own_key(client, rt):
    me = register(client, rt)
    _ask(client, "new@example.jp")
    client.post(_confirm_path(rt, "new@example.jp"))
    with rt.session_factory() as s:
        [change] = [r for r in personal_data.intake_part(s, me) if r["kind"] == "email_change"]
    assert change["data"]["email"] == "new@example.jp" and change["data"]["confirmed_at"]
    with rt.engine.begin() as conn:
        assert rt.keyring.erase(conn, me)
    for table, column in ((email_changes, email_changes.c.email), (registrations, registrations.c.email)):
        with rt.engine.connect() as conn, pytest.raises(SubjectErased):
            conn.execute(sa.select(column).select_from(table)).all()


def test_closing_the_account_takes_the_changes_and_the_registration_with_it(client, rt):
    me = register(client, rt)
    _ask(client, "new@example.jp")
    client.post(_confirm_path(rt, "new@example.jp"))
    _ask(client, "newer@example.jp")  # one confirmed, one waiting
    assert client.post("/account/close").status_code == 200
    with rt.engine.connect() as conn:
        for table, column in ((email_changes, email_changes.c.applicant_id), (registrations, registrations.c.id)):
            assert conn.execute(sa.select(sa.func.count()).select_from(table).where(column == me)).scalar() == 0


def test_a_change_never_confirmed_goes_a_day_after_its_link_expired_and_a_confirmed_one_stays(client, rt):

    me = register(client, rt)
    _ask(client, "new@example.jp")
    client.post(_confirm_path(rt, "new@example.jp"))
    _ask(client, "never@example.jp")
    later = datetime.now(UTC) + timedelta(hours=24 + 24, minutes=5)  # the link's 24 h, then the rule's day
    with time_machine.travel(later - timedelta(minutes=10), tick=False):
        rt.purge()
    with rt.session_factory() as s:
        assert len(s.execute(sa.select(email_changes).where(email_changes.c.applicant_id == me)).all()) == 2
    with time_machine.travel(later, tick=False):
        rt.purge()
    with rt.session_factory() as s:
        [kept] = s.execute(sa.select(email_changes).where(email_changes.c.applicant_id == me)).all()
    assert kept.email == "new@example.jp" and kept.confirmed_at is not None


def test_a_registration_s_address_and_its_card_code_are_under_the_person_s_key(client, rt):
    me = register(client, rt)
    with rt.engine.connect() as conn:
        reg = conn.execute(sa.text("SELECT email FROM registrations")).scalar_one()
        code = conn.execute(sa.text("SELECT content FROM signing_requests WHERE purpose = 'register'")).scalar_one()
    for token in (bytes(reg), bytes(code)):
        assert crypto.split_subject_token(token)[0] == me  # not the service key: erasing the person reaches it


def test_an_abandoned_registration_goes_with_the_key_made_for_it(client, rt):
    client.post("/register", data={"email": "gone@example.jp"})
    keys = rt.keyring.tables.keys
    with rt.engine.connect() as conn:
        (reg,) = conn.execute(sa.select(registrations.c.id)).scalars().all()
        assert conn.execute(sa.select(keys.c.subject).where(keys.c.subject == reg)).first() is not None
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31), tick=False):
        assert rt.purge().counts["registration_refused"] >= 1
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(registrations.c.id)).first() is None
        assert conn.execute(sa.select(keys.c.subject).where(keys.c.subject == reg)).first() is None
