"""What a draft may hold (issue 15): only its form's fields, each bounded, and at most 20 open drafts.

A draft kept any key of any length up to the request cap: one PUT wrote a 27 MB row, and an account could
open drafts without end. Refusals say what is wrong in the person's language, on the page and in /api/v1.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from journey import API, register

from intake.adapters.tables import drafts
from intake.application import draft_limits


def _draft(client, procedure="extension") -> str:
    return client.post("/api/v1/drafts", json={"procedure": procedure}, headers=API).json["id"]


def _stored(rt, draft_id) -> dict:
    with rt.engine.connect() as conn:
        return json.loads(conn.execute(sa.select(drafts.c.data).where(drafts.c.id == draft_id)).scalar())


def test_api_refuses_fields_the_form_does_not_have_and_values_far_too_long(client, rt):
    register(client, rt)
    draft_id = _draft(client)
    ok = client.put(f"/api/v1/drafts/{draft_id}", json={"fields": {"reason": "Renewal of my contract."}}, headers=API)
    assert ok.status_code == 200
    stuffed = client.put(f"/api/v1/drafts/{draft_id}", json={"fields": {"x" * 1000: "y" * 5_000_000}}, headers=API)
    assert stuffed.status_code == 422 and stuffed.json["error"] == "draft.refused"
    assert list(stuffed.json["fields"].values()) == ["This application form has no such field."]
    long = client.put(
        f"/api/v1/drafts/{draft_id}", json={"fields": {"reason": "a" * 8001, "phone": "090"}}, headers=API
    )
    assert long.status_code == 422 and long.json["fields"] == {"reason": "This is too long."}
    many = client.put(f"/api/v1/drafts/{draft_id}", json={"fields": {f"k{i}": "v" for i in range(10_000)}}, headers=API)
    assert many.status_code == 422
    # a field of another procedure is not this draft's (a COE's invitee on an extension)
    other = client.put(f"/api/v1/drafts/{draft_id}", json={"fields": {"invitee_name": "X"}}, headers=API)
    assert other.status_code == 422 and "invitee_name" in other.json["fields"]
    assert _stored(rt, draft_id) == {"filer_role": "self", "reason": "Renewal of my contract."}  # nothing else saved
    # raw input up to twice the field's limit is kept: the form then says "too long" and it can be shortened
    assert (
        client.put(f"/api/v1/drafts/{draft_id}", json={"fields": {"reason": "a" * 8000}}, headers=API).status_code
        == 200
    )
    # POST /drafts with fields: refused as a whole, no draft left behind
    before = len(client.get("/api/v1/applications").json)
    created = client.post("/api/v1/drafts", json={"procedure": "extension", "fields": {"nope": "1"}}, headers=API)
    assert created.status_code == 422 and created.json["error"] == "draft.refused"
    assert len(client.get("/api/v1/applications").json) == before
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(drafts)).scalar() == 1


def test_every_field_the_form_can_show_is_accepted():
    from intake.domain import filers, form, procedures

    for procedure in procedures.MAIN:
        for role in filers.ROLES:
            choice = form.Choice(procedure, (), role)
            allowed = draft_limits.allowed_fields(choice)
            for status in ("engineer_specialist", "student", "spouse_of_japanese", None):
                for section in form.sections_for(choice, status):
                    assert {f.name for f in form.fields_for(choice, section)} <= set(allowed), (
                        procedure,
                        role,
                        section,
                    )


def test_at_most_twenty_open_drafts_and_the_refusal_is_in_the_person_s_language(client, rt):
    register(client, rt)
    for _ in range(draft_limits.MAX_OPEN_DRAFTS):
        assert client.post("/api/v1/drafts", json={"procedure": "extension"}, headers=API).status_code == 201
    refused = client.post("/api/v1/drafts", json={"procedure": "extension"}, headers={**API, "Accept-Language": "ja"})
    assert refused.status_code == 422 and refused.json["error"] == "draft.too_many"
    assert "20" in refused.json["message"] and "下書き" in refused.json["message"]
    page = client.post("/apply", data={"procedure": "extension"})
    assert "You already have 20 unfinished drafts" in page.get_data(as_text=True)
    client.post(f"/drafts/{_draft_ids(rt)[0]}/delete")  # deleting one frees a place
    assert client.post("/api/v1/drafts", json={"procedure": "extension"}, headers=API).status_code == 201


def _draft_ids(rt) -> list[str]:
    with rt.engine.connect() as conn:
        return [r.id for r in conn.execute(sa.select(drafts.c.id))]


def test_web_form_and_autosave_refuse_with_a_message(client, rt):
    register(client, rt)
    draft_id = _draft(client)
    auto = client.post(f"/drafts/{draft_id}/autosave", data={"hacker": "z" * 100_000, "reason": "ok"})
    assert (
        auto.status_code == 422
        and auto.json["saved"] is False
        and auto.json["fields"] == {"hacker": "This application form has no such field."}
    )
    assert client.post(f"/drafts/{draft_id}/autosave", data={"reason": "ok"}).json == {"saved": True}
    sections = [client.get(f"/apply/{draft_id}/step/{n}") for n in range(3)]
    n = next(i for i, page in enumerate(sections) if 'name="reason"' in page.get_data(as_text=True))
    page = client.post(f"/apply/{draft_id}/step/{n}", data={"reason": "r" * 50_000})
    assert page.status_code == 400 and "This is too long." in page.get_data(as_text=True)
    assert _stored(rt, draft_id)["reason"] == "ok"
