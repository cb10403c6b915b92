"""The casework written after a case arrives is the applicant's too (issue 20): history details, officers' notes,
requests for documents and the answers, proposals' explanations and corrections go under the applicant's own
data key, so erasing the person makes them unreadable here (and in every backup); rows written before this
change, under the service key, move under that key with rotate-keys."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from test_casework import act, full_path, officers_once

from review.adapters.tables import case_history, cases, corrections, document_requests, metadata, notes, proposals
from review.application import casework
from zairyu_shared import crypto, subject_keys
from zairyu_shared.subject_keys import SubjectErased

PERSONAL = {
    case_history: case_history.c.detail,
    notes: notes.c.body,
    document_requests: document_requests.c.message,
    proposals: proposals.c.explanation,
}


def _tokens(rt, column) -> list[bytes]:
    raw = sa.table(column.table.name, sa.column(column.name))
    with rt.engine.connect() as conn:
        return [bytes(v) for v in conn.execute(sa.select(raw.c[column.name])).scalars() if v is not None]


def test_casework_is_sealed_under_the_applicant_s_key_and_erasure_reaches_it(rt):
    officers = officers_once(rt)
    app = full_path(rt, officers, outcome="refused")
    act(rt, casework.add_note, officers["examiner"], app, "called the employer about the income")
    with rt.engine.connect() as conn:
        applicant = conn.execute(sa.select(cases.c.applicant_id)).scalar_one()
    for table, column in PERSONAL.items():
        tokens = _tokens(rt, column)
        assert tokens, table.name
        assert all(crypto.split_subject_token(t) == (applicant, crypto.split_subject_token(t)[1]) for t in tokens)
    with rt.engine.begin() as conn:
        assert rt.keyring.erase(conn, applicant)
    for table, column in PERSONAL.items():
        with rt.engine.connect() as conn:
            try:
                conn.execute(sa.select(column).where(column.is_not(None))).all()
            except SubjectErased:
                continue
        raise AssertionError(f"{table.name} still readable after erasure")


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request):
    return request.getfixturevalue("rt" if request.param == "sqlite" else "pg_rt")


def test_rotate_keys_moves_older_casework_under_the_applicant_s_key(runtime):
    rt = runtime
    officers = officers_once(rt)
    app = full_path(rt, officers)
    with rt.engine.connect() as conn:
        applicant = conn.execute(sa.select(cases.c.applicant_id)).scalar_one()
    # A note as this service wrote it before: under the service key.
    old = crypto.cipher().encrypt(b"written before issue 20")
    with rt.engine.begin() as conn:
        conn.execute(
            sa.table("notes", sa.column("application_id"), sa.column("author"), sa.column("at"), sa.column("body"))
            .insert()
            .values(application_id=app, author="o", at=sa.func.now(), body=old)
        )
    assert old in _tokens(rt, notes.c.body)
    report = subject_keys.rotate_keys(rt.engine, metadata)
    assert report["values_sealed"] >= 1
    tokens = _tokens(rt, notes.c.body)
    assert old not in tokens and all(crypto.split_subject_token(t)[0] == applicant for t in tokens)
    with rt.session_factory() as s:
        assert "written before issue 20" in s.execute(sa.select(notes.c.body)).scalars().all()
    assert corrections.info["subject"].parent == "cases"
