"""Script and template injection from applicants into the officers' and the mailroom's pages (issue 9).

Applicant A writes hostile text into every free-text field of the form that accepts it, the answer to
a request for documents, the signed correction request and the file names; the application travels
intake -> (signing) -> review through the services' real events. The officers' case page and queue,
the case audit page, and the applicant's own pages then show the text escaped: the raw markup never
appears, the escaped form does (so the field really is on the page), ``{{7*7}}`` is shown, not
evaluated, and no ``javascript:`` URL becomes a link. The mailroom's list and case page get the same
treatment for the name and mailing address a decision carries. Every HTML page sends a CSP that
forbids inline script.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from attack_support import API_HEADERS, World, cheap_password_hashing, mailroom_client, runtime_of

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
TEMPLATE = "{{7*7}}"
PAYLOAD = f"{SCRIPT}{IMG}{JS_URL} {TEMPLATE}"
SHORT = f"{SCRIPT}{TEMPLATE}"  # for fields of 40 characters
FILENAME = f"{IMG}{TEMPLATE}.pdf"
RAW = (SCRIPT, "<img src=x", "onerror=alert(1)>")


def free_text_fields() -> dict:
    """Every text / multiline field of the world's form (an extension with a re-entry permit, filed by the
    applicant: a draft takes only its own form's fields), with the payload (the short one where it must be)."""
    from attack_support import intake_worker_fields

    from intake.domain import form

    choice = form.Choice("extension", ("reentry",))
    governing = intake_worker_fields().get("current_status")
    fields = {}
    for section in form.sections_for(choice, governing):
        for field in form.fields_for(choice, section):
            if field.kind in ("text", "multiline"):
                fields[field.name] = PAYLOAD if (field.max_length or 4000) >= len(PAYLOAD) else SHORT
    return fields


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        cheap_password_hashing(mp)
        yield World(
            tmp_path_factory.mktemp("injection-world"),
            text=PAYLOAD,
            field_overrides=free_text_fields(),
            filename=FILENAME,
        )


def assert_escaped(body: str, where: str, expect_rendered: bool = True) -> None:
    for raw in RAW:
        assert raw not in body, f"{where}: raw {raw!r} in the HTML"
    assert not re.search(r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", body, re.I), (
        f"{where}: a javascript: URL became an attribute"
    )
    if expect_rendered:
        assert html.escape(SCRIPT, quote=False) in body or html.escape(SCRIPT) in body, (
            f"{where}: the payload is not on the page at all (the check would prove nothing)"
        )
        assert TEMPLATE in body, f"{where}: {{{{7*7}}}} was evaluated or dropped"


def assert_csp_forbids_inline_script(response, where: str) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    assert policy, f"{where}: no Content-Security-Policy"
    directives = {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}
    sources = directives.get("script-src", directives.get("default-src"))
    assert sources is not None, f"{where}: CSP without script-src or default-src: {policy}"
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(sources), (
        f"{where}: CSP lets script in: {policy}"
    )


def _saved_fields(w) -> set[str]:
    """The fields that really carry the payload in the submitted form (a field the form refused is not a test)."""
    import json

    import sqlalchemy as sa

    from review.adapters.tables import cases

    with runtime_of(w.review).engine.connect() as conn:
        form = json.loads(
            conn.execute(sa.select(cases.c.form).where(cases.c.application_id == w.application_id)).scalar()
        )
    found = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and value in (PAYLOAD, SHORT):
                    found.add(key)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(form)
    return found


def test_the_payload_really_travelled_into_the_case(world):
    carried = _saved_fields(world)
    assert len(carried) >= 8, f"only {sorted(carried)} carry the payload into review"


def test_officer_case_page_queue_and_audit_show_applicant_text_escaped(world):
    w = world
    pages = {
        # (each read names its purpose, issue 22)
        "case page (examiner)": (w.officer("tokyo-examiner"), f"/cases/{w.application_id}?purpose=examination", True),
        "case page (auditor)": (w.officer("tokyo-auditor"), f"/cases/{w.application_id}?purpose=audit", True),
        "audit page": (w.officer("tokyo-auditor"), f"/cases/{w.application_id}/audit", False),
        "queue": (w.officer("tokyo-supervisor"), "/queue", False),
        "queue (documents answered)": (w.officer("tokyo-supervisor"), "/queue?status=documents_answered", False),
        "workload": (w.officer("tokyo-supervisor"), "/workload", False),
    }
    for where, (client, url, rendered) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (where, response.status_code)
        body = response.get_data(as_text=True)
        assert_escaped(body, where, expect_rendered=rendered)
        assert_csp_forbids_inline_script(response, where)
    # the case page shows the answer's message, the correction's message and the file name, all escaped
    case = w.officer("tokyo-examiner").get(f"/cases/{w.application_id}?purpose=examination").get_data(as_text=True)
    assert case.count(html.escape(SCRIPT, quote=False)) + case.count(html.escape(SCRIPT)) >= 3
    assert "&lt;img src=x onerror=alert(1)&gt;" in case  # the file name and the messages


