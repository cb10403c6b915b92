"""Officer accounts without an all-powerful administrator (issue 15, finding 4): a second
administrator approves, the officer enrols with the creator's link and the approver's code and sets
their own password and TOTP, one live account per person, four-eyes between people."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from review_testkit import verified_event

from review.adapters import accounts, audit, enrolments
from review.adapters.tables import audit_log, officers
from review.application import casework, inbound
from review.domain import enrolment
from review.domain.case import FourEyesViolation, Proposal
from review.domain.roles import Officer, Role
from review.entrypoints.cli import create_officer_main
from review.entrypoints.web import create_app
from zairyu_shared.db import transaction


@pytest.fixture
def app(rt):
    app = create_app(rt)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def admins(rt):
    """Two administrators of Tokyo (two people) and one of Osaka, bootstrapped as the shell does."""
    made = {}
    with transaction(rt.session_factory) as s:
        for name, bureau in (("adm-a", "tokyo"), ("adm-b", "tokyo"), ("adm-osaka", "osaka")):
            oid, pw, secret = accounts.create_officer(s, name, name, "bureau_admin", bureau, staff_id=f"S-{name}")
            made[name] = {"id": oid, "password": pw, "secret": secret}
    return made


def csrf(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def sign_in(app, username, password, secret, at=None):
    client = app.test_client()
    code = pyotp.TOTP(secret).at(at or datetime.now(UTC))
    return client, client.post(
        "/login", data={"csrf_token": csrf(client, "/login"), "username": username, "password": password, "totp": code}
    )


def admin(app, admins, name):
    client, r = sign_in(app, name, admins[name]["password"], admins[name]["secret"])
    assert r.status_code == 302, r.get_data(as_text=True)
    return client


def create(client, username="new-ex", staff_id="S-1001", role="examiner", **extra):
    return client.post(
        "/admin/officers",
        data={
            "csrf_token": csrf(client, "/admin/officers"),
            "username": username,
            "display_name": "New Examiner",
            "staff_id": staff_id,
            "role": role,
            **extra,
        },
        headers={"Accept-Language": "en"},
    )


def row_of(rt, username):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(officers).where(officers.c.username == username)).one()


def link_path(html):
    return re.search(r"<code>https?://[^/]+(/enrol/[^<]+)</code>", html).group(1)


def approve(client, officer_id):
    return client.post(
        f"/admin/officers/{officer_id}/approve",
        data={"csrf_token": csrf(client, "/admin/officers")},
        headers={"Accept-Language": "en"},
    )


def code_of(html):
    return re.search(r"<code>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</code>", html).group(1)


def enrol(app, path, approval_code, password="a long pass phrase 42", totp=None, lang="en"):
    """The officer's visit: open the link (reads the QR's secret), post password, code and TOTP."""
    officer = app.test_client()
    page = officer.get(path, headers={"Accept-Language": lang})
    html = page.get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", html).group(1)
    r = officer.post(
        path,
        data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            "approval_code": approval_code,
            "password": password,
            "password_again": password,
            "totp": totp or pyotp.TOTP(secret).now(),
        },
        headers={"Accept-Language": lang},
    )
    return r, secret, html


def test_an_administrator_gets_an_enrolment_link_and_never_credentials(app, rt, admins):
    r = create(admin(app, admins, "adm-a"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "/enrol/" in html
    assert not re.search(r"<code>[A-Z2-7]{32}</code>", html) and "data:image/svg+xml" not in html  # no TOTP secret
    row = row_of(rt, "new-ex")
    assert (row.enrolment, row.active, row.staff_id) == ("pending_approval", False, "S-1001")
    assert not row.password_hash.startswith("$argon2")  # no password exists yet
    token = link_path(html).rsplit("/", 1)[1]
    assert row.enrolment_token_sha256 == enrolments._digest(token) and token not in repr(tuple(row))  # stored hashed
    with rt.engine.connect() as conn:
        entry = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == "officer.created").order_by(audit_log.c.seq.desc())
        ).first()
        assert audit.verify_chain(conn)[1] == []
    assert entry.actor == admins["adm-a"]["id"] and '"enrolment":"pending_approval"' in entry.detail


def test_the_creator_can_neither_approve_nor_activate_nor_enrol_alone(app, rt, admins):
    a = admin(app, admins, "adm-a")
    path = link_path(create(a).get_data(as_text=True))
    new_id = row_of(rt, "new-ex").id
    assert "Approve" not in a.get("/admin/officers", headers={"Accept-Language": "en"}).get_data(as_text=True)
    refused = approve(a, new_id)
    assert refused.status_code == 302
    assert "Another administrator must approve" in a.get("/admin/officers", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert (
        a.post(f"/admin/officers/{new_id}/activate", data={"csrf_token": csrf(a, "/admin/officers")}).status_code == 404
    )
    page = app.test_client().get(path, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Waiting for approval" in page.get_data(as_text=True)
    assert 'name="password"' not in page.get_data(as_text=True)
    row = row_of(rt, "new-ex")
    assert (row.enrolment, row.active) == ("pending_approval", False)
    with rt.engine.connect() as conn:
        actions = conn.execute(sa.select(audit_log.c.action).where(audit_log.c.target == new_id)).scalars().all()
    assert actions == ["officer.created", "officer.approval_refused"]


def test_a_second_administrator_approves_and_the_officer_enrols_with_link_and_code(app, rt, admins):
    path = link_path(create(admin(app, admins, "adm-a")).get_data(as_text=True))
    new_id = row_of(rt, "new-ex").id
    b = admin(app, admins, "adm-b")
    osaka = admin(app, admins, "adm-osaka")
    assert (
        osaka.post(f"/admin/officers/{new_id}/approve", data={"csrf_token": csrf(osaka, "/admin/officers")}).status_code
        == 404
    )  # another bureau
    approved = approve(b, new_id)
    assert approved.status_code == 200
    code = code_of(approved.get_data(as_text=True))
    row = row_of(rt, "new-ex")
    assert (row.enrolment, row.active, row.approved_by) == ("approved", False, admins["adm-b"]["id"])
    assert row.approval_code_sha256 == enrolments._digest(code.replace("-", ""))
    assert approve(b, new_id).status_code == 302  # approved once, not twice

    # the link alone is not enough (the creator holds it); a wrong code counts
    wrong, _secret, form = enrol(app, path, "AAAA-BBBB-CCCC")
    assert wrong.status_code == 400 and "approval code is not correct" in wrong.get_data(as_text=True)
    assert "otpauth://totp/" in form and "data:image/svg+xml" in form
    assert row_of(rt, "new-ex").enrolment_failures == 1
    # a weak password is refused before anything else
    weak, _secret, _form = enrol(app, path, code, password="short")
    assert weak.status_code == 400 and "at least 12 characters" in weak.get_data(as_text=True)

    done, secret, _form = enrol(app, path, code.lower().replace("-", " "))  # typed loosely
    assert done.status_code == 200 and "Your account is ready" in done.get_data(as_text=True)
    row = row_of(rt, "new-ex")
    assert (row.enrolment, row.active) == ("enrolled", True) and row.password_hash.startswith("$argon2id$")
    assert row.enrolment_token_sha256 is None and row.approval_code_sha256 is None
    assert app.test_client().get(path).status_code == 404  # single use
    _client, signed_in = sign_in(
        app, "new-ex", "a long pass phrase 42", secret, at=datetime.now(UTC) + timedelta(seconds=30)
    )
    assert signed_in.status_code == 302
    with rt.engine.connect() as conn:
        actions = (
            conn.execute(sa.select(audit_log.c.action).where(audit_log.c.target == new_id).order_by(audit_log.c.seq))
            .scalars()
            .all()
        )
        assert audit.verify_chain(conn)[1] == []
    assert actions == ["officer.created", "officer.approved", "officer.enrolment_failed", "officer.enrolled"]


def test_enrolment_page_speaks_japanese(app, rt, admins):
    path = link_path(create(admin(app, admins, "adm-a")).get_data(as_text=True))
    code = code_of(approve(admin(app, admins, "adm-b"), row_of(rt, "new-ex").id).get_data(as_text=True))
    page = app.test_client().get(path, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "アカウントの設定" in page and "承認コード" in page
    done, _secret, _form = enrol(app, path, code, lang="ja")
    assert "アカウントの準備ができました" in done.get_data(as_text=True)


def test_a_link_is_void_after_five_wrong_codes_and_after_it_expires(rt, admins):
    at = datetime.now(UTC)
    with transaction(rt.session_factory) as s:
        officer_id, token = enrolments.create_pending_officer(
            s,
            username="x",
            display_name="X",
            role="supervisor",
            bureau="tokyo",
            office=None,
            staff_id="S-9",
            created_by=admins["adm-a"]["id"],
            at=at,
        )
        code = enrolments.approve_officer(s, officer_id, admins["adm-b"]["id"], "tokyo", at=at)
        secret = enrolments.renew_totp_secret(s, officer_id)
    for _ in range(enrolment.MAX_ENROLMENT_FAILURES):
        with transaction(rt.session_factory) as s, pytest.raises(enrolments.EnrolmentRefused):
            enrolments.complete_enrolment(s, token, code, "a long pass phrase 42", "000000", at=at)  # wrong TOTP
    with transaction(rt.session_factory) as s, pytest.raises(enrolments.EnrolmentRefused) as refused:
        enrolments.complete_enrolment(s, token, code, "a long pass phrase 42", pyotp.TOTP(secret).at(at), at=at)
    assert refused.value.reason == "link_invalid"

    with transaction(rt.session_factory) as s:
        officer_id, token = enrolments.create_pending_officer(
            s,
            username="y",
            display_name="Y",
            role="examiner",
            bureau="tokyo",
            office=None,
            staff_id="S-10",
            created_by=admins["adm-a"]["id"],
            at=at,
        )
        code = enrolments.approve_officer(s, officer_id, admins["adm-b"]["id"], "tokyo", at=at)
        secret = enrolments.renew_totp_secret(s, officer_id)
    late = at + enrolment.LINK_VALID + timedelta(seconds=1)
    with transaction(rt.session_factory) as s, pytest.raises(enrolments.EnrolmentRefused) as refused:
        enrolments.complete_enrolment(s, token, code, "a long pass phrase 42", pyotp.TOTP(secret).at(late), at=late)
    assert refused.value.reason == "link_invalid"


def test_one_live_account_per_person_and_none_for_oneself(app, rt, admins):
    a = admin(app, admins, "adm-a")
    assert create(a, "first", "S-2000").status_code == 200
    again = create(a, "second", "S-2000")  # the same person again
    assert again.status_code == 302
    mine = create(a, "my-own-examiner", "S-adm-a")  # the administrator's own staff number
    assert mine.status_code == 302
    with rt.engine.connect() as conn:
        names = set(conn.execute(sa.select(officers.c.username)).scalars())
    assert "second" not in names and "my-own-examiner" not in names
    assert create(a, "bad", "no spaces allowed").status_code == 302
    with transaction(rt.session_factory) as s:  # a withdrawn account frees its person's staff number
        assert enrolments.withdraw_officer(s, row_of(rt, "first").id, "tokyo")
    assert create(a, "second", "S-2000").status_code == 200
    out = io.StringIO()  # the shell refuses a live person too
    with pytest.raises(SystemExit):
        create_officer_main(
            ["dup", "--display-name", "D", "--role", "examiner", "--bureau", "tokyo", "--staff-id", "S-adm-b"],
            runtime=rt,
            out=out,
        )


def test_approval_rules_compare_people():
    person = enrolment.person
    with pytest.raises(enrolment.SecondPersonRequired):  # the creator, from another account of theirs
        enrolment.check_approval(
            state=enrolment.Enrolment.PENDING_APPROVAL,
            approver_id="acc-2",
            approver_person=person("acc-2", "S1"),
            creator_id="acc-1",
            creator_person=person("acc-1", "S1"),
            account_person=person("new", "S3"),
        )
    with pytest.raises(enrolment.SecondPersonRequired):  # an account for the approver themself
        enrolment.check_approval(
            state=enrolment.Enrolment.PENDING_APPROVAL,
            approver_id="acc-2",
            approver_person=person("acc-2", "S2"),
            creator_id="acc-1",
            creator_person=person("acc-1", "S1"),
            account_person=person("new", "S2"),
        )
    with pytest.raises(ValueError):
        enrolment.check_approval(
            state=enrolment.Enrolment.ENROLLED,
            approver_id="acc-2",
            approver_person=person("acc-2", "S2"),
            creator_id="acc-1",
            creator_person=person("acc-1", "S1"),
            account_person=person("new", "S3"),
        )
    enrolment.check_approval(
        state=enrolment.Enrolment.PENDING_APPROVAL,
        approver_id="acc-2",
        approver_person=person("acc-2", "S2"),
        creator_id="acc-1",
        creator_person=person("acc-1", "S1"),
        account_person=person("new", "S3"),
    )
    with pytest.raises(enrolment.SecondPersonRequired):
        enrolment.check_creation(person("acc-1", "S1"), person("new", "S1"))
    assert person("acc-1", None) != person("acc-2", None)


def test_one_person_never_proposes_and_confirms_one_decision_through_two_accounts(rt):
    """Tanaka proposed as an examiner; later a supervisor (new account, same person): not on that case."""
    with transaction(rt.session_factory) as s:
        ex, _, _ = accounts.create_officer(s, "tanaka-ex", "Tanaka", "examiner", "tokyo", staff_id="S-TANAKA")
    event = verified_event(bureau="tokyo")
    app_id = event.payload["application_id"]
    examiner = Officer(ex, Role.EXAMINER, "tokyo")
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, event)
    with transaction(rt.session_factory) as s:
        casework.claim(rt, s, examiner, app_id)
    with transaction(rt.session_factory) as s:
        casework.propose(rt, s, examiner, app_id, Proposal("approved", ex, "engineer_humanities", "3 years"))
    with transaction(rt.session_factory) as s:
        accounts.set_active(s, ex, "tokyo", False)
        sv, _, _ = accounts.create_officer(s, "tanaka-sv", "Tanaka", "supervisor", "tokyo", staff_id="S-TANAKA")
        other, _, _ = accounts.create_officer(s, "suzuki-sv", "Suzuki", "supervisor", "tokyo", staff_id="S-SUZUKI")
    tanaka = Officer(sv, Role.SUPERVISOR, "tokyo")
    for step in (
        lambda s: casework.confirm(rt, s, tanaka, app_id),
        lambda s: casework.return_proposal(rt, s, tanaka, app_id, "again"),
    ):
        with transaction(rt.session_factory) as s, pytest.raises(FourEyesViolation):
            step(s)
    with transaction(rt.session_factory) as s:  # another person confirms
        assert casework.confirm(rt, s, Officer(other, Role.SUPERVISOR, "tokyo"), app_id) == "approved"


def test_an_old_account_is_not_reactivated_beside_its_persons_live_one(app, rt, admins):
    with transaction(rt.session_factory) as s:
        old, _, _ = accounts.create_officer(s, "sato-old", "Sato", "examiner", "tokyo", staff_id="S-SATO")
        accounts.set_active(s, old, "tokyo", False)
        accounts.create_officer(s, "sato-new", "Sato", "supervisor", "tokyo", staff_id="S-SATO")
    a = admin(app, admins, "adm-a")
    r = a.post(
        f"/admin/officers/{old}/activate",
        data={"csrf_token": csrf(a, "/admin/officers")},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "one account per person" in r.get_data(as_text=True)
    assert row_of(rt, "sato-old").active is False


def test_the_flow_on_postgresql_one_enrolment_per_link_even_at_once(pg_rt):
    """On PostgreSQL: the partial unique index, the failure count in SQL, and two enrolments racing
    with one link: exactly one wins."""
    import threading

    at = datetime.now(UTC)
    with transaction(pg_rt.session_factory) as s:
        a, _, _ = accounts.create_officer(s, "adm-a", "A", "bureau_admin", "tokyo", staff_id="S-A")
        b, _, _ = accounts.create_officer(s, "adm-b", "B", "bureau_admin", "tokyo", staff_id="S-B")
        officer_id, token = enrolments.create_pending_officer(
            s,
            username="z",
            display_name="Z",
            role="examiner",
            bureau="tokyo",
            office=None,
            staff_id="S-Z",
            created_by=a,
            at=at,
        )
    with transaction(pg_rt.session_factory) as s, pytest.raises(enrolment.SecondPersonRequired):
        enrolments.approve_officer(s, officer_id, a, "tokyo", at=at)
    with transaction(pg_rt.session_factory) as s, pytest.raises(sa.exc.IntegrityError):
        enrolments.create_pending_officer(
            s,
            username="z2",
            display_name="Z",
            role="examiner",
            bureau="tokyo",
            office=None,
            staff_id="S-Z",
            created_by=b,
            at=at,
        )
    with transaction(pg_rt.session_factory) as s:
        code = enrolments.approve_officer(s, officer_id, b, "tokyo", at=at)
        secret = enrolments.renew_totp_secret(s, officer_id)
    with transaction(pg_rt.session_factory) as s, pytest.raises(enrolments.EnrolmentRefused):
        enrolments.complete_enrolment(s, token, "WRONG-CODE-0000", "a long pass phrase 42", "123456", at=at)
    results, barrier = [], threading.Barrier(2)

    def attempt():
        barrier.wait()
        try:
            with transaction(pg_rt.session_factory) as s:
                enrolments.complete_enrolment(s, token, code, "a long pass phrase 42", pyotp.TOTP(secret).at(at), at=at)
            results.append("enrolled")
        except enrolments.EnrolmentRefused as exc:
            results.append(exc.reason)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["enrolled", "link_invalid"]
    with pg_rt.engine.connect() as conn:
        row = conn.execute(sa.select(officers).where(officers.c.id == officer_id)).one()
    assert (row.enrolment, row.active, row.enrolment_failures) == ("enrolled", True, 1)
