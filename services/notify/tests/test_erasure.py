"""Each applicant's address, name and mails are under their own data key (issue 20): erasing one leaves
what notify holds about them unreadable (here and in any backup), keeps everyone else's, and nothing new is
stored or mailed for them afterwards."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from notify_testkit import deliver
from samples import registered, submitted

from notify.adapters import store
from notify.adapters.tables import applicants, notices
from zairyu_shared.subject_keys import SubjectErased


def _email(rt, applicant_id):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(applicants.c.email).where(applicants.c.applicant_id == applicant_id)).scalar()


def _notice_subjects(rt, applicant_id):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(notices.c.subject).where(notices.c.applicant_id == applicant_id)).scalars().all()


def test_an_erased_applicant_is_unreadable_and_gets_nothing_new(rt):
    deliver(rt, registered("gone", email="gone@example.jp"), registered("kept", email="kept@example.jp"))
    deliver(rt, submitted("gone", "case-gone"), submitted("kept", "case-kept"))
    with rt.engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT subject FROM notices WHERE applicant_id = 'gone'")).scalars().all()
    assert raw and all(bytes(t).startswith(b"zk1:gone:") for t in raw)
    with rt.engine.begin() as conn:
        assert rt.keyring.erase(conn, "gone")
    with pytest.raises(SubjectErased):
        _email(rt, "gone")
    with pytest.raises(SubjectErased):
        _notice_subjects(rt, "gone")
    assert _email(rt, "kept") == "kept@example.jp" and _notice_subjects(rt, "kept")
    with rt.engine.begin() as conn:  # both waiting to be mailed
        conn.execute(notices.update().values(state="queued", next_attempt_at=sa.func.now()))
    claimed = store.claim_due(rt.engine, 100, 300)  # the sender is not stuck on the unreadable ones
    assert claimed and all(c.address == "kept@example.jp" for c in claimed)
    with rt.engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(notices)).scalar()
    deliver(rt, submitted("gone", "case-gone-2"))  # acknowledged, nothing stored, nobody mailed
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(notices)).scalar() == before
