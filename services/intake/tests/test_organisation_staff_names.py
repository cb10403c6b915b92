"""Staff accounts have a name (issue 21): the administrator gives theirs when applying for use and may give a new
member's when inviting; the member confirms or corrects it when accepting. Encrypted at rest like the e-mail
address, it names the staff member to the officer on what they file or send without a card (application.submitted's
filer, a correction's or withdrawal's requested_by); before, the officer read "所属機関の職員: (Org …)" with no name."""

from __future__ import annotations

import json
import re

import pyotp
import pytest
import sqlalchemy as sa
import time_machine
from intake_testkit import outbox_events
from test_organisation_people import CORPORATE, PASSWORD, make_org, sign_in
from test_organisation_staff_filing import TODAY, file, fresh_code, ready_draft

from intake.adapters.organisation_tables import organisation_staff
from intake.adapters.tables import applications
from zairyu_shared.events import parse_message


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=True) as traveller:
        yield traveller


def invited(org, app, rt, email, name=None, accepted_name=None):
    """An invited member who accepted (signed in): their client, with the authenticator secret."""
    data = {"email": email, "language": "vi"}
    if name is not None:
        data["name"] = name
    assert org.post("/org/staff", data=data).status_code == 302
    link = [e for e in outbox_events(rt, "organisation.staff_invited") if e["payload"]["email"] == email][-1]
    path = link["payload"]["invite_url"].split("http://intake.test")[1]
    member = app.test_client()
    page = member.get(path).get_data(as_text=True)
    form = {"password": "another long password"}
    if accepted_name is not None:
        form["name"] = accepted_name
    joined = member.post(path, data=form)
    assert joined.status_code == 200, joined.data[:500]
    member.secret = re.search(rb"<code>([A-Z2-7]+)</code>", joined.data).group(1).decode()
    assert sign_in(member, email, member.secret, "another long password").status_code == 302
    return member, page


def stored_names(rt) -> tuple[dict[str, str | None], list[bytes]]:
    with rt.engine.connect() as conn:
        rows = conn.execute(sa.select(organisation_staff.c.email, organisation_staff.c.name)).all()
        raw = conn.execute(sa.text("SELECT name FROM organisation_staff WHERE name IS NOT NULL")).scalars().all()
    return {r.email: r.name for r in rows}, [bytes(r) for r in raw]


def test_names_are_asked_kept_encrypted_and_listed(app, rt, clock):
    admin = app.test_client()
    form = {
        "name": "Org of a",
        "kind": "employer",
        "address": "東京都港区港南5-5-30",
        "corporate_number": CORPORATE,
        "email": "a@sample.example",
        "password": PASSWORD,
    }
    assert "Your name (administrator)" in admin.get("/org/apply").get_data(as_text=True)
    assert admin.post("/org/apply", data={**form, "admin_name": "山田 花子"}).status_code == 200
    with rt.engine.connect() as conn:
        secret = conn.execute(sa.select(organisation_staff.c.totp_secret)).scalar()
    assert sign_in(admin, "a@sample.example", secret).status_code == 302
    # The administrator names the invitee; the invitee sees it and corrects it.
    _member, page = invited(admin, app, rt, "tran@sample.example", name="Tran Binh", accepted_name="TRAN THI  BINH ")
    assert 'value="Tran Binh"' in page and "Your name" in page
    # Left as it was: the administrator's; not given at all: none.
    invited(admin, app, rt, "le@sample.example", name="LE VAN C")
    invited(admin, app, rt, "kim@sample.example")
    names, raw = stored_names(rt)
    assert names == {
        "a@sample.example": "山田 花子",
        "tran@sample.example": "TRAN THI BINH",
        "le@sample.example": "LE VAN C",
        "kim@sample.example": None,
    }
    assert raw and not any(b"TRAN" in r or "山田".encode() in r for r in raw)  # encrypted at rest
    listing = admin.get("/org/staff").get_data(as_text=True)
    assert "TRAN THI BINH" in listing and "山田 花子" in listing and "Name not given" in listing
    too_long = admin.post("/org/staff", data={"email": "x@sample.example", "name": "x" * 201})
    assert too_long.status_code == 400 and "This is too long" in too_long.get_data(as_text=True)


def test_the_officer_is_told_the_staff_members_name(app, rt, clock):
    org = app.test_client()
    org_id, secret = make_org(org, rt)
    assert sign_in(org, "admin@sample.example", secret).status_code == 302
    org.org_id = org_id
    member, _page = invited(org, app, rt, "tran@sample.example", accepted_name="TRAN THI BINH")
    member.org_id, member.secret = org_id, member.secret
    _pid, draft, _person = ready_draft(member, app, rt, 1)
    assert file(member, [draft], fresh_code(member, clock)).status_code == 302
    [submitted] = [parse_message(json.dumps(e)) for e in outbox_events(rt, "application.submitted")]
    assert submitted.data["filer"]["name"] == "TRAN THI BINH"
    assert submitted.data["authentication"]["method"] == "organisation_staff"
    with rt.engine.connect() as conn:
        application_id = conn.execute(sa.select(applications.c.id)).scalar()
    clock.shift(31)
    sent = member.post(
        f"/org/applications/{application_id}/follow-up/code",
        data={"action": "withdrawal", "message": "", "code": pyotp.TOTP(member.secret).now()},
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[:800]
    [withdrawn] = outbox_events(rt, "application.withdrawn")
    assert withdrawn["payload"]["requested_by"]["staff_name"] == "TRAN THI BINH"
