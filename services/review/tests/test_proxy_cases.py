"""Cases filed on the applicant's behalf: the queue and case page show the filer, the examination the
applicant's identity from the signed form, and the card goes to the applicant."""

from __future__ import annotations

import json

import sqlalchemy as sa
from review_testkit import FORM, HOLDER, verified_event
from test_casework import act, officers_of, staged
from test_web import app, people, sign_in  # noqa: F401  (fixtures)

from review.adapters.tables import audit_log, cases
from review.application import casework, inbound
from review.domain.case import Proposal
from zairyu_shared.db import transaction

AGENT = {**HOLDER, "name": "SATO HANAKO", "address": "東京都港区芝公園4-2-8"}
APPLICANT = {
    "name": "TRAN THI BINH",
    "date_of_birth": "1995-05-05",
    "sex": "female",
    "address": "東京都江東区豊洲1-1-1",
    "nationality": "Viet Nam",
    "card_number": "AB12345678CD",
}
# What intake signs for a proxy: the applicant as the filer typed them, and the filer with their card's identity.
PROXY_FORM = {
    **FORM,
    "applicant": APPLICANT,
    "filer": {
        "role": "licensed_agent",
        "holder": AGENT,
        "agent_qualification": "gyoseishoshi",
        "organisation_name": "佐藤行政書士事務所",
        "filer_address": "東京都港区芝公園4-2-8",
        "agent_number": "AB12345",
    },
}
FILER = {
    "role": "licensed_agent",
    "name": "SATO HANAKO",
    "organisation_name": "佐藤行政書士事務所",
    "organisation_number": "AB12345",
    "agent_qualification": "gyoseishoshi",
    "relationship": None,
    "applicant_name": "TRAN THI BINH",
    "applicant_date_of_birth": "1995-05-05",
}


def _proxy_case(rt):
    event = verified_event(form=PROXY_FORM, filer=FILER)
    event.payload["evidence"]["holder"] = AGENT  # the filer signed with their own card
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, event)
    return event.payload["application_id"]


def test_the_case_keeps_who_filed_it(rt):
    app_id = _proxy_case(rt)
    self_filed = act(rt, lambda rt_, s: inbound.receive(rt_, s, verified_event()))
    with rt.engine.connect() as conn:
        rows = {r.application_id: r for r in conn.execute(sa.select(cases))}
    assert json.loads(rows[app_id].filer)["role"] == "licensed_agent"
    assert self_filed and [r.filer for a, r in rows.items() if a != app_id] == [None]


def test_queue_and_case_page_show_the_filer_and_the_applicant_identity(app, people, rt):  # noqa: F811
    app_id = _proxy_case(rt)
    client = sign_in(app, people, "tokyo-examiner")
    queue = client.get("/queue").get_data(as_text=True)
    assert "申請取次: 行政書士 SATO HANAKO (佐藤行政書士事務所)" in queue
    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert "申請取次: 行政書士 SATO HANAKO" in page and "AB12345" in page
    assert "TRAN THI BINH" in page and "1995-05-05" in page  # the applicant, from the signed form
    english = client.get(f"/cases/{app_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "licensed_agent: gyoseishoshi SATO HANAKO" in english  # review has no English catalogue: data words as keys
    assert "the filer, not the applicant" in english and "Applicant (identity entered by the filer" in english
    with rt.engine.connect() as conn:  # viewing is audited exactly as for any case
        assert (
            "case.viewed"
            in conn.execute(sa.select(audit_log.c.action).where(audit_log.c.application_id == app_id)).scalars().all()
        )


def test_the_new_card_goes_to_the_applicant_not_the_filer(rt):
    o = officers_of(rt, "tokyo")
    app_id = _proxy_case(rt)
    act(rt, casework.claim, o["examiner"], app_id)
    act(
        rt,
        casework.propose,
        o["examiner"],
        app_id,
        Proposal("approved", o["examiner"].id, "engineer_humanities", "1 year"),
    )
    act(rt, casework.confirm, o["supervisor"], app_id)
    delivery = staged(rt, "application.decided")[0]["delivery"]
    assert delivery["name"] == "TRAN THI BINH"
    # The certificate is the agent's: the applicant's signed address stands in for it.
    assert delivery["mailing_address"]["text"] == delivery["certificate_address"] == "東京都江東区豊洲1-1-1"
    assert delivery["old_card_number"] == "AB12345678CD"