def test_officer_json_is_json_not_html(world):
    w = world
    response = w.officer("tokyo-examiner").get(f"/api/v1/cases/{w.application_id}?purpose=examination")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_attachment_served_to_officers_cannot_run_script(world):
    w = world
    response = w.officer("tokyo-examiner").get(f"/cases/{w.application_id}/attachments/{w.sha256}?purpose=examination")
    assert response.status_code == 200
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert_csp_forbids_inline_script(response, "attachment")
    disposition = response.headers.get("Content-Disposition", "")
    assert not any(raw in disposition for raw in RAW) and "\n" not in disposition


def test_applicants_own_pages_show_their_text_escaped(world):
    w = world
    for url in (f"/applications/{w.application_id}", f"/apply/{w.draft_id}/review", f"/apply/{w.draft_id}/attachments"):
        response = w.a.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.get_data(as_text=True), url, expect_rendered=False)
        assert_csp_forbids_inline_script(response, url)


def test_mailroom_pages_show_names_and_addresses_escaped(world):
    """A decision whose delivery name and address carry the payload (as if typed by the applicant)."""
    from zairyu_shared.events import new_event

    w = world
    app_id = "inj-" + w.application_id[:8]
    event = new_event(
        "application.decided",
        {
            "application_id": app_id,
            "applicant_id": w.a_id,
            "outcome": "approved",
            "procedure": "extension",
            "bundled": [],
            "bureau": "tokyo",
            "granted_status": "engineer_humanities",
            "period_of_stay": "P3Y",
            "fee_yen": 4000,
            "card_by_mail": True,
            "explanation": PAYLOAD,
            "delivery": {
                "name": f"NGUYEN {SCRIPT}",
                "mailing_address": {"postal_code": "163-8001", "text": f"東京都 {PAYLOAD}"},
                "certificate_address": f"東京都 {IMG}",
                "old_card_number": "AB12345678CD",
            },
            "decided_at": dt.datetime.now(dt.UTC),
        },
        source="review",
        correlation_id=app_id,
    )
    assert w.relay.deliver(w.cards, event)
    clerk = mailroom_client(w.cards, w.mailroom.officer.officer_id)
    index = clerk.get("/mailroom/")
    assert index.status_code == 200
    assert_escaped(index.get_data(as_text=True), "mailroom list", expect_rendered=False)
    assert_csp_forbids_inline_script(index, "mailroom list")
    shown = 0
    for delivery_id in w.delivery_ids():
        page = clerk.get(f"/mailroom/cases/{delivery_id}")
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert_escaped(body, f"mailroom case {delivery_id}", expect_rendered=False)
        assert_csp_forbids_inline_script(page, "mailroom case")
        shown += html.escape(SCRIPT, quote=False) in body or html.escape(SCRIPT) in body
    assert shown, "the hostile name/address is on no mailroom case page (nothing was checked)"


def test_every_html_page_of_the_officer_fronts_forbids_inline_script(world):
    w = world
    officer = w.officer("tokyo-supervisor")
    for url in ("/queue", "/statistics", "/login", f"/cases/{w.application_id}?purpose=supervision"):
        assert_csp_forbids_inline_script(officer.get(url), f"review {url}")
    clerk = mailroom_client(w.cards, w.mailroom.officer.officer_id)
    for url in (
        "/mailroom/",
        "/mailroom/dispatch",
        "/mailroom/dispatch/scan",
        "/mailroom/carrier-import",
        "/mailroom/sign-in",
        "/public/card-check",
    ):
        assert_csp_forbids_inline_script(clerk.get(url), f"card-delivery {url}")
    applicant_pages = ("/", "/login", "/applications", "/inbox", "/verify")
    for url in applicant_pages:
        assert_csp_forbids_inline_script(w.a.get(url, headers=API_HEADERS), f"intake {url}")
