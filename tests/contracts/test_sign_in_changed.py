"""applicant.sign_in_changed v1 (issue 20): what changed in how the account is signed in to, when, in which language,
and the address(es) to tell; a previous address with an e-mail change only; nothing else (no secret can ride along)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from zairyu_shared.events import ContractError, new_event, parse_message, spec_for
from zairyu_shared.events.contracts import SIGN_IN_CHANGES

JST = timezone(timedelta(hours=9))


def _payload(**over) -> dict:
    payload = {
        "applicant_id": "acc-1",
        "change": "two_step_off",
        "changed_at": datetime(2026, 12, 6, 18, 30, tzinfo=JST),
        "language": "vi",
        "email": "an@example.jp",
    }
    payload.update(over)
    return payload


def _event(**over):
    return new_event("applicant.sign_in_changed", _payload(**over), source="intake", correlation_id="acc-1")


def test_every_change_travels_with_its_japan_time_and_the_persons_language():
    for change in SIGN_IN_CHANGES:
        extra = {"previous_email": "old@example.jp"} if change == "email_changed" else {}
        back = parse_message(_event(change=change, **extra).to_json())
        assert back.data["change"] == change and back.data["language"] == "vi"
        assert back.data["changed_at"] == datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
        assert back.payload["changed_at"].endswith("+09:00")  # as intake wrote it: Japan time
    assert set(SIGN_IN_CHANGES) == {
        "email_changed",
        "password_changed",
        "card_linked",
        "card_unlinked",
        "two_step_on",
        "two_step_off",
        "card_renewed",
    }


def test_the_contract_is_intakes_for_notify_and_sealed_as_personal_data():
    spec = spec_for("applicant.sign_in_changed", 1)
    assert (spec.producer, spec.consumers, spec.personal) == ("intake", ("notify",), True)


@pytest.mark.parametrize(
    "over",
    [
        {"change": "email_changed"},  # a new address without the previous one to tell
        {"change": "email_changed", "previous_email": "AN@example.jp"},  # the same address is no change
        {"previous_email": "old@example.jp"},  # a previous address on another change
        {"change": "logged_in"},  # not a change of the sign-in
        {"changed_at": "2026-12-06T18:30:00"},  # a moment without its zone
        {"language": "fr"},
        {"password": "correct horse battery"},  # nothing else rides along, a secret least of all
        {"totp_secret": "JBSWY3DPEHPK3PXP"},
        {"reset_url": "https://zairyu.example.jp/login/reset/abc"},
    ],
)
def test_what_the_contract_refuses(over):
    with pytest.raises(ContractError):
        _event(**over)
