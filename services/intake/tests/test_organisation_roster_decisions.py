"""The roster follows the decisions on what the organisation filed (issue 21: the expiry "from the last decision").

An approved extension moves the person's expiry to the old expiry plus the period granted (counted from the day
after it); an approved change to the day of permission plus the period (the day itself not counted), counted
again from the day the new card is issued, which also gives the entry the new card's number. The person leaves the
dashboard's "stays ending within 3 months" and the reminders count down to the new expiry. A refusal changes
nothing; a decision delivered twice or an older one arriving late leaves the entry as the latest decision set it.
Frozen clock: 6 Dec 2026 in Japan; the rows' stays end 1 Feb 2027.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine
from intake_testkit import outbox_events
from journey import sign_code
from test_organisation_filing import (
    _admin_id,
    codes_on,
    consenting_person,
    from_review,
    prepared_code,
    sign_batch,
    with_photo,
)
from test_organisation_people import ROW, signed_in_org

from intake.adapters.organisation_tables import people
from intake.adapters.tables import applications
from intake.application import organisation_drafts, organisation_people
from intake.application import organisations as orgs
from zairyu_shared.db import transaction
from zairyu_shared.stay_periods import new_expiry

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(app, rt, clock):
    return signed_in_org(app, rt)


def entry(rt, pid):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(people).where(people.c.id == pid)).one()


def filed(org, app, rt, card, email):
    pid, _person = consenting_person(org, app, rt, card, email)
    _draft, code = prepared_code(org, rt, pid, card)
    application_id = sign_code(org, code, "silva").json["application_id"]
    return pid, application_id


def decision(rt, application_id, *, procedure="extension", outcome="approved", period="P3Y", status=None, day):
    with rt.engine.connect() as conn:
        applicant_id = conn.execute(
            sa.select(applications.c.applicant_id).where(applications.c.id == application_id)
        ).scalar()
    return {
        "application_id": application_id,
        "applicant_id": applicant_id,
        "outcome": outcome,
        "procedure": procedure,
        "bureau": "tokyo",
        "granted_status": status or "engineer_humanities",
        "period_of_stay": period,
        "period_of_stay_expiry": "2027-02-01",
        "card_by_mail": True,
        "fee_yen": 4000,
        "explanation": "",
        "decided_at": day.isoformat(),
    }


def from_card_delivery(rt, event_type, payload):
    from intake.application.inbound import on_application_event
    from zairyu_shared.events import new_event

    event = new_event(event_type, payload, source="card-delivery", correlation_id=payload["application_id"])
    with transaction(rt.session_factory) as session:
        on_application_event(rt, session, event)


def ending_soon(org) -> str:
    return org.get("/org/").get_data(as_text=True).split('id="soon"')[1].split("</section>")[0]


def test_an_approved_extension_moves_the_expiry_and_the_person_leaves_the_ending_soon_list(org, app, rt, clock):
    pid, application_id = filed(org, app, rt, "AB00000001CD", "p1@example.jp")
    other, other_application = filed(org, app, rt, "AB00000002CD", "p2@example.jp")
    assert "PERSON AB00000001CD" in ending_soon(org)
    refused_day = datetime(2026, 12, 15, 2, tzinfo=UTC)
    from_review(rt, "application.decided", decision(rt, other_application, outcome="refused", day=refused_day))
    assert entry(rt, other).period_expiry == "2027-02-01"  # a refusal: the old period runs on
    # Approved on 20 Dec, 3 years: counted from the day after the old expiry (2 Feb 2027), not from the decision.
    approved = decision(rt, application_id, day=datetime(2026, 12, 20, 2, tzinfo=UTC))
    from_review(rt, "application.decided", approved)
    row = entry(rt, pid)
    assert (row.period_expiry, row.period_of_stay, row.status) == ("2030-02-01", "P3Y", "engineer_humanities")
    soon = ending_soon(org)
    assert "PERSON AB00000001CD" not in soon and "PERSON AB00000002CD" in soon
    people_page = org.get("/org/people").get_data(as_text=True)
    assert "3 years" in people_page and "P3Y" not in people_page  # the code, shown in the reader's language
    # The same decision delivered again (another event id): the same entry, not three more years.
    from_review(rt, "application.decided", approved)
    assert entry(rt, pid).period_expiry == "2030-02-01"
    # The reminders count down to the new expiry: 90 days before 1 Feb 2030, not before 1 Feb 2027.
    with transaction(rt.session_factory) as session:
        assert organisation_people.send_reminders(rt, session, today=date(2026, 12, 20)) == 1  # the other person
    with transaction(rt.session_factory) as session:
        assert organisation_people.send_reminders(rt, session, today=date(2029, 11, 3)) == 1
    due = [e["payload"] for e in outbox_events(rt, "organisation.stay_reminder_due")]
    assert [(d["person_name"], d["period_expiry"], d["days_before"]) for d in due][-1] == (
        "PERSON AB00000001CD",
        "2030-02-01",
        90,
    )


def change_draft(org, rt, pid):
    with transaction(rt.session_factory) as session:
        member = orgs.active_member(session, _admin_id(rt, org.org_id))
        fields = {k: v for k, v in ROW.items() if k != "card_number"}
        fields.update(desired_status="hsp_1b", desired_period="P5Y")
        return organisation_drafts.create(rt, session, member, pid, "change", fields)


def test_an_approved_change_counts_from_the_permission_and_again_from_the_card(org, app, rt):
    pid, _person = consenting_person(org, app, rt, "AB00000003CD", "p3@example.jp")
    draft = change_draft(org, rt, pid)
    with_photo(org, draft)
    [code] = codes_on(org.get(sign_batch(org, [draft]).headers["Location"]).data)
    application_id = sign_code(org, code, "silva").json["application_id"]
    # Granted on 16 Dec 2026 (Japan) for 1 year: the day of permission is not counted -> 16 Dec 2027.
    decided = decision(
        rt, application_id, procedure="change", period="P1Y", status="hsp_1b", day=datetime(2026, 12, 16, 1, tzinfo=UTC)
    )
    from_review(rt, "application.decided", decided)
    row = entry(rt, pid)
    assert (row.status, row.period_of_stay, row.period_expiry) == ("hsp_1b", "P1Y", "2027-12-16")
    # The card is issued on 8 Jan 2027 (Japan): the permission took effect then; the old card's number is invalid.
    with rt.engine.connect() as conn:
        applicant_id = conn.execute(
            sa.select(applications.c.applicant_id).where(applications.c.id == application_id)
        ).scalar()
    issued = {
        "application_id": application_id,
        "applicant_id": applicant_id,
        "delivery_id": "d-1",
        "occurred_at": datetime(2027, 1, 7, 16, tzinfo=UTC).isoformat(),  # 01:00 on 8 Jan in Japan
        "card_number": "CD87654321EF",
        "old_card_number": "AB00000003CD",
    }
    with time_machine.travel(datetime(2027, 1, 7, 16, tzinfo=UTC), tick=False):
        from_card_delivery(rt, "card.issued", issued)
        from_card_delivery(rt, "card.issued", issued)  # twice: the same
    row = entry(rt, pid)
    assert (row.period_expiry, row.card_number, row.status) == ("2028-01-08", "CD87654321EF", "hsp_1b")


def test_an_older_decision_arriving_after_a_newer_one_changes_nothing(org, app, rt):
    pid, first = filed(org, app, rt, "AB00000004CD", "p4@example.jp")
    _draft, code = prepared_code(org, rt, pid, "AB00000004CD")
    second = sign_code(org, code, "silva").json["application_id"]
    newer, older = datetime(2026, 12, 22, 1, tzinfo=UTC), datetime(2026, 12, 18, 1, tzinfo=UTC)
    with time_machine.travel(newer, tick=False):  # review stages the event at the decision
        from_review(rt, "application.decided", decision(rt, second, period="P5Y", day=newer))
    assert entry(rt, pid).period_expiry == "2032-02-01"
    from intake.application.inbound import on_application_event
    from zairyu_shared.events import new_event

    late = new_event(
        "application.decided",
        decision(rt, first, period="P1Y", day=older),
        source="review",
        correlation_id=first,
        occurred_at=older,  # decided on 18 Dec, delivered only now (a redelivery from a dead-letter queue)
    )
    with transaction(rt.session_factory) as session:
        on_application_event(rt, session, late)
    assert entry(rt, pid).period_expiry == "2032-02-01"


def test_the_rule_of_when_the_new_period_starts():
    # Extension: from the day after the old expiry, whenever it is granted.
    assert new_expiry("extension", "P1Y", date(2027, 2, 1), date(2026, 12, 20)) == date(2028, 2, 1)
    assert new_expiry("extension", "P1Y", date(2027, 2, 1), date(2027, 3, 15)) == date(2028, 2, 1)  # special period
    assert new_expiry("extension", "P3Y", date(2024, 2, 29), date(2024, 2, 1)) == date(2027, 2, 28)
    assert new_expiry("extension", "P1Y3M", date(2026, 11, 30), date(2026, 11, 1)) == date(2028, 2, 29)
    assert new_expiry("extension", "P90D", date(2027, 2, 1), date(2027, 1, 10)) == date(2027, 5, 2)
    # Change: from the day of permission, not counted (16 Jan 2017 + 1 year = 16 Jan 2018).
    assert new_expiry("change", "P1Y", None, date(2017, 1, 16)) == date(2018, 1, 16)
    assert new_expiry("change", "P3M", None, date(2025, 11, 30)) == date(2026, 2, 28)  # from 1 Dec: whole months
    assert new_expiry("change", "P90D", None, date(2026, 5, 1)) == date(2026, 7, 30)
    # Unknown: indefinite, a period given only as text, another procedure, an extension without its old expiry.
    assert new_expiry("change", "indefinite", None, date(2026, 5, 1)) is None
    assert new_expiry("change", "1 year", None, date(2026, 5, 1)) is None
    assert new_expiry("coe", "P1Y", None, date(2026, 5, 1)) is None
    assert new_expiry("extension", "P1Y", None, date(2026, 5, 1)) is None
