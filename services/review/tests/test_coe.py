"""The e-COE: sealed with a key held in a PKCS#11 token (SoftHSM2), issued on approval when the filer chose
e-mail, checked by anyone on the public page (cancelled shows), keys published, rotation keeps old ones valid."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import uuid
from datetime import UTC, date

import pytest
import sqlalchemy as sa
from review_testkit import FORM, verified_event
from test_casework import act, officers_once

from review.adapters import document_keys
from review.adapters.tables import coe_documents
from review.application import casework, coe, inbound
from review.bootstrap import ports
from review.domain.case import Proposal
from review.entrypoints.web import create_app
from zairyu_shared import documents, testing
from zairyu_shared.japan_time import japan_today
from zairyu_shared.outbox import open_body

MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory):
    """One SoftHSM2 token for the session (the PKCS#11 module reads its configuration once per process)."""
    import os

    if not shutil.which("softhsm2-util") or not os.path.exists(MODULE):
        testing.unavailable("SoftHSM2 is not installed (Debian package softhsm2)")
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "zairyu-coe", "--pin", "4321", "--so-pin", "87654321"],
        check=True,
        capture_output=True,
    )
    pin_file = base / "pin"
    pin_file.write_text("4321\n")
    return {"module": MODULE, "pin_file": str(pin_file)}


@pytest.fixture
def token(softhsm):
    """A P-256 key pair generated inside the token, under a label of its own."""
    label = "coe-" + uuid.uuid4().hex[:8]
    return {**softhsm, "label": label, "key": document_keys.generate_in_token(MODULE, "zairyu-coe", "4321", label)}


def _use_token(rt, token, label=None):
    ports(rt).coe_signer = document_keys.Pkcs11Key(token["module"], "zairyu-coe", label or token["label"], "4321")
    return ports(rt).coe_signer


def _approve_coe(rt, delivery="email"):
    content = {
        **FORM,
        "procedure": "coe",
        "applicant": {
            "name": "TRAN THI BINH",
            "date_of_birth": "1996-02-03",
            "sex": "female",
            "address": "Hanoi, Viet Nam",
        },
        "form": {**FORM["form"], "nationality": "Viet Nam", "coe_delivery": delivery},
    }
    o = officers_once(rt, "tokyo")
    event = verified_event(procedure="coe", form=content, filer={"role": "relative", "relationship": "spouse"})
    app = event.payload["application_id"]
    act(rt, inbound.receive, event)
    act(rt, casework.claim, o["examiner"], app)
    act(rt, casework.propose, o["examiner"], app, Proposal("approved", o["examiner"].id, "spouse_japanese", "1 year"))
    act(rt, casework.confirm, o["supervisor"], app)
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(coe_documents).where(coe_documents.c.application_id == app)).first()


def test_the_private_key_stays_in_the_token(token):
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    with pkcs11.lib(MODULE).get_token(token_label="zairyu-coe").open(user_pin="4321") as session:
        private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=token["label"])
        assert private[Attribute.SENSITIVE] and not private[Attribute.EXTRACTABLE]
        with pytest.raises(pkcs11.exceptions.PKCS11Error):
            private[Attribute.VALUE]


def test_an_approved_coe_by_email_is_sealed_by_the_token_and_checked_publicly(rt, token):
    signer = _use_token(rt, token)
    row = _approve_coe(rt)
    assert row is not None and row.kid == signer.kid and not row.kid.startswith("DEMO")
    sealed = base64.b64decode(row.sealed)
    verdict = documents.verify(sealed, japan_today())
    assert verdict.valid and verdict.payload["holder"]["name"] == "TRAN THI BINH"
    assert (
        verdict.payload["status"] == "spouse_japanese" and verdict.payload["valid_until"] == row.valid_until.isoformat()
    )
    assert row.valid_until == coe.valid_until(row.issued_on)
    client = create_app(rt).test_client()
    keys = client.get("/public/document-keys.json").get_json()
    assert [k["kid"] for k in keys["keys"]] == [signer.kid]
    assert documents.verify(sealed, japan_today(), documents.keys_from_json(keys)).trusted is True
    assert "BEGIN PUBLIC KEY" in client.get(f"/public/document-keys/{signer.kid}.pem").get_data(as_text=True)
    page = client.get(f"/public/coe/{row.document_id}").get_data(as_text=True)
    assert "有効 / valid until" in page and "TRAN" not in page  # no personal data from a bare number
    with _transaction(rt) as s:
        assert coe.cancel(s, row.document_id, "marriage annulled")
    assert "取消し済み / cancelled" in client.get(f"/public/coe/{row.document_id}").get_data(as_text=True)
    assert documents.verify(sealed, japan_today()).valid  # offline: the signature cannot know it was cancelled


def test_a_paper_coe_is_not_sealed(rt, token):
    _use_token(rt, token)
    assert _approve_coe(rt, delivery="paper") is None


def test_after_a_rotation_both_keys_are_published_and_older_documents_still_verify(rt, token):
    first = _use_token(rt, token)
    old = _approve_coe(rt)
    rotated = token["label"] + "-2"
    document_keys.generate_in_token(MODULE, "zairyu-coe", "4321", rotated)
    second = _use_token(rt, token, rotated)
    new = _approve_coe(rt)
    assert (old.kid, new.kid) == (first.kid, second.kid) and first.kid != second.kid
    with rt.engine.connect() as conn:
        published = documents.keys_from_json(coe.published_keys(conn))
    for row in (old, new):
        assert documents.verify(base64.b64decode(row.sealed), japan_today(), published).valid


