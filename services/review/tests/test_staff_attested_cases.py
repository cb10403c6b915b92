"""An approved organisation's staff filing without a card signature (issue 21, ``attestation.accepted``): review
files it only when the filer is an organisation, keeps how the filer was authenticated, and shows it to the officer
instead of a signature; a card-signed case still shows its signature."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from review_testkit import organisation_filer, staff_attested_event, verified_event
from test_web import app, people, sign_in  # noqa: F401  (fixtures)

from review.adapters.tables import audit_log, cases
from review.application import inbound
from zairyu_shared.db import transaction
from zairyu_shared.events import parse_message

FILER = organisation_filer(name=None)


def attested_event(filer=FILER):
    """signing's attestation.accepted for a staff filing through the API (the submission as intake sent it)."""
    checks = ("filer_is_organisation", "content_sha256", "session_in_submitted_bytes")
    return staff_attested_event(filer, channel="api", checks=checks)


def receive(rt, event):
    parsed = parse_message(event.to_json())
    with transaction(rt.session_factory) as s:
        return inbound.receive_attested(rt, s, parsed)


def test_a_staff_filing_becomes_a_case_that_keeps_how_it_was_authenticated(rt):
    event = attested_event()
    number = receive(rt, event)
    app_id = event.payload["application_id"]
    with rt.engine.connect() as conn:
        row = conn.execute(sa.select(cases).where(cases.c.application_id == app_id)).one()
        detail = conn.execute(
            sa.select(audit_log.c.detail).where(
                audit_log.c.application_id == app_id, audit_log.c.action == "case.received"
            )
        ).scalar_one()
    evidence = json.loads(row.evidence)
    assert row.receipt_number == number and json.loads(row.filer)["role"] == "employer_staff"
    assert evidence["authentication"]["method"] == "organisation_staff" and "holder" not in evidence
    assert evidence["authentication"]["organisation_staff"]["staff_id"] == "staff-7"
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert detail["authentication"] == "organisation_staff" and detail["organisation_id"] == "org-3"
    assert receive(rt, event) is None  # a second delivery: no second case


def test_an_unsigned_application_whose_filer_is_not_an_organisation_gets_no_case(rt):
    parsed = parse_message(attested_event().to_json())
    # The contract already refuses to carry a private person's unsigned filing; were one to arrive, review refuses
    # it too (raised: retried, then dead-lettered for an operator), and files nothing.
    private = SimpleNamespace(
        id=parsed.id,
        type=parsed.type,
        payload=parsed.payload,
        data={**parsed.data, "submission": {**parsed.data["submission"], "filer": {**FILER, "role": "relative"}}},
    )
    with transaction(rt.session_factory) as s, pytest.raises(inbound.NotAcceptedWithoutSignature):
        inbound.receive_attested(rt, s, private)
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar() == 0


def test_the_officer_sees_how_the_filer_was_authenticated(app, people, rt):  # noqa: F811
    event = attested_event()
    receive(rt, event)
    client = sign_in(app, people, "tokyo-examiner")
    page = client.get(f"/cases/{event.payload['application_id']}").get_data(as_text=True)
    assert "申請した者の認証方法" in page and "カード署名なし" in page
    assert "staff-7" in page and "org-3" in page and "団体API" in page
    assert "東京出入国在留管理局" in page and "2026-01-05" in page and "2027-01-04" in page
    assert "署名者" not in page  # no signer: there is no signature
    # A card-signed case still shows its signature, and says it is one.
    card = verified_event()
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, parse_message(card.to_json()))
    signed = client.get(f"/cases/{card.payload['application_id']}").get_data(as_text=True)
    assert "カードによる電子署名" in signed and "カード署名なし" not in signed
