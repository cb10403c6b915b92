"""Deleting a draft asks first, with what would be lost, and can be undone for a while (issue 18).

Before: one tap on "Delete" in the list removed the draft and its attachments at once, for good.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from journey import API, code_from, fill_draft, register, review_key, sign_code

from intake.adapters.tables import attachments, drafts
from intake.application import drafting
from intake.application.common import now


def _rows(rt, table) -> int:
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def test_delete_asks_first_with_a_summary_and_the_list_only_links_to_it(client, rt):
    register(client, rt)
    draft_id = fill_draft(client)
    listing = client.get("/drafts").get_data(as_text=True)
    assert f'href="/drafts/{draft_id}/delete"' in listing and f'action="/drafts/{draft_id}/delete"' not in listing
    page = client.get(f"/drafts/{draft_id}/delete", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Delete this draft?" in text
    assert "Extension of period of stay" in text and "me.jpg" in text  # what, and which files, would go
    assert 'method="post"' in text and 'href="/drafts"' in text  # confirm, or keep it
    assert _rows(rt, drafts) == 1 and client.get(f"/apply/{draft_id}/step/0").status_code == 200  # GET deletes nothing


def test_a_deleted_draft_disappears_and_comes_back_with_undo(client, rt):
    register(client, rt)
    draft_id = fill_draft(client)
    files = _rows(rt, attachments)
    done = client.post(f"/drafts/{draft_id}/delete")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/drafts?deleted={draft_id}")
    assert client.get(f"/apply/{draft_id}/step/0").status_code == 404
    assert client.get(f"/api/v1/drafts/{draft_id}", headers=API).status_code == 404
    listing = client.get(done.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Draft deleted." in listing and f'action="/drafts/{draft_id}/restore"' in listing
    assert client.post(f"/drafts/{draft_id}/restore").status_code == 302
    assert client.get(f"/apply/{draft_id}/step/0").status_code == 200
    assert _rows(rt, attachments) == files  # the attachments came back with it
    key = review_key(client, draft_id)  # and it can still be signed and submitted
    assert (
        sign_code(
            client, code_from(client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": key})), "nguyen"
        ).json["ok"]
        is True
    )


def test_after_the_undo_window_the_draft_is_gone_with_its_attachments(client, rt):
    register(client, rt)
    old = fill_draft(client)
    client.post(f"/drafts/{old}/delete")
    with rt.engine.begin() as conn:
        conn.execute(
            drafts.update()
            .where(drafts.c.id == old)
            .values(deleted_at=now() - drafting.UNDO_WINDOW - timedelta(seconds=1))
        )
    assert client.post(f"/drafts/{old}/restore").status_code == 404  # too late
    assert f"/drafts/{old}/restore" not in client.get("/drafts").get_data(as_text=True)
    other = fill_draft(client, photo=False)
    client.post(f"/drafts/{other}/delete")  # the next deletion removes the expired one for good
    with rt.engine.connect() as conn:
        ids = set(conn.execute(sa.select(drafts.c.id)).scalars())
        left = conn.execute(
            sa.select(sa.func.count()).select_from(attachments).where(attachments.c.draft_id == old)
        ).scalar()
    assert old not in ids and other in ids and left == 0


def test_signing_a_draft_deleted_after_the_code_was_made_submits_nothing(client, rt):
    register(client, rt)
    draft_id = fill_draft(client)
    code = code_from(client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": review_key(client, draft_id)}))
    client.post(f"/drafts/{draft_id}/delete")
    answer = sign_code(client, code, "nguyen")
    assert answer.json["ok"] is False and answer.json["error"] == "signing.expired"
