"""Who may correct or withdraw an application an organisation filed (issue 21; the rule and its sources: review's
domain/follow_up.py): the person, with their own card, from their account; the filing organisation's active staff,
with a card in their staff session or with a fresh TOTP code. A card that is not the account holder's is refused
with a clear message, as are a removed member and another organisation."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime

import pyotp
import pytest
import sqlalchemy as sa
import time_machine
from intake_testkit import outbox_events
from journey import sign_code
from test_organisation_people import _admin_id, make_org, sign_in, signed_in_org
from test_organisation_staff_filing import TODAY, file, fresh_code, ready_draft

from intake.adapters.organisation_tables import organisation_staff
from intake.adapters.tables import applications
from zairyu_shared.db import transaction
from zairyu_shared.events import parse_message


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def org(app, rt, clock):
    """The organisation's administrator, signed in (as test_organisation_staff_filing's)."""
    return signed_in_org(app, rt)


def filed_without_a_card(org, app, rt, clock, n=1):
    """An application the organisation filed for person n without a card, and the person's own browser."""
    _pid, draft, person = ready_draft(org, app, rt, n)
    assert file(org, [draft], fresh_code(org, clock)).status_code == 302
    with rt.engine.connect() as conn:
        application_id = conn.execute(
            sa.select(applications.c.id).order_by(applications.c.submitted_at.desc())
        ).scalar()
    return application_id, person


def follow_ups(rt, event_type="application.withdrawn"):
    return [parse_message(json.dumps(e)) for e in outbox_events(rt, event_type)]


def code_of(response) -> str:
    assert response.status_code == 302 and "/sign/" in response.headers["Location"], response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def test_the_person_withdraws_with_their_own_card_and_another_card_is_refused(org, app, rt, clock):
    application_id, person = filed_without_a_card(org, app, rt, clock)
    code = code_of(person.post(f"/applications/{application_id}/withdrawal", data={"message": "going home"}))
    refused = sign_code(person, code, "silva")  # a valid card, but not the account holder's
    assert refused.status_code == 422 and refused.json["error"] == "follow.other_card"
    page = person.get(f"/sign/{code}").get_data(as_text=True)
    assert "This card is not the account holder&#39;s" in page
    assert follow_ups(rt) == []  # nothing reaches the bureau
    code = code_of(person.post(f"/applications/{application_id}/withdrawal", data={"message": "going home"}))
    assert sign_code(person, code, "AB00000001CD").json["ok"]  # the person's own card
    [event] = follow_ups(rt)
    assert event.version == 2 and event.data["requested_by"]["role"] == "applicant"
    assert event.data["expected_holder"]["name"] == "PERSON AB00000001CD"  # review checks the card against it


def test_the_organisations_staff_withdraw_without_a_card(org, app, rt, clock):
    from signing.domain import attestation

    application_id, person = filed_without_a_card(org, app, rt, clock)
    dashboard = org.get("/org/").get_data(as_text=True)
    assert f"/org/applications/{application_id}/follow-up" in dashboard
    page = org.get(f"/org/applications/{application_id}/follow-up").get_data(as_text=True)
    assert "PERSON AB00000001CD" in page and "Send without a card" in page and "Sign with a card" in page
    url = f"/org/applications/{application_id}/follow-up/code"
    wrong = org.post(url, data={"action": "withdrawal", "message": "contract ended", "code": "000000"})
    assert wrong.status_code == 400 and "This code is wrong" in wrong.get_data(as_text=True)
    sent = org.post(url, data={"action": "withdrawal", "message": "contract ended", "code": fresh_code(org, clock)})
    assert sent.status_code == 302 and "sent=withdrawal" in sent.headers["Location"]
    assert "Sent to the bureau" in org.get(sent.headers["Location"]).get_data(as_text=True)
    [event] = follow_ups(rt)
    data = event.data
    assert data["signature_cms_b64"] is None and data["expected_holder"] is None
    assert data["requested_by"]["role"] == "organisation_staff"
    assert data["requested_by"]["staff_id"] == _admin_id(rt, org.org_id)
    assert data["authentication"]["organisation_staff"]["organisation_id"] == org.org_id
    # What signing makes of it for review: the staff session written in the bytes, fresh, in the approval.
    content = base64.b64decode(data["signed_content_b64"])
    judged = {**data, "requested_at": data["withdrawn_at"]}
    assert attestation.judge_follow_up(judged, content).accepted
    # The person sees it on their application.
    assert "Withdrawal requested" in person.get(f"/applications/{application_id}").get_data(as_text=True)
    # Nothing more to withdraw: the page says so and sends nothing.
    again = org.post(url, data={"action": "withdrawal", "message": "", "code": fresh_code(org, clock)})
    assert again.status_code == 400 and len(follow_ups(rt)) == 1


def test_the_organisations_staff_ask_for_a_correction_with_a_card(org, app, rt, clock):
    application_id, _person = filed_without_a_card(org, app, rt, clock)
    url = f"/org/applications/{application_id}/follow-up/card"
    empty = org.post(url, data={"action": "correction", "message": " "})
    assert empty.status_code == 400 and "This field is required" in empty.get_data(as_text=True)
    code = code_of(org.post(url, data={"action": "correction", "message": "the employer moved"}))
    assert "zairyu-signer redeem" in org.get(f"/sign/{code}").get_data(as_text=True)
    assert sign_code(org, code, "silva").json["ok"]  # the staff member's own card
    [event] = follow_ups(rt, "application.correction_requested")
    assert event.data["requested_by"]["organisation_id"] == org.org_id
    assert event.data["expected_holder"]["name"] == "SILVA MARIA" and event.data["signature_cms_b64"]
    assert event.data["message"] == "the employer moved"


def test_a_removed_member_and_another_organisation_are_refused(org, app, rt, clock):
    application_id, _person = filed_without_a_card(org, app, rt, clock)
    other = app.test_client()
    _other_id, secret = make_org(other, rt, email="admin@other.example")
    assert sign_in(other, "admin@other.example", secret).status_code == 302
    assert other.get(f"/org/applications/{application_id}/follow-up").status_code == 404
    code_url = f"/org/applications/{application_id}/follow-up/code"
    stolen = other.post(code_url, data={"action": "withdrawal", "code": pyotp.TOTP(secret).now()})
    assert stolen.status_code == 404
    # A code made while a member, signed after they were removed: refused when the signature arrives.
    code = code_of(org.post(f"/org/applications/{application_id}/follow-up/card", data={"action": "withdrawal"}))
    with transaction(rt.session_factory) as session:
        session.execute(
            organisation_staff.update()
            .where(organisation_staff.c.id == _admin_id(rt, org.org_id))
            .values(removed_at=datetime.now(UTC))
        )
    refused = sign_code(org, code, "silva")
    assert refused.status_code == 422 and refused.json["error"] == "org.error.staff_removed"
    assert org.get(f"/org/applications/{application_id}/follow-up").status_code == 302  # signed out at once
    assert follow_ups(rt) == [] and re.search(r"withdraw", json.dumps(outbox_events(rt))) is None
