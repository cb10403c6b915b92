"""Each applicant's name and addresses are under their own data key (issue 20): erasing one applicant
leaves their delivery case unreadable (here and in any backup) and everyone else's whole."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from card_delivery_testkit import decision_payload

from card_delivery.adapters.tables import delivery_cases
from card_delivery.application.opening import application_decided as on_application_decided
from zairyu_shared.db import transaction
from zairyu_shared.events import new_event
from zairyu_shared.subject_keys import SubjectErased


def _decide(runtime, application_id):
    payload = decision_payload(application_id)
    event = new_event("application.decided", payload, source="review", correlation_id=application_id)
    with transaction(runtime.session_factory) as session:
        on_application_decided(runtime, session, event)
    return payload["applicant_id"]


def _name(runtime, applicant_id):
    with runtime.engine.connect() as conn:
        return conn.execute(
            sa.select(delivery_cases.c.name, delivery_cases.c.mailing_address).where(
                delivery_cases.c.applicant_id == applicant_id
            )
        ).one()


def test_an_erased_applicants_delivery_case_is_unreadable_and_the_others_stay(runtime):
    gone, kept = _decide(runtime, "app-gone"), _decide(runtime, "app-kept")
    with runtime.engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT name FROM delivery_cases WHERE applicant_id = :a"), {"a": gone}).scalar()
    assert bytes(raw).startswith(f"zk1:{gone}:".encode())  # under the applicant's own key
    with runtime.engine.begin() as conn:
        assert runtime.keyring.erase(conn, gone)
    with pytest.raises(SubjectErased):
        _name(runtime, gone)
    assert _name(runtime, kept).name == "NGUYEN VAN AN"
