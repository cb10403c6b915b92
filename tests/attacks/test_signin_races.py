"""Racing the sign-in (issue 15, finding 8), on real PostgreSQL with the real argon2 cost.

Review read the officer row, checked, and wrote back what it had read: two requests with one TOTP
code both signed in (a code seen over a shoulder or replayed from a proxy log was good twice), and
wrong guesses sent at once overwrote each other's count, so the lockout came late or never. Intake's
password login lost counts the same way. Every service now signs in through
zairyu_shared.credentials: the step is taken by a conditional UPDATE and failures are counted in SQL.

Each race releases its requests together (a barrier) from separate addresses, as a botnet would.
"""

from __future__ import annotations

import threading

import pyotp
import pytest
import sqlalchemy as sa
from attack_support import build_service_app, csrf_token, fresh_ip, intake_applicant, runtime_of

from zairyu_shared import testing

RACERS = 8
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    from contextlib import ExitStack

    folder = tmp_path_factory.mktemp("races")
    with ExitStack() as stack:
        built = {}
        for name in ("intake", "review", "card-delivery"):
            url = stack.enter_context(testing.fresh_database("zt_race_" + name.replace("-", "_")))
            built[name] = build_service_app(name, folder, database_url=url)
            stack.callback(runtime_of(built[name]).engine.dispose)
        yield built


def browser(app):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    return client


def race(attempts) -> list:
    """Runs each prepared attempt (a no-argument callable) in its own thread, all released at once."""
    start = threading.Barrier(len(attempts))
    results: list = [None] * len(attempts)

    def run(i, attempt):
        start.wait()
        results[i] = attempt()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def wrong_code(secret: str) -> str:
    totp, now = pyotp.TOTP(secret), int(__import__("time").time())
    valid = {totp.at(now + d) for d in (-60, -30, 0, 30, 60)}
    return next(c for c in (f"{n * 7919 % 1_000_000:06d}" for n in range(1, 50)) if c not in valid)


# -- review -------------------------------------------------------------------------------------------
def review_attempt(app, username, password, code):
    client = browser(app)
    form = {"csrf_token": csrf_token(client, "/login"), "username": username, "password": password, "totp": code}
    return lambda: client.post("/login", data=form)


@pytest.fixture(scope="module")
def officer(apps):
    from attack_support import review_officer

    _id, password, secret = review_officer(apps["review"], "racing-examiner", "examiner", "tokyo")
    return password, secret


def review_state(app):
    from review.adapters.tables import officers

    with runtime_of(app).engine.begin() as conn:
        return conn.execute(
            sa.select(officers.c.failed_attempts, officers.c.locked_until).where(
                officers.c.username == "racing-examiner"
            )
        ).one()


def reset_review(app):
    from review.adapters.tables import officers

    with runtime_of(app).engine.begin() as conn:
        conn.execute(
            officers.update()
            .where(officers.c.username == "racing-examiner")
            .values(failed_attempts=0, locked_until=None, last_totp_step=None)
        )


def test_review_one_code_raced_signs_in_once(apps, officer):
    app = apps["review"]
    reset_review(app)
    password, secret = officer
    code = pyotp.TOTP(secret).now()
    results = race([review_attempt(app, "racing-examiner", password, code) for _ in range(RACERS)])
    signed_in = [r for r in results if r.status_code == 302 and "review_session=" in r.headers.get("Set-Cookie", "")]
    assert len(signed_in) == 1, f"{len(signed_in)} sessions from one TOTP code"


def test_review_concurrent_wrong_guesses_all_count(apps, officer):
    from review.adapters.accounts import MAX_FAILURES

    app = apps["review"]
    reset_review(app)
    password, secret = officer
    guesses = MAX_FAILURES - 1  # all counted, and not yet a lock
    race([review_attempt(app, "racing-examiner", password, wrong_code(secret)) for _ in range(guesses)])
    assert review_state(app).failed_attempts == guesses


