"""An applicant can never read another's application, draft or file: 404, not 403 (no existence leak)."""

from __future__ import annotations

import sqlalchemy as sa
from journey import API, fill_draft, register, submit

from intake.adapters.tables import attachments
from intake.bootstrap import ports


def test_other_applicants_things_do_not_exist_for_me(app, rt):
    nguyen, silva = app.test_client(), app.test_client()
    register(nguyen, rt)
    draft_id = fill_draft(nguyen)
    _, answer = submit(nguyen, draft_id)
    app_id = answer.json["application_id"]
    other_draft = fill_draft(nguyen)
    with rt.engine.connect() as conn:
        file_id = (
            conn.execute(sa.select(attachments.c.id).where(attachments.c.application_id == app_id)).scalars().first()
        )
    assert nguyen.get(f"/files/{file_id}").status_code == 200

    register(silva, rt, holder="silva", email="maria@example.jp")
    for path in [
        f"/applications/{app_id}",
        f"/applications/{app_id}/copy.pdf",
        f"/applications/{app_id}/correction",
        f"/files/{file_id}",
        f"/apply/{other_draft}/step/0",
        f"/apply/{other_draft}/review",
        f"/apply/{other_draft}/attachments",
        f"/apply/{other_draft}/draft.pdf",
        f"/api/v1/applications/{app_id}",
        f"/api/v1/drafts/{other_draft}",
        f"/drafts/{other_draft}/delete",
    ]:
        assert silva.get(path).status_code == 404, path
    for path, data in [
        (f"/applications/{app_id}/withdrawal", {"message": "x"}),
        (f"/drafts/{other_draft}/autosave", {"nationality": "x"}),
        (f"/drafts/{other_draft}/delete", {}),
        (f"/drafts/{other_draft}/restore", {}),
        (f"/apply/{other_draft}/step/0", {"nationality": "x"}),
    ]:
        assert silva.post(path, data=data).status_code == 404, path
    assert silva.put(f"/api/v1/drafts/{other_draft}", json={"fields": {"a": "b"}}, headers=API).status_code == 404
    assert silva.get("/api/v1/applications").json == []
    assert app_id not in silva.get("/applications").data.decode()
    # Nguyen's draft is untouched by Silva's attempts.
    assert nguyen.get(f"/apply/{other_draft}/step/0").status_code == 200
    assert nguyen.get(f"/apply/{other_draft}/draft.pdf").status_code == 200


def test_pages_need_login(client):
    for path in ["/applications", "/apply", "/inbox", "/account", "/drafts"]:
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path
    assert client.get("/api/v1/applications").status_code == 401


def test_internal_attachment_endpoint_is_byte_exact_and_internal_only(app, rt):
    client = app.test_client()
    register(client, rt)
    fill_draft(client)
    with rt.engine.connect() as conn:
        sha = conn.execute(sa.select(attachments.c.sha256).where(attachments.c.kind == "passport")).scalar()
    stored = ports(rt).store.get(sha)
    internal = app.test_client()
    got = internal.get(f"/internal/v1/attachments/{sha}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert got.status_code == 200 and got.data == stored
    import hashlib

    assert hashlib.sha256(got.data).hexdigest() == sha
    assert (
        internal.get(f"/internal/v1/attachments/{sha}", environ_base={"REMOTE_ADDR": "133.242.0.1"}).status_code == 404
    )
    via_proxy = internal.get(
        f"/internal/v1/attachments/{sha}",
        headers={"X-Forwarded-For": "1.2.3.4"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert via_proxy.status_code == 404
    assert internal.get("/internal/v1/attachments/" + "0" * 64).status_code == 404
    assert internal.get("/internal/v1/attachments/../../etc/passwd").status_code == 404
