"""Budgets for the hostile-input tests (imported by the test modules; conftest puts this folder on sys.path).

The default budget is derandomized and small so the suite stays fast and stable in CI;
``HYPOTHESIS_PROFILE=deep`` multiplies the example counts by 25 and draws fresh randomness.
Settings are applied per test, never loaded as a global profile, so other packages' hypothesis
tests in the same pytest run keep theirs.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

DEEP = os.environ.get("HYPOTHESIS_PROFILE", "").lower() == "deep"
DEEP_FACTOR = 25


def attack_settings(max_examples: int, **kw) -> settings:
    return settings(
        max_examples=max_examples * (DEEP_FACTOR if DEEP else 1),
        derandomize=not DEEP,
        deadline=kw.pop("deadline", 5000),  # a hang shows up as a deadline failure, not a stuck run
        database=None,  # no .hypothesis/ directory written into the repo
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
        **kw,
    )


# -- signed-in callers ---------------------------------------------------------------------------
# Without a session most /api/v1 routes stop at 401 before reading anything; these put a caller
# straight into the database and mint the service's own session cookie, so the fuzzers reach the
# validation and the handlers behind the login.

def _fill_row(table, values: dict) -> dict:
    """`values` plus a plausible value for every other NOT NULL column without a default."""
    import datetime as dt

    row = {k: v for k, v in values.items() if k in table.c}
    for column in table.c:
        if column.name in row or column.nullable or column.default is not None or column.server_default is not None:
            continue
        try:
            kind = column.type.python_type
        except NotImplementedError:
            kind = str
        row[column.name] = {int: 0, bool: False, dt.datetime: dt.datetime.now(dt.timezone.utc),
                            dt.date: dt.date(1990, 1, 1)}.get(kind, f"attack-{column.name}"[:30])
    return row


def _intake_session(app) -> dict:
    import datetime as dt
    import uuid

    from intake.adapters.tables import applicants

    runtime = app.extensions["zairyu_runtime"]
    applicant_id = str(uuid.uuid4())
    now = dt.datetime.now(dt.timezone.utc)
    row = _fill_row(applicants, {
        "id": applicant_id, "email": "attack@example.jp", "email_lookup": uuid.uuid4().hex,
        "email_verified_at": now, "language": "en", "name": "ＡＴＴＡＣＫ　ＴＥＳＴ", "date_of_birth": "1990-01-01",
        "sex": "1", "address": "東京都千代田区", "cert_serial": "01", "cert_issuer": "CN=attack",
        "holder_lookup": uuid.uuid4().hex, "created_at": now, "failed_logins": 0})
    with runtime.engine.begin() as conn:
        conn.execute(applicants.insert().values(**row))
    # intake's own log_in() writes the session (whatever it holds: applicant, epoch, ...).
    from flask import session as flask_session

    from intake.entrypoints.web_support import log_in

    with app.test_request_context("/"):
        log_in(applicant_id)
        contents = dict(flask_session)
    cookie = app.session_interface.get_signing_serializer(app).dumps(contents)
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    created = client.post("/api/v1/drafts", json={"procedure": "extension"}, headers={"X-Zairyu-Api": "1"},
                          environ_base={"REMOTE_ADDR": "10.99.0.1"})
    assert created.status_code == 201, created.get_data()[:300]
    return {"cookies": {app.config["SESSION_COOKIE_NAME"]: cookie},
            "path_values": {"draft_id": created.get_json()["id"]}}


def _review_session(app) -> dict:
    from review.adapters.accounts import create_officer, open_session
    from zairyu_shared.db import transaction

    runtime = app.extensions["zairyu_runtime"]
    with transaction(runtime.session_factory) as session:
        officer_id, _password, _secret = create_officer(session, "attack-examiner", "Attack Examiner",
                                                        "examiner", "tokyo")
        token = open_session(session, officer_id, "127.0.0.1")
    return {"cookies": {"review_session": token}, "path_values": {}}


SIGN_IN = {"intake": _intake_session, "review": _review_session}
