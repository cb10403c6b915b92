"""A closed account: notify forgets the person's contact details, numbers and notices; another person's stay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from notify.adapters.tables import applicants, applications, notices
from notify.application.personal_data import account_closed as on_account_closed
from zairyu_shared.events import new_event

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def _person(s, aid: str) -> None:
    s.execute(
        applicants.insert().values(
            applicant_id=aid, email=f"{aid}@example.jp", language="vi", display_name=aid, updated_at=NOW
        )
    )
    s.execute(applications.insert().values(application_id=f"app-{aid}", applicant_id=aid))
    for recipient in (f"applicant:{aid}", "bureau:tokyo"):
        s.execute(
            notices.insert().values(
                id=str(uuid.uuid4()),
                event_id=str(uuid.uuid4()),
                event_type="application.received",
                notice_type="received",
                channel="email",
                recipient=recipient,
                applicant_id=aid,
                language="vi",
                subject="s",
                body_text="b",
                body_html="b",
                state="sent",
                created_at=NOW,
                updated_at=NOW,
                sent_at=NOW,
            )
        )


def test_a_closed_account_leaves_nothing_of_the_person_but_the_bureaus_mail(rt):
    with rt.session_factory() as s, s.begin():
        _person(s, "an")
        _person(s, "bo")
    event = new_event(
        "applicant.account_closed", {"applicant_id": "an", "closed_at": NOW}, source="intake", correlation_id="an"
    )
    with rt.session_factory() as s, s.begin():
        on_account_closed(rt, s, event)
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(applicants.c.applicant_id)).scalars().all() == ["bo"]
        assert conn.execute(sa.select(applications.c.applicant_id)).scalars().all() == ["bo"]
        left = set(conn.execute(sa.select(notices.c.recipient, notices.c.applicant_id)).all())
    assert left == {("applicant:bo", "bo"), ("bureau:tokyo", "bo"), ("bureau:tokyo", "an")}
    if rt.keyring is not None:  # per-person data keys: theirs is destroyed, the backups' copies unreadable
        with rt.engine.connect() as conn:
            assert rt.keyring.is_erased(conn, "an") and not rt.keyring.is_erased(conn, "bo")
