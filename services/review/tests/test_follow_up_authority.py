"""Who may correct or withdraw an application (review.domain.follow_up): the person with their own card, or the
filing organisation's staff (a card in their staff session, or their TOTP step-up without a card). Any other JPKI
signature is refused, however valid the card: before, a case filed without a card had no holder to check against
and took any valid signature, and a card-filed organisation case kept the staff member as its holder, so the
person's own signature did not match."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from review_testkit import FORM, HOLDER, intake_event, staff_attested_event, staff_authentication, verified_event

from review.adapters.queries import case_file
from review.adapters.tables import cases
from review.application import inbound
from review.bootstrap import ports
from zairyu_shared.db import transaction

PERSON = {"name": "TRAN THI BINH", "date_of_birth": "1995-05-05", "sex": "F", "address": "東京都港区芝公園4-2-8"}
STAFF = HOLDER  # the staff member whose card signed the card-filed case (verified_event's holder)
STRANGER = {"name": "SATO TARO", "date_of_birth": "1980-02-02", "sex": "M", "address": "大阪府大阪市北区1-1"}
FILER = {
    "role": "employer_staff",
    "name": "NGUYEN VAN A",
    "organisation_name": "株式会社サンプル",
    "organisation_number": "7123456789012",
    "applicant_name": "TRAN THI BINH",
    "applicant_date_of_birth": "1995-05-05",
}
SIGNED_FILER = {"role": "employer_staff", "organisation_id": "org-3", "staff_id": "staff-7"}


def signature_by(holder: dict) -> str:
    """The fake card signature: it names whose card made it."""
    return base64.b64encode(json.dumps(holder, sort_keys=True).encode()).decode()


class CardSigning:
    """Signing as it answers: a card's signature is valid for any expected holder that is the card's own, and for
    no expected holder at all (it then checks only the card); the staff session's attestation as set."""

    def __init__(self, attestation="valid"):
        self.calls: list[dict] = []
        self.attestation = attestation

    def verify_cms(self, content_b64, signature_b64, expected_holder, language="en"):
        self.calls.append({"expected_holder": expected_holder})
        signer = json.loads(base64.b64decode(signature_b64))
        if expected_holder is not None and expected_holder != signer:
            return {"verdict": "invalid", "reason": "holder_mismatch", "message": "not the holder", "evidence": {}}
        return {"verdict": "valid", "reason": None, "message": "ok", "evidence": {"holder": signer}}

    def attest_follow_up(self, content_b64, request, language="en"):
        self.calls.append({"attest": request})
        if self.attestation == "valid":
            return {"verdict": "valid", "reason": None, "message": "", "checks": ["session_in_request_bytes"]}
        return {"verdict": "invalid", "reason": "attestation_invalid", "message": "no", "checks": []}


def _receive(rt, event, handler):
    with transaction(rt.session_factory) as s:
        handler(rt, s, event)
    return event.payload["application_id"]


def card_filed_org_case(rt) -> str:
    """The organisation's staff member signed it with their own card: the case's holder is the staff member."""
    event = verified_event(form={**FORM, "filer": SIGNED_FILER}, filer=FILER)
    return _receive(rt, event, inbound.receive)


def no_card_org_case(rt) -> str:
    """The organisation's staff filed it without a card (attestation.accepted): the case keeps no holder."""
    event = staff_attested_event(FILER, signed={**FORM, "filer": SIGNED_FILER}, channel="web")
    return _receive(rt, event, inbound.receive_attested)


def self_filed_case(rt) -> str:
    return _receive(rt, verified_event(), inbound.receive)


def _applicant(rt, app_id):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(cases.c.applicant_id).where(cases.c.application_id == app_id)).scalar()


def withdraw(rt, app_id, *, signer=None, requested_by=None, expected_holder=None, authentication=None):
    payload = {
        "application_id": app_id,
        "applicant_id": _applicant(rt, app_id),
        "reason": "going home",
        "signed_content_b64": "e30=",
        "signature_cms_b64": signature_by(signer) if signer else None,
        "withdrawn_at": datetime.now(UTC).isoformat(),
    }
    if requested_by is not None:  # v2
        payload.update(requested_by=requested_by, expected_holder=expected_holder, authentication=authentication)
    _receive(rt, intake_event("application.withdrawn", payload, app_id), inbound.withdrawn)
    with rt.engine.connect() as conn:
        return case_file(conn, app_id)


def correct(rt, app_id, *, signer=None, requested_by=None, expected_holder=None, authentication=None):
    payload = {
        "application_id": app_id,
        "applicant_id": _applicant(rt, app_id),
        "correction_id": f"c-{app_id}",
        "message": "the employer's address changed",
        "signed_content_b64": "e30=",
        "signature_cms_b64": signature_by(signer) if signer else None,
        "requested_at": datetime.now(UTC).isoformat(),
    }
    if requested_by is not None:
        payload.update(requested_by=requested_by, expected_holder=expected_holder, authentication=authentication)
    _receive(rt, intake_event("application.correction_requested", payload, app_id), inbound.correction_requested)
    with rt.engine.connect() as conn:
        return case_file(conn, app_id)


APPLICANT = {"role": "applicant"}
ORG_STAFF = {"role": "organisation_staff", "organisation_id": "org-3", "staff_id": "staff-9", "staff_name": "山田 花子"}
OTHER_ORG_STAFF = {"role": "organisation_staff", "organisation_id": "org-8", "staff_id": "staff-1"}


