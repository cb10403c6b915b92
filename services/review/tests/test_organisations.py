"""Organisations' applications for use (issue 21): filed at the bureau, four-eyes decision, audited, announced."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pyotp
import pytest
import sqlalchemy as sa
import time_machine
from review_testkit import intake_event, organisation_filer

from review.adapters import audit
from review.adapters.accounts import create_officer
from review.adapters.organisation_tables import organisation_requests
from review.adapters.tables import audit_log
from review.application import organisations
from review.domain.organisation_use import approval_period
from review.entrypoints.web import create_app
from zairyu_shared.db import transaction

ORG_ID = "5d0c7a52-1111-4222-8333-944455556666"


@pytest.fixture
def app(rt):
    application = create_app(rt)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def people(rt):
    made = {}
    with transaction(rt.session_factory) as s:
        for who, role, bureau in (
            ("tokyo-examiner", "examiner", "tokyo"),
            ("tokyo-supervisor", "supervisor", "tokyo"),
            ("tokyo-supervisor2", "supervisor", "tokyo"),
            ("osaka-supervisor", "supervisor", "osaka"),
            ("tokyo-bureau_admin", "bureau_admin", "tokyo"),
        ):
            oid, pw, secret = create_officer(s, who, who, role, bureau)
            made[who] = {"id": oid, "password": pw, "secret": secret}
    return made


def sign_in(app, people, who):
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    p = people[who]
    r = client.post(
        "/login",
        data={"csrf_token": token, "username": who, "password": p["password"], "totp": pyotp.TOTP(p["secret"]).now()},
    )
    assert r.status_code == 302
    return client


def post(client, path, data=None):
    page = client.get(f"/organisations/{ORG_ID}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(path, data={"csrf_token": token, **(data or {})})


def requested(rt, bureau="tokyo"):
    event = intake_event(
        "organisation.use_requested",
        {
            "organisation_id": ORG_ID,
            "name": "株式会社サンプル",
            "kind": "employer",
            "corporate_number": "7123456789012",
            "agent_qualification": None,
            "agent_number": None,
            "address": "東京都港区港南5-5-30",
            "bureau": bureau,
            "requested_at": datetime.now(UTC).isoformat(),
        },
        ORG_ID,
    )
    with transaction(rt.session_factory) as s:
        organisations.receive(rt, s, event)


def row(rt):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(organisation_requests)).one()


def decided_events(rt):
    with rt.engine.connect() as conn:
        bodies = (
            conn.execute(sa.select(rt.outbox.c.body).where(rt.outbox.c.event_type == "organisation.use_decided"))
            .scalars()
            .all()
        )
    return [json.loads(b) for b in bodies]


def org_audit(rt):
    with rt.engine.connect() as conn:
        return conn.execute(
            sa.select(audit_log.c.action, audit_log.c.actor)
            .where(audit_log.c.target == ORG_ID)
            .order_by(audit_log.c.seq)
        ).all()


def test_one_year_both_days_included():
    assert approval_period(date(2026, 12, 7)) == (date(2026, 12, 7), date(2027, 12, 6))
    assert approval_period(date(2028, 2, 29)) == (date(2028, 2, 29), date(2029, 2, 28))
    assert approval_period(date(2027, 1, 1)) == (date(2027, 1, 1), date(2027, 12, 31))


def test_examiner_proposes_another_supervisor_confirms_and_intake_is_told(app, people, rt):
    requested(rt)
    examiner = sign_in(app, people, "tokyo-examiner")
    assert "株式会社サンプル" in examiner.get("/organisations").get_data(as_text=True)
    assert post(examiner, f"/organisations/{ORG_ID}/propose", {"outcome": "approved"}).status_code == 302
    assert row(rt).status == "proposed"
    # The examiner may not confirm at all; nothing is announced.
    assert post(examiner, f"/organisations/{ORG_ID}/confirm").status_code == 403
    assert decided_events(rt) == []
    # 2026-12-06 16:00 UTC is already 7 December in Japan: the year starts on Japan's day.
    with time_machine.travel(datetime(2026, 12, 6, 16, 0, tzinfo=UTC), tick=True):
        supervisor = sign_in(app, people, "tokyo-supervisor")
        assert post(supervisor, f"/organisations/{ORG_ID}/confirm").status_code == 302
    found = row(rt)
    assert found.status == "approved" and found.decided_by == people["tokyo-supervisor"]["id"]
    [event] = decided_events(rt)
    assert event["payload"]["outcome"] == "approved"
    assert (event["payload"]["approved_from"], event["payload"]["approved_until"]) == ("2026-12-07", "2027-12-06")
    actions = org_audit(rt)
    assert [(a.action, a.actor) for a in actions if a.action != "organisation.viewed"] == [
        ("organisation.use_requested", "system"),
        ("organisation.proposed", people["tokyo-examiner"]["id"]),
        ("organisation.decided", people["tokyo-supervisor"]["id"]),
    ]
    assert "organisation.viewed" in {a.action for a in actions}  # reading the file is audited too
    with rt.engine.connect() as conn:
        assert audit.verify_chain(conn)[1] == []  # still one unbroken hash chain


def test_a_supervisor_never_confirms_their_own_proposal(app, people, rt):
    requested(rt)
    supervisor = sign_in(app, people, "tokyo-supervisor")
    post(supervisor, f"/organisations/{ORG_ID}/propose", {"outcome": "refused", "reason": "所在確認できず"})
    r = post(supervisor, f"/organisations/{ORG_ID}/confirm")
    assert r.status_code == 302 and row(rt).status == "proposed" and decided_events(rt) == []
    other = sign_in(app, people, "tokyo-supervisor2")
    post(other, f"/organisations/{ORG_ID}/confirm")
    [event] = decided_events(rt)
    assert event["payload"]["outcome"] == "refused" and event["payload"]["reason"] == "所在確認できず"
    assert event["payload"]["approved_until"] is None


def test_a_refusal_needs_its_reason(app, people, rt):
    requested(rt)
    examiner = sign_in(app, people, "tokyo-examiner")
    post(examiner, f"/organisations/{ORG_ID}/propose", {"outcome": "refused", "reason": "  "})
    assert row(rt).status == "pending"


def test_another_bureau_and_an_administrator_cannot_reach_it(app, people, rt):
    requested(rt)
    osaka = sign_in(app, people, "osaka-supervisor")
    assert "株式会社サンプル" not in osaka.get("/organisations").get_data(as_text=True)
    assert osaka.get(f"/organisations/{ORG_ID}").status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', osaka.get("/organisations").get_data(as_text=True)).group(1)
    assert (
        osaka.post(f"/organisations/{ORG_ID}/propose", data={"csrf_token": token, "outcome": "approved"}).status_code
        == 403
    )
    admin = sign_in(app, people, "tokyo-bureau_admin")
    assert admin.get("/organisations").status_code == 403
    assert row(rt).status == "pending"


def test_the_case_page_says_whether_the_filing_organisation_is_approved(app, people, rt):
    """The bureau's view: a case filed by an organisation shows its approval for use (and lapsed once over)."""
    from review_testkit import FORM, verified_event

    from review.application import inbound

    agent = organisation_filer()
    event = verified_event(form=FORM, filer=agent)
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, event)
    app_id = event.payload["application_id"]
    examiner = sign_in(app, people, "tokyo-examiner")
    assert 'class="filer-organisation"' not in examiner.get(f"/cases/{app_id}").get_data(as_text=True)  # none yet
    requested(rt)
    with transaction(rt.session_factory) as s:
        s.execute(
            organisation_requests.update().values(
                status="approved", approved_from=date(2026, 12, 7), approved_until=date(2027, 12, 6)
            )
        )
    with time_machine.travel(datetime(2027, 6, 1, 3, tzinfo=UTC), tick=True):
        examiner = sign_in(app, people, "tokyo-examiner")
        page = examiner.get(f"/cases/{app_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert 'class="filer-organisation"' in page and "Approved" in page and "2027-12-06" in page
        assert f"/organisations/{ORG_ID}" in page
    with time_machine.travel(datetime(2027, 12, 7, 3, tzinfo=UTC), tick=True):
        examiner = sign_in(app, people, "tokyo-examiner")
        page = examiner.get(f"/cases/{app_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "Approval lapsed" in page


def test_the_periodic_report_renews_for_another_year_from_the_day_after(app, people, rt):
    from review.domain.organisation_use import renewal_start

    assert renewal_start(date(2027, 11, 1), date(2027, 12, 6)) == date(2027, 12, 7)
    assert renewal_start(date(2027, 12, 8), date(2027, 12, 6)) == date(2027, 12, 8)  # lapsed: from the day
    requested(rt)
    with time_machine.travel(datetime(2026, 12, 7, 1, tzinfo=UTC), tick=True):
        post(sign_in(app, people, "tokyo-examiner"), f"/organisations/{ORG_ID}/propose", {"outcome": "approved"})
        post(sign_in(app, people, "tokyo-supervisor"), f"/organisations/{ORG_ID}/confirm")
    assert (row(rt).approved_from, row(rt).approved_until) == (date(2026, 12, 7), date(2027, 12, 6))
    requested(rt)  # the periodic report: the same organisation again
    assert row(rt).status == "pending" and row(rt).approved_until == date(2027, 12, 6)
    assert "organisation.renewal_requested" in [a.action for a in org_audit(rt)]
    with time_machine.travel(datetime(2027, 11, 1, 1, tzinfo=UTC), tick=True):
        post(sign_in(app, people, "tokyo-examiner"), f"/organisations/{ORG_ID}/propose", {"outcome": "approved"})
        post(sign_in(app, people, "tokyo-supervisor2"), f"/organisations/{ORG_ID}/confirm")
    assert (row(rt).approved_from, row(rt).approved_until) == (date(2027, 12, 7), date(2028, 12, 6))
    last = decided_events(rt)[-1]["payload"]
    assert (last["approved_from"], last["approved_until"]) == ("2027-12-07", "2028-12-06")


def test_a_refused_renewal_leaves_the_running_year(app, people, rt):
    requested(rt)
    with time_machine.travel(datetime(2026, 12, 7, 1, tzinfo=UTC), tick=True):
        post(sign_in(app, people, "tokyo-examiner"), f"/organisations/{ORG_ID}/propose", {"outcome": "approved"})
        post(sign_in(app, people, "tokyo-supervisor"), f"/organisations/{ORG_ID}/confirm")
    requested(rt)
    with time_machine.travel(datetime(2027, 11, 1, 1, tzinfo=UTC), tick=True):
        post(
            sign_in(app, people, "tokyo-examiner"),
            f"/organisations/{ORG_ID}/propose",
            {"outcome": "refused", "reason": "定期報告の内容に不備"},
        )
        post(sign_in(app, people, "tokyo-supervisor2"), f"/organisations/{ORG_ID}/confirm")
    last = decided_events(rt)[-1]["payload"]
    assert last["outcome"] == "refused" and last["approved_until"] == "2027-12-06"


def test_the_organisation_page_and_a_case_it_filed_list_its_other_applications(app, people, rt):
    """The bureau's view (issue 21): the organisation's page lists what it filed at this bureau; a case it filed
    lists its other applications; another organisation's, another bureau's and an office's out-of-sight cases
    never appear."""
    from review_testkit import FORM, verified_event

    from review.adapters.tables import cases
    from review.application import inbound
    from review.domain.roles import Officer, Role

    def filer(number):
        return {
            "role": "employer_staff",
            "name": "SATO HANAKO",
            "organisation_name": f"Org {number}",
            "organisation_number": number,
            "agent_qualification": None,
            "relationship": None,
            "applicant_name": "TRAN THI BINH",
            "applicant_date_of_birth": "1995-05-05",
        }

    def receive(bureau="tokyo", by=None, routing=None):
        event = verified_event(bureau=bureau, form=FORM, filer=by, routing=routing)
        with transaction(rt.session_factory) as s:
            inbound.receive(rt, s, event)
        with rt.engine.connect() as conn:
            return conn.execute(
                sa.select(cases.c.receipt_number).where(cases.c.application_id == event.payload["application_id"])
            ).scalar(), event.payload["application_id"]

    requested(rt)
    ours = "7123456789012"
    (first, first_id), (second, _) = receive(by=filer(ours)), receive(by=filer(ours))
    at_yokohama, _ = receive(
        by=filer(ours), routing={"prefecture": "Kanagawa", "receiving_office": "yokohama", "office": "yokohama"}
    )
    osaka, _ = receive(bureau="osaka", by=filer(ours))
    theirs, _ = receive(by=filer("2010001008774"))
    own, _ = receive()
    examiner = sign_in(app, people, "tokyo-examiner")
    page = examiner.get(f"/organisations/{ORG_ID}").get_data(as_text=True)
    listed = page.split('id="filed"')[1]
    assert first in listed and second in listed and at_yokohama in listed
    assert osaka not in listed and theirs not in listed and own not in listed
    case_page = examiner.get(f"/cases/{first_id}").get_data(as_text=True)
    others = case_page.split('class="filer-organisation-cases"')[1].split("</details>")[0]
    assert second in others and at_yokohama in others and "(2)" in others
    assert first not in others and theirs not in others and osaka not in others
    # An office's officer sees only the office's cases of it; another bureau's officer, none of Tokyo's.
    with transaction(rt.session_factory) as s:
        yokohama = Officer("y1", Role.EXAMINER, "tokyo", office="yokohama")
        key = rt.settings.hashing_key
        assert [c.receipt_number for c in organisations.cases_filed_by(s, yokohama, "tokyo", ours, key)] == [
            at_yokohama
        ]
        osaka_officer = Officer("o1", Role.SUPERVISOR, "osaka")
        assert organisations.cases_filed_by(s, osaka_officer, "tokyo", ours, key) == []


def test_a_case_filed_on_a_signed_consent_document_says_so_and_opens_it(app, people, rt):
    """Issue 21: consent recorded with a signed consent document alone. The organisation files for a person with no
    account of their own; the document comes as an attachment of its own kind and the officer sees what the
    consent rests on, with the document one click away."""
    import hashlib

    from review_testkit import FORM, verified_event

    from review.application import inbound

    filer = organisation_filer()
    on_paper = verified_event(form=FORM, filer=filer)
    scan = hashlib.sha256(b"%PDF-1.4 consent").hexdigest()
    on_paper.payload["submission"]["attachments"].append(
        {"sha256": scan, "media_type": "application/pdf", "size": 16, "kind": "consent_document", "filename": None}
    )
    from_account = verified_event(form=FORM, filer=filer)
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, on_paper)
        inbound.receive(rt, s, from_account)
    examiner = sign_in(app, people, "tokyo-examiner")
    page = examiner.get(f"/cases/{on_paper.payload['application_id']}").get_data(as_text=True)
    line = page.split('class="filer-consent"')[1].split("</p>")[0]
    assert "本人の同意書" in line and f"/attachments/{scan}" in line
    assert "署名された同意書" in line  # in the officers' Japanese
    other = examiner.get(f"/cases/{from_account.payload['application_id']}").get_data(as_text=True)
    assert 'class="filer-consent"' not in other


def test_every_application_of_the_organisation_is_listed_by_an_index_that_shows_nothing_readable(
    app, people, rt, monkeypatch
):
    """Issue 21: the list used to read only the bureau's newest 2,000 cases filed on someone's behalf (the filer is
    encrypted per applicant). Each case now carries a keyed hash of its filing organisation's number, so one indexed
    query finds them all; cases from before the index are indexed by `zairyu-review index-filers`."""
    import io

    from review_testkit import FORM, verified_event

    from review.adapters.tables import cases
    from review.application import inbound
    from review.entrypoints.cli import index_filers_main

    monkeypatch.setattr(organisations, "LEGACY_LOOK_BACK", 2)  # the old scan's bound, made small

    def filer(number, role="employer_staff"):
        return {
            "role": role,
            "name": "SATO HANAKO",
            "organisation_name": f"Org {number}" if number else None,
            "organisation_number": number,
            "agent_qualification": None,
            "relationship": "spouse" if role == "relative" else None,
            "applicant_name": "TRAN THI BINH",
            "applicant_date_of_birth": "1995-05-05",
        }

    def receive(by):
        event = verified_event(form=FORM, filer=by)
        with transaction(rt.session_factory) as s:
            inbound.receive(rt, s, event)
        return event.payload["application_id"]

    ours = "7123456789012"
    oldest = receive(filer(ours))
    for _ in range(3):  # newer cases of other filers push it past the old bound
        receive(filer("2010001008774"))
    receive(filer(None, role="relative"))
    newest = receive(filer(ours))
    with rt.engine.connect() as conn:
        index = dict(conn.execute(sa.select(cases.c.application_id, cases.c.filer_lookup)).all())
        clear = [str(v) for row in conn.execute(sa.text("SELECT * FROM cases")).all() for v in row]  # as stored
    assert index[oldest] == index[newest] != ours and len(index[oldest]) == 64
    assert not any(ours in v for v in clear)  # the number itself is nowhere in clear
    assert sorted(v for v in index.values() if v == "-") == ["-"]  # the relative's filing: no organisation
    examiner = sign_in(app, people, "tokyo-examiner")
    others = examiner.get(f"/cases/{newest}").get_data(as_text=True).split('class="filer-organisation-cases"')[1]
    assert "(1)" in others.split("</summary>")[0] and f"/cases/{oldest}" in others
    with rt.engine.connect() as conn:
        oldest_receipt = conn.execute(
            sa.select(cases.c.receipt_number).where(cases.c.application_id == oldest)
        ).scalar()
    assert oldest_receipt in others
    # Cases from before the index: the old scan misses the oldest; index-filers makes the list whole again.
    with transaction(rt.session_factory) as s:
        s.execute(cases.update().values(filer_lookup=None))
    page = examiner.get(f"/cases/{newest}").get_data(as_text=True).split('class="filer-organisation-cases"')[1]
    assert oldest_receipt not in page.split("</details>")[0]
    out = io.StringIO()
    assert index_filers_main(["--batch", "2"], runtime=rt, out=out) == 0
    assert out.getvalue().strip() == "cases indexed: 6"
    page = examiner.get(f"/cases/{newest}").get_data(as_text=True).split('class="filer-organisation-cases"')[1]
    assert oldest_receipt in page.split("</details>")[0]
    with rt.engine.connect() as conn:
        assert dict(conn.execute(sa.select(cases.c.application_id, cases.c.filer_lookup)).all()) == index
