"""Who opened my file (issue 22): review's access entries arrive as events; each applicant sees exactly their own,
in their language, each checked against a signed tree head; a changed entry is not shown as proven."""

from __future__ import annotations

import base64
import uuid

import pytest
from following_scenario import emit
from journey import fill_draft, register, submit

from zairyu_shared import access_log as fmt
from zairyu_shared import merkle
from zairyu_shared.testing import SoftKey, wait_until


def entry(app_id, purpose="examination", kind="read", office="tokyo", at="2026-12-07T01:30:00+00:00"):
    return {
        "v": 1,
        "at": at,
        "application_id": app_id,
        "officer": "K7Q2-M9XD",
        "role": "examiner",
        "office": office,
        "kind": kind,
        "action": "case.viewed",
        "purpose": purpose,
    }


def publish(rt, owned, key, tamper=None):
    """What review does at a tree head: the head, then each entry with its proof against it."""
    entries = [e for _app, _applicant, e in owned]
    leaves = [merkle.leaf_hash(fmt.entry_bytes(e)) for e in entries]
    head = fmt.sign_tree_head(len(leaves), merkle.root_from_leaf_hashes(leaves), "2026-12-07T01:45:00Z", key)
    emit(
        rt,
        "access.tree_head_published",
        "review",
        {
            **{k: v for k, v in head.as_dict().items() if k != "v"},
            "public_key": base64.b64encode(key.public_key_der).decode(),
        },
        "tree-head",
    )
    for i, (app_id, applicant_id, e) in enumerate(owned):
        shown = dict(e, purpose="legal_request") if tamper == i else e
        emit(
            rt,
            "application.accessed",
            "review",
            {
                "application_id": app_id,
                "applicant_id": applicant_id,
                "leaf_index": i,
                "entry": shown,
                "tree_size": head.tree_size,
                "root_hash": head.root_hash,
                "inclusion_proof": [p.hex() for p in merkle.inclusion_proof(i, leaves)],
            },
            app_id,
        )


def _applicant(app, rt, holder="nguyen", email="an@example.jp"):
    client = app.test_client()
    applicant_id = register(client, rt, holder=holder, email=email)
    _, answer = submit(client, fill_draft(client), holder=holder)
    return client, applicant_id, answer.json["application_id"]


def test_each_applicant_sees_exactly_their_own_accesses_proven(app, rt):
    nguyen, nguyen_id, nguyen_app = _applicant(app, rt)
    silva, silva_id, silva_app = _applicant(app, rt, holder="silva", email="maria@example.jp")
    rt.start_background()
    owned = [
        (nguyen_app, nguyen_id, entry(nguyen_app)),
        (silva_app, silva_id, entry(silva_app, purpose="legal_request", office="yokohama")),
        (nguyen_app, nguyen_id, entry(nguyen_app, purpose="supervision", kind="handover")),
    ]
    publish(rt, owned, SoftKey("log-test"))
    wait_until(lambda: nguyen.get("/access-log").data.decode().count("✓") == 2, message="two proven entries")
    page = nguyen.get("/access-log", headers={"Accept-Language": "en"}).data.decode()
    assert "officer K7Q2-M9XD" in page and "Examination of the application" in page
    assert "Handed the file to another office" in page and "Supervision of the examination" in page
    assert "Tokyo Regional Immigration Services Bureau" in page and "10:30" in page  # Japan time (01:30 UTC)
    assert "A request under the law" not in page and "横浜" not in page  # Silva's entry is not Nguyen's
    wait_until(lambda: "✓" in silva.get("/access-log").data.decode(), message="silva's entry")
    other = silva.get("/access-log").data.decode()
    assert other.count("✓") == 1 and "横浜支局" in other


def test_a_changed_entry_is_not_shown_as_proven(app, rt):
    client, applicant_id, app_id = _applicant(app, rt)
    rt.start_background()
    publish(
        rt,
        [(app_id, applicant_id, entry(app_id)), (app_id, applicant_id, entry(app_id, purpose="audit"))],
        SoftKey("log-test"),
        tamper=1,
    )
    wait_until(lambda: client.get("/access-log").data.decode().count("<li>") == 2, message="both entries")
    page = client.get("/access-log", headers={"Accept-Language": "en"}).data.decode()
    assert page.count("✓") == 1 and "Not checked yet" in page


@pytest.mark.parametrize(
    "lang,word", [("vi", "Ai đã mở hồ sơ của tôi"), ("ja", "私のファイルを見た人"), ("ne", "मेरो फाइल कसले खोल्यो")]
)
def test_the_page_speaks_the_applicants_language(app, rt, lang, word):
    client, _applicant_id, _app_id = _applicant(app, rt)
    assert word in client.get("/access-log", headers={"Accept-Language": lang}).data.decode()


def test_the_page_needs_a_sign_in(client):
    r = client.get("/access-log")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_an_entry_for_someone_elses_application_is_refused(app, rt):
    _client, applicant_id, app_id = _applicant(app, rt)
    from intake.application import access_log
    from zairyu_shared.db import transaction
    from zairyu_shared.events import new_event

    event = new_event(
        "application.accessed",
        {
            "application_id": app_id,
            "applicant_id": str(uuid.uuid4()),
            "leaf_index": 0,
            "entry": entry(app_id),
            "tree_size": 1,
            "root_hash": "0" * 64,
            "inclusion_proof": [],
        },
        source="review",
        correlation_id=app_id,
    )
    with pytest.raises(LookupError), transaction(rt.session_factory) as s:
        access_log.on_event(rt, s, event)
