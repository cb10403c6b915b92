"""A notice is written in its applicant's language and greets them by name, as the directory holds them: read with
the application in the statement that keeps or reads it (issue 24), or alone when the application is unknown here.
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import samples
import sqlalchemy as sa
from notify_testkit import deliver, migrated_runtime

from notify.adapters.tables import notices


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, tmp_path):
    with migrated_runtime(request.param, tmp_path, "zt_notify_addressee") as rt:
        yield rt


def inbox_notice(rt, application: str, notice_type: str):
    with rt.engine.connect() as conn:
        return conn.execute(
            sa.select(notices.c.language, notices.c.body_text).where(
                notices.c.application_id == application,
                notices.c.notice_type == notice_type,
                notices.c.channel == "inbox",
            )
        ).one()


def applicant_reads(rt, events) -> int:
    """Statements reading the directory's applicants while ``events`` are delivered (upserts left out)."""
    seen: list[str] = []

    def listen(_conn, _cursor, sql, *_args):
        seen.append(sql)

    sa.event.listen(rt.engine, "before_cursor_execute", listen)
    try:
        deliver(rt, *events)
    finally:
        sa.event.remove(rt.engine, "before_cursor_execute", listen)
    return sum(1 for sql in seen if sql.lstrip().startswith("SELECT") and "applicants" in sql)


def test_the_applicant_is_read_with_the_application(runtime):
    deliver(runtime, samples.registered(language="vi"))
    # Kept (upsert) and read (a decision): the applicant comes with the application's row.
    assert applicant_reads(runtime, [samples.received()]) == 0
    assert applicant_reads(runtime, [samples.decided()]) == 1  # the application's SELECT, with its applicant
    for notice_type in ("application_received", "decision_approved"):
        language, text = inbox_notice(runtime, samples.APPLICATION, notice_type)
        assert language == "vi" and samples.NAME in text, notice_type
    # An application this service has not heard of: the applicant is looked up alone.
    assert applicant_reads(runtime, [samples.decided(application="unknown-app")]) == 2
    language, text = inbox_notice(runtime, "unknown-app", "decision_approved")
    assert language == "vi" and samples.NAME in text


def test_an_applicant_not_registered_yet_gets_the_bilingual_notice_without_a_name(runtime):
    deliver(runtime, samples.registered(language="vi"))  # another applicant
    deliver(runtime, samples.received(applicant="stranger", application="app-s"))
    deliver(runtime, samples.decided(applicant="stranger", application="app-s"))
    for notice_type in ("application_received", "decision_approved"):
        language, text = inbox_notice(runtime, "app-s", notice_type)
        assert language == "ja+en" and samples.NAME not in text, notice_type


def test_the_registered_full_width_name_is_greeted_in_the_width_people_read(runtime):
    """The name intake sends is the signature certificate's, written full-width as the resident register writes it.
    Found 2026-12-07 (session 20): the in-account notice read "Kính gửi ＮＧＵＹＥＮ　ＶＡＮ　ＡＮ," (the journey's
    screenshot); the tests' sample name was half-width, so none saw it."""
    deliver(runtime, samples.registered(language="vi", name="ＮＧＵＹＥＮ　ＶＡＮ　ＡＮ"))
    deliver(runtime, samples.received())
    _, text = inbox_notice(runtime, samples.APPLICATION, "application_received")
    assert "Kính gửi NGUYEN VAN AN," in text and "ＮＧＵＹＥＮ" not in text
    with runtime.engine.connect() as conn:
        mail = conn.execute(
            sa.select(notices.c.body_text, notices.c.body_html).where(
                notices.c.application_id == samples.APPLICATION, notices.c.channel == "email"
            )
        ).first()
    assert "NGUYEN VAN AN" in mail.body_text and "ＮＧＵＹＥＮ" not in mail.body_text + (mail.body_html or "")


@pytest.mark.parametrize(
    "registered, greeted",
    [
        ("サントス　マリア　クルス", "サントス マリア クルス"),  # katakana stays; the ideographic space is a space
        ("王　偉", "王 偉"),
        ("ｻﾝﾄｽ ﾏﾘｱ", "サントス マリア"),  # half-width katakana made full
        ("  ", None),
        (None, None),
    ],
)
def test_addressee_name(registered, greeted):
    from notify.domain.formatting import addressee_name

    assert addressee_name(registered) == greeted
