"""The review domain, pure: matrix, state machine, four-eyes, receipt numbers, fees, statistics."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime

import pytest

from review.domain import case as c
from review.domain import fees, form, receipt, statistics
from review.domain.roles import MATRIX, Action, Forbidden, Officer, Role, can, require

TOKYO_EXAMINER = Officer("ex-t", Role.EXAMINER, "tokyo")
TOKYO_SUPERVISOR = Officer("sv-t", Role.SUPERVISOR, "tokyo")
TOKYO_ADMIN = Officer("ad-t", Role.ADMIN, "tokyo")
TOKYO_AUDITOR = Officer("au-t", Role.AUDITOR, "tokyo")
NATIONAL_AUDITOR = Officer("au-n", Role.AUDITOR, None)
OSAKA = [Officer(f"{r.value}-o", r, "osaka") for r in Role]


@pytest.mark.parametrize("officer", OSAKA, ids=lambda o: o.role.value)
@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_an_osaka_officer_can_do_nothing_with_tokyo(officer, action):
    assert not can(officer, action, "tokyo", assignee=officer.id)
    with pytest.raises(Forbidden):
        require(officer, action, "tokyo", assignee=officer.id)


def test_the_matrix_within_one_bureau():
    assert can(TOKYO_EXAMINER, Action.CLAIM, "tokyo")
    assert can(TOKYO_EXAMINER, Action.PROPOSE, "tokyo", assignee="ex-t")
    assert not can(TOKYO_EXAMINER, Action.PROPOSE, "tokyo", assignee="someone-else")
    assert not can(TOKYO_EXAMINER, Action.REQUEST_DOCUMENTS, "tokyo", assignee=None)
    assert not can(TOKYO_EXAMINER, Action.CONFIRM, "tokyo")
    assert not can(TOKYO_EXAMINER, Action.ASSIGN, "tokyo")
    assert can(TOKYO_SUPERVISOR, Action.CONFIRM, "tokyo")
    assert can(TOKYO_SUPERVISOR, Action.PROPOSE, "tokyo", assignee="ex-t")
    assert not can(TOKYO_ADMIN, Action.VIEW_CASE, "tokyo")
    assert can(TOKYO_ADMIN, Action.MANAGE_OFFICERS, "tokyo")
    assert can(TOKYO_AUDITOR, Action.VIEW_AUDIT, "tokyo")
    assert not can(TOKYO_AUDITOR, Action.VIEW_AUDIT, "osaka")
    for changing in (Action.CLAIM, Action.PROPOSE, Action.CONFIRM, Action.ADD_NOTE):
        assert not can(NATIONAL_AUDITOR, changing, "tokyo")
    assert can(NATIONAL_AUDITOR, Action.VIEW_CASE, "fukuoka")


def test_only_auditors_may_be_national():
    with pytest.raises(ValueError):
        Officer("x", Role.SUPERVISOR, None)
    assert set(MATRIX) == set(Role)


EXPECTED = {
    ("received", "start_examination"): "under_examination",
    ("documents_answered", "start_examination"): "under_examination",
    ("under_examination", "request_documents"): "documents_requested",
    ("documents_requested", "documents_submitted"): "documents_answered",
    ("under_examination", "propose"): "decision_proposed",
    ("decision_proposed", "confirm_approval"): "approved",
    ("decision_proposed", "confirm_refusal"): "refused",
    ("decision_proposed", "return"): "under_examination",
}
for _s in ("received", "under_examination", "documents_requested", "documents_answered", "decision_proposed"):
    EXPECTED[(_s, "withdraw")] = "withdrawn"


@pytest.mark.parametrize("status", [s.value for s in c.Status])
@pytest.mark.parametrize("step", [s.value for s in c.Step])
def test_every_transition_and_every_illegal_neighbour(status, step):
    if (status, step) in EXPECTED:
        assert c.next_status(status, step) == c.Status(EXPECTED[(status, step)])
    else:
        with pytest.raises(c.IllegalTransition) as info:
            c.next_status(status, step)
        assert info.value.status == c.Status(status)


def test_terminal_states_admit_nothing():
    for status in c.TERMINAL:
        assert c.allowed_steps(status) == []


def approval(by="ex-t"):
    return c.Proposal("approved", by, granted_status="engineer_humanities", period_of_stay="3 years")


def test_four_eyes():
    with pytest.raises(c.FourEyesViolation):
        c.check_confirmation(TOKYO_EXAMINER, approval("someone"))
    with pytest.raises(c.FourEyesViolation):
        c.check_confirmation(TOKYO_SUPERVISOR, approval("sv-t"))
    c.check_confirmation(TOKYO_SUPERVISOR, approval("ex-t"))


def test_proposals_must_be_complete():
    with pytest.raises(ValueError):
        c.Proposal("approved", "ex-t", granted_status="student")
    with pytest.raises(ValueError):
        c.Proposal("refused", "ex-t", reason_codes=("R1",), explanation=" ")
    with pytest.raises(ValueError):
        c.Proposal("maybe", "ex-t")
    assert c.Proposal("refused", "ex-t", reason_codes=("R1",), explanation="x").confirm_step == c.Step.CONFIRM_REFUSAL
    assert approval().confirm_step == c.Step.CONFIRM_APPROVAL


def test_receipt_numbers_name_the_receiving_office_round_trip_and_reject_garbage():
    # Corrected (issue 16): numbers named the bureau (TKY-); ISA's name the online receiving office (東オン, 横オン).
    number = receipt.receipt_number("tokyo", 2026, 123)
    assert number == "東オン-2026-000123"
    assert receipt.parse_receipt_number(number) == ("tokyo", 2026, 123)
    assert (
        receipt.receipt_number("yokohama", 2026, 1) == "横オン-2026-000001" and receipt.bureau_of("yokohama") == "tokyo"
    )
    assert receipt.receipt_number("osaka", 2026, 1234567) == "阪オン-2026-1234567"
    assert receipt.parse_receipt_number("TKY-2026-000123") == ("tokyo", 2026, 123)  # numbers issued before
    for bad in ("TKY2026000123", "XXX-2026-000001", "TKY-26-000001", "京オン-2026-000001"):
        with pytest.raises(ValueError):
            receipt.parse_receipt_number(bad)
    with pytest.raises(ValueError):
        receipt.receipt_number("tokyo", 2026, 0)
    with pytest.raises(ValueError):
        receipt.receipt_number("atlantis", 2026, 1)


def test_fees_at_online_rates_only_on_approval():
    assert fees.fee_yen("approved", "extension") == 5500
    assert fees.fee_yen("approved", "change", ["reentry"], "multiple") == 12000
    assert fees.fee_yen("approved", "extension", ["reentry", "activity_outside_status"]) == 9000
    assert fees.fee_yen("approved", "employment_certificate") == 1600
    assert fees.fee_yen("approved", "coe", ["activity_outside_status"]) == 0
    assert fees.fee_yen("refused", "extension", ["reentry"]) == 0
    with pytest.raises(ValueError):
        fees.fee_yen("approved", "naturalisation")


def test_processing_days_and_summaries():
    received = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)  # 6 January, 08:00 in Japan
    assert statistics.processing_days(received, date(2026, 2, 4)) == 29  # Japanese calendar days
    assert statistics.processing_days(datetime(2026, 1, 5, 14, 0, tzinfo=UTC), date(2026, 2, 4)) == 30
    with pytest.raises(ValueError):
        statistics.processing_days(date(2026, 2, 1), date(2026, 1, 1))
    rows = [("extension", "student", "tokyo", d) for d in (10, 20, 30, 40)] + [("coe", "student", "osaka", 60)]
    summary = statistics.group_summaries(rows)
    assert summary[0] == {
        "procedure": "coe",
        "status_of_residence": "student",
        "bureau": "osaka",
        "count": 1,
        "mean_days": 60.0,
        "median_days": 60.0,
        "p90_days": 60.0,
    }
    assert summary[1]["count"] == 4 and summary[1]["mean_days"] == 25.0
    assert summary[1]["median_days"] == 20.0 and summary[1]["p90_days"] == 40.0
    assert statistics.summarise([]) is None


def test_ageing_against_targets():
    today = date(2026, 3, 1)
    assert statistics.ageing("extension", date(2026, 2, 25), today)["state"] == "ok"
    assert statistics.ageing("extension", date(2026, 2, 5), today)["state"] == "due"
    assert statistics.ageing("extension", date(2026, 1, 1), today) == {
        "age_days": 59,
        "target_days": 30,
        "state": "overdue",
    }
    assert statistics.ageing("coe", date(2026, 1, 1), today)["state"] == "ok"


def test_form_fields_from_the_signed_bytes():
    content = {
        "form": {
            "family_name": "NGUYEN",
            "given_name": "VAN A",
            "address": {"postal_code": "160-0023", "text": "Tokyo Shinjuku 1-1"},
            "residence_card_number": "AB12345678CD",
            "reentry_kind": "multiple",
        },
        "attachments": [],
    }
    b64 = base64.b64encode(json.dumps(content).encode()).decode()
    f = form.form_of(form.decode_signed_content(b64))
    assert form.applicant_name(f) == "NGUYEN VAN A"
    assert form.mailing_address(f) == {"postal_code": "160-0023", "text": "Tokyo Shinjuku 1-1"}
    assert form.old_card_number(f) == "AB12345678CD"
    assert form.reentry_kind(f) == "multiple"
    flat = form.form_of({"name": "A B", "address_in_japan": "Osaka 1"})
    assert form.applicant_name(flat) == "A B" and form.mailing_address(flat)["text"] == "Osaka 1"
    with pytest.raises(ValueError):
        form.decode_signed_content(base64.b64encode(b"[1]").decode())


def test_audit_chain_links_every_entry_to_the_previous():
    from review.domain.audit_chain import GENESIS, entry_hash, verify

    chain, prev = [], GENESIS
    for seq in (1, 2, 3):
        e = {
            "seq": seq,
            "at": f"2026-01-0{seq}T00:00:00+00:00",
            "actor": "a",
            "action": "case.viewed",
            "bureau": "tokyo",
            "application_id": "x",
            "target": None,
            "ip": "10.0.0.1",
            "detail": "{}",
            "prev_hash": prev,
        }
        e["hash"] = prev = entry_hash(e["prev_hash"], e)
        chain.append(e)
    assert verify(chain) == []
    altered = [dict(e) for e in chain]
    altered[1]["detail"] = '{"x":1}'
    assert verify(altered) == ["seq 2: hash does not match its content (entry altered)"]
    assert verify([chain[0], chain[2]]) == [
        "seq 3: expected 2 (entry missing or inserted)",
        "seq 3: prev_hash does not match the previous entry's hash",
    ]