def test_outside_the_embedded_run_there_is_no_software_key(rt):
    settings = rt.settings.__class__(**{**rt.settings.__dict__, "embedded": False, "coe_pkcs11_module": ""})
    with pytest.raises(document_keys.NoSigningKey):
        document_keys.signer_from(settings)


def test_the_embedded_run_signs_with_a_demo_key_that_says_so(rt):
    row = _approve_coe(rt)
    assert row.kid.startswith("DEMO-") and documents.verify(base64.b64decode(row.sealed), japan_today()).demo


def test_the_public_check_of_an_uploaded_file_shows_what_it_certifies_and_refuses_a_changed_one(rt, token):
    _use_token(rt, token)
    row = _approve_coe(rt)
    sealed = base64.b64decode(row.sealed)
    app = create_app(rt)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    import io

    ok = client.post(
        "/public/coe/check", data={"file": (io.BytesIO(sealed), "coe.pdf")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "署名は有効です" in ok and "TRAN THI BINH" in ok and row.valid_until.isoformat() in ok
    changed = sealed.replace(b"TRAN", b"TRAM", 1) if b"TRAN" in sealed else sealed[:100] + b"X" + sealed[101:]
    bad = client.post(
        "/public/coe/check", data={"file": (io.BytesIO(changed), "coe.pdf")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "無効 / Not valid" in bad and re.search(r"bad_signature|malformed", bad)


def _transaction(rt):
    from zairyu_shared.db import transaction

    return transaction(rt.session_factory)


def test_valid_until_is_three_months_by_the_civil_code():
    assert coe.valid_until(date(2026, 12, 6)) == date(2027, 3, 6)
    assert coe.valid_until(date(2026, 11, 30)) == date(2027, 2, 28)


def test_the_approval_publishes_the_sealed_document_for_the_mail(rt, token):
    import json

    signer = _use_token(rt, token)
    row = _approve_coe(rt)
    with rt.engine.connect() as conn:
        [body] = conn.execute(sa.select(rt.outbox.c.body).where(rt.outbox.c.event_type == "coe.issued")).scalars()
    payload = json.loads(open_body(body, rt.keyring))["payload"]
    assert payload["document_id"] == row.document_id and payload["kid"] == signer.kid
    assert base64.b64decode(payload["document_b64"]) == base64.b64decode(row.sealed)
    assert documents.verify(base64.b64decode(payload["document_b64"]), japan_today()).valid


def _approve_certificate(rt, delivery):
    content = {
        **FORM,
        "procedure": "employment_certificate",
        "form": {**FORM["form"], "certificate_delivery": delivery, "job_description": "Software engineer"},
    }
    o = officers_once(rt, "tokyo")
    event = verified_event(procedure="employment_certificate", form=content)
    app = event.payload["application_id"]
    act(rt, inbound.receive, event)
    act(rt, casework.claim, o["examiner"], app)
    act(rt, casework.propose, o["examiner"], app, Proposal("approved", o["examiner"].id, "engineer_humanities", "-"))
    act(rt, casework.confirm, o["supervisor"], app)
    return app, event.payload["applicant_id"]


def _fee_paid(rt, app, applicant):
    from datetime import datetime

    from zairyu_shared.events import new_event

    act(
        rt,
        inbound.fee_paid,
        new_event(
            "fee.paid",
            {
                "application_id": app,
                "applicant_id": applicant,
                "payment_id": "pay-1",
                "amount_yen": 1600,
                "paid_at": datetime.now(UTC),
                "payment_reference": "DEMO-1",
                "method": "card",
                "provider": "demo",
            },
            source="intake",
            correlation_id=app,
        ),
    )


def test_a_certificate_chosen_as_pdf_is_sealed_once_its_fee_is_paid_and_sent_to_be_mailed(rt, token):
    import json

    signer = _use_token(rt, token)
    app, applicant = _approve_certificate(rt, "pdf")
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(coe_documents).where(coe_documents.c.application_id == app)).first() is None
    _fee_paid(rt, app, applicant)
    _fee_paid(rt, app, applicant)  # a replay issues nothing new
    with rt.engine.connect() as conn:
        row = conn.execute(sa.select(coe_documents).where(coe_documents.c.application_id == app)).one()
        bodies = (
            conn.execute(sa.select(rt.outbox.c.body).where(rt.outbox.c.event_type == "certificate.issued"))
            .scalars()
            .all()
        )
    assert row.document_id.startswith("EMP-") and row.kid == signer.kid
    payload = json.loads(open_body(bodies[0], rt.keyring))["payload"]
    verdict = documents.verify(base64.b64decode(payload["document_b64"]), japan_today())
    assert verdict.valid and verdict.payload["type"] == "employment_certificate"
    assert verdict.payload["activity"] == "Software engineer" and verdict.payload["valid_until"] == "2027-01-31"


def test_a_certificate_on_paper_or_a_card_fee_issues_no_pdf(rt, token):
    _use_token(rt, token)
    app, applicant = _approve_certificate(rt, "paper")
    _fee_paid(rt, app, applicant)
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(coe_documents)).scalar() == 0