@pytest.fixture
def signing(rt):
    fake = CardSigning()
    ports(rt).signing = fake
    return fake


def _refused(f, reason):
    assert f["withdrawal_requested_at"] is None
    last = f["history"][-1]
    assert last["kind"] == "withdrawal_signature_invalid"
    assert last["detail"]["signature"]["reason"] == reason


def test_an_unrelated_card_cannot_withdraw_a_case_filed_without_a_card(rt, signing):
    app_id = no_card_org_case(rt)
    # as intake sent before v2: no holder to check against, so signing took any valid card
    _refused(withdraw(rt, app_id, signer=STRANGER), "no_holder_to_check")
    assert signing.calls == []  # refused before any signature is looked at
    # v2: the stranger's card against the person's registered holder
    _refused(withdraw(rt, app_id, signer=STRANGER, requested_by=APPLICANT, expected_holder=PERSON), "holder_mismatch")


def test_the_person_withdraws_an_organisations_card_filed_case_with_their_own_card(rt, signing):
    app_id = card_filed_org_case(rt)
    f = withdraw(rt, app_id, signer=PERSON, requested_by=APPLICANT, expected_holder=PERSON)
    assert f["withdrawal_requested_at"] is not None
    assert signing.calls[-1]["expected_holder"] == PERSON  # not the staff member the case keeps as its signer
    signature = json.loads(f["withdrawal_signature"])
    assert signature["verdict"] == "valid" and signature["requested_by"] == {"role": "applicant"}


def test_the_staff_members_card_is_not_the_persons(rt, signing):
    """On the person's own request the staff member's card does not stand in for the person's."""
    app_id = card_filed_org_case(rt)
    _refused(withdraw(rt, app_id, signer=STAFF, requested_by=APPLICANT, expected_holder=PERSON), "holder_mismatch")


def test_the_filing_organisations_staff_withdraw_with_a_card(rt, signing):
    app_id = no_card_org_case(rt)
    f = withdraw(rt, app_id, signer=STRANGER, requested_by=ORG_STAFF, expected_holder=STRANGER)
    assert f["withdrawal_requested_at"] is not None
    signature = json.loads(f["withdrawal_signature"])
    assert signature["requested_by"]["staff_name"] == "山田 花子"
    assert signature["authentication"] == "card_signature"
    assert f["history"][-1]["actor"] == "filing_organisation"  # not "applicant": the staff sent it


def test_the_filing_organisations_staff_withdraw_without_a_card(rt, signing):
    app_id = card_filed_org_case(rt)
    auth = staff_authentication(staff_id="staff-9")
    f = withdraw(rt, app_id, requested_by=ORG_STAFF, authentication=auth)
    assert f["withdrawal_requested_at"] is not None
    asked = signing.calls[-1]["attest"]
    assert asked["authentication"]["organisation_staff"]["staff_id"] == "staff-9"
    assert asked["application_id"] == app_id and asked["requested_at"]
    assert json.loads(f["withdrawal_signature"])["authentication"] == "organisation_staff"


def test_a_refused_attestation_changes_nothing(rt):
    ports(rt).signing = CardSigning(attestation="invalid")
    app_id = no_card_org_case(rt)
    _refused(
        withdraw(rt, app_id, requested_by=ORG_STAFF, authentication=staff_authentication(staff_id="staff-9")),
        "attestation_invalid",
    )


def test_another_organisations_staff_are_refused(rt, signing):
    app_id = card_filed_org_case(rt)
    _refused(
        withdraw(rt, app_id, signer=STRANGER, requested_by=OTHER_ORG_STAFF, expected_holder=STRANGER),
        "not_the_filing_organisation",
    )
    auth = staff_authentication(organisation_id="org-8", staff_id="staff-1")
    _refused(withdraw(rt, app_id, requested_by=OTHER_ORG_STAFF, authentication=auth), "not_the_filing_organisation")
    assert signing.calls == []


def test_no_organisation_acts_on_a_case_the_person_filed_themself(rt, signing):
    app_id = self_filed_case(rt)
    _refused(
        withdraw(rt, app_id, signer=STRANGER, requested_by=ORG_STAFF, expected_holder=STRANGER),
        "not_the_filing_organisation",
    )
    # the person themself: the holder the case keeps (their card signed the application)
    f = withdraw(rt, app_id, signer=HOLDER, requested_by=APPLICANT, expected_holder=HOLDER)
    assert f["withdrawal_requested_at"] is not None


def test_corrections_keep_who_asked_and_whether_they_may(rt, signing):
    app_id = no_card_org_case(rt)
    f = correct(rt, app_id, signer=STRANGER, requested_by=APPLICANT, expected_holder=PERSON)
    refused = json.loads(f["corrections"][0]["signature"])
    assert refused["verdict"] == "invalid" and refused["reason"] == "holder_mismatch"
    other = no_card_org_case(rt)
    f = correct(rt, other, requested_by=ORG_STAFF, authentication=staff_authentication(staff_id="staff-9"))
    accepted = json.loads(f["corrections"][0]["signature"])
    assert accepted["verdict"] == "valid" and accepted["requested_by"]["staff_id"] == "staff-9"