# -- intake ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def applicant(apps):
    from intake.adapters import passwords
    from intake.adapters.tables import applicants

    app = apps["intake"]
    applicant_id, _ = intake_applicant(app, "nguyen", "racer@example.jp")
    secret = pyotp.random_base32()
    with runtime_of(app).engine.begin() as conn:
        conn.execute(
            applicants.update()
            .where(applicants.c.id == applicant_id)
            .values(password_hash=passwords.hash_password(PASSWORD), totp_secret=secret)
        )
    return applicant_id, secret


def intake_state(app, applicant_id, **reset):
    from intake.adapters.tables import applicants

    with runtime_of(app).engine.begin() as conn:
        if reset:
            conn.execute(applicants.update().where(applicants.c.id == applicant_id).values(**reset))
        return conn.execute(
            sa.select(applicants.c.failed_logins, applicants.c.locked_until).where(applicants.c.id == applicant_id)
        ).one()


def intake_password_attempt(app, password):
    client = browser(app)
    form = {"csrf_token": csrf_token(client, "/login"), "email": "racer@example.jp", "password": password}
    return lambda: client.post("/login", data=form)


def test_intake_concurrent_wrong_passwords_all_count(apps, applicant):
    app = apps["intake"]
    applicant_id, _ = applicant
    intake_state(app, applicant_id, failed_logins=0, locked_until=None)
    guesses = runtime_of(app).settings.lockout_after - 1
    race([intake_password_attempt(app, f"wrong-{n}") for n in range(guesses)])
    assert intake_state(app, applicant_id).failed_logins == guesses


def test_intake_one_code_raced_signs_in_once(apps, applicant):
    app = apps["intake"]
    applicant_id, secret = applicant
    intake_state(app, applicant_id, failed_logins=0, locked_until=None, totp_last_step=None)
    clients = []
    for _ in range(RACERS):  # each racer has passed the password step: a pending session
        client = browser(app)
        client.post(
            "/login",
            data={"csrf_token": csrf_token(client, "/login"), "email": "racer@example.jp", "password": PASSWORD},
        )
        clients.append((client, csrf_token(client, "/login/totp")))
    code = pyotp.TOTP(secret).now()
    race([(lambda c=c, t=t: c.post("/login/totp", data={"csrf_token": t, "code": code})) for c, t in clients])
    signed_in = [
        c for c, _ in clients if c.get("/api/v1/applications", headers={"X-Zairyu-Api": "1"}).status_code == 200
    ]
    assert len(signed_in) == 1, f"{len(signed_in)} sessions from one TOTP code"


# -- card-delivery (it locked the row already: kept that way) ------------------------------------------------
@pytest.fixture(scope="module")
def clerk(apps):
    from attack_support import mailroom_officer

    return mailroom_officer(apps["card-delivery"], "racing-clerk")


def mailroom_attempt(app, password, code):
    client = browser(app)
    form = {
        "csrf_token": csrf_token(client, "/mailroom/sign-in"),
        "username": "racing-clerk",
        "password": password,
        "code": code,
    }
    return lambda: client.post("/mailroom/sign-in", data=form)


def mailroom_failures(app, reset=False):
    from card_delivery.adapters.tables import officers

    with runtime_of(app).engine.begin() as conn:
        if reset:
            conn.execute(
                officers.update()
                .where(officers.c.username == "racing-clerk")
                .values(failed_attempts=0, last_totp_step=0, locked_until=None)
            )
        return conn.execute(sa.select(officers.c.failed_attempts).where(officers.c.username == "racing-clerk")).scalar()


def test_mailroom_one_code_raced_signs_in_once_and_guesses_all_count(apps, clerk):
    from card_delivery.adapters.officers import LOCK_AFTER_FAILURES

    app = apps["card-delivery"]
    mailroom_failures(app, reset=True)
    code = pyotp.TOTP(clerk.totp_secret).now()
    results = race([mailroom_attempt(app, clerk.password, code) for _ in range(RACERS)])
    assert [r.status_code for r in results].count(302) == 1
    mailroom_failures(app, reset=True)
    guesses = LOCK_AFTER_FAILURES - 1
    race([mailroom_attempt(app, clerk.password, wrong_code(clerk.totp_secret)) for _ in range(guesses)])
    assert mailroom_failures(app) == guesses
