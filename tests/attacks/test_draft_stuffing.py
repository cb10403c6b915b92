"""Stuffing drafts (issue 15): a draft took any key of any length up to the request cap, and an account
any number of drafts, so one applicant could write gigabytes into intake's database. Now only the form's
own fields, each bounded, 20 open drafts: the refusal is a 4xx with a reason and nothing is written."""

from __future__ import annotations

import sqlalchemy as sa
from attack_support import API_HEADERS, build_service_app, csrf_token, intake_applicant, runtime_of


def _bytes_stored(app) -> int:
    from intake.adapters.tables import drafts

    with runtime_of(app).engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(sa.func.length(drafts.c.data)), 0))).scalar())


def test_a_draft_cannot_be_stuffed_and_drafts_cannot_be_multiplied(tmp_path):
    app = build_service_app("intake", tmp_path)
    _, client = intake_applicant(app, "nguyen", "stuffer@example.jp")
    draft_id = client.post("/api/v1/drafts", json={"procedure": "extension"}, headers=API_HEADERS).get_json()["id"]
    token = csrf_token(client, f"/apply/{draft_id}/step/0")
    before = _bytes_stored(app)
    attacks = [
        {"reason": "r" * 5_000_000},
        {"notes": "n" * 5_000_000},
        {f"f{i}": "x" * 500 for i in range(5_000)},
        {"__proto__": "1"},
        {"filer_role": "self", "x" * 100_000: "1"},
    ]
    for fields in attacks:
        r = client.put(f"/api/v1/drafts/{draft_id}", json={"fields": fields}, headers=API_HEADERS)
        assert r.status_code == 422 and r.get_json()["error"] == "draft.refused", (list(fields)[:1], r.status_code)
        form = client.post(f"/drafts/{draft_id}/autosave", data={**fields, "csrf_token": token})
        assert form.status_code == 422 and form.get_json()["saved"] is False, form.status_code
    assert _bytes_stored(app) == before
    made = [
        client.post("/api/v1/drafts", json={"procedure": "extension"}, headers=API_HEADERS).status_code
        for _ in range(40)
    ]
    assert made.count(201) == 19 and set(made[19:]) == {422}  # 20 open drafts in all, then refused
