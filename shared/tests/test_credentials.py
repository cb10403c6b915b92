"""zairyu_shared.credentials on a table of its own (SQLite and real PostgreSQL), with real races on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from zairyu_shared import credentials
from zairyu_shared.credentials import LockoutPolicy, Outcome, SignInColumns

metadata = sa.MetaData()
accounts = sa.Table(
    "test_accounts",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("pw", sa.String(200), nullable=False),
    sa.Column("secret", sa.String(64), nullable=False),
    sa.Column("wrong", sa.Integer, nullable=False, server_default="0"),
    sa.Column("until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("step", sa.BigInteger, nullable=True),
)
COLS = SignInColumns(
    key=accounts.c.account_id, failures=accounts.c.wrong, locked_until=accounts.c.until, last_step=accounts.c.step
)
PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/accounts.db"
    else:
        url = request.getfixturevalue("pg_url")
    eng = (
        sa.create_engine(url, pool_size=12, max_overflow=4) if request.param == "postgresql" else sa.create_engine(url)
    )
    metadata.drop_all(eng)
    metadata.create_all(eng)
    yield eng
    metadata.drop_all(eng)
    eng.dispose()


@pytest.fixture
def cheap(monkeypatch):
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(credentials, "HASHER", hasher)
    monkeypatch.setattr(credentials, "DUMMY_HASH", hasher.hash("x"))


def new_account(engine) -> tuple[str, str]:
    account, secret = str(uuid.uuid4()), pyotp.random_base32()
    with engine.begin() as conn:
        conn.execute(
            accounts.insert().values(account_id=account, pw=credentials.hash_password(PASSWORD), secret=secret)
        )
    return account, secret


def row(engine, account):
    with engine.connect() as conn:
        return conn.execute(sa.select(accounts).where(accounts.c.account_id == account)).one()


def attempt(engine, account, password, code, at=None, policy=credentials.POLICY) -> Outcome:
    at = at or datetime.now(UTC)
    with engine.begin() as conn:
        r = conn.execute(sa.select(accounts).where(accounts.c.account_id == account)).one()
        return credentials.sign_in(
            conn,
            COLS,
            account,
            stored=r.pw,
            password=password,
            secret=r.secret,
            code=code,
            locked_until=r.until,
            at=at,
            policy=policy,
        )


def wrong_code(secret: str, at: datetime) -> str:
    totp = pyotp.TOTP(secret)
    taken = {totp.at(at + timedelta(seconds=d)) for d in (-30, 0, 30)}
    return next(c for c in (f"{n:06d}" for n in range(1, 100)) if c not in taken)


def test_a_code_is_accepted_once_and_never_an_older_one(engine, cheap):
    account, secret = new_account(engine)
    now = datetime.now(UTC)
    code = pyotp.TOTP(secret).at(now)
    assert attempt(engine, account, PASSWORD, code, now) is Outcome.SIGNED_IN
    assert attempt(engine, account, PASSWORD, code, now) is Outcome.FAILED
    earlier = pyotp.TOTP(secret).at(now - timedelta(seconds=30))
    assert attempt(engine, account, PASSWORD, earlier, now) is Outcome.FAILED
    assert row(engine, account).wrong == 2  # the replays counted as guesses
    later = pyotp.TOTP(secret).at(now + timedelta(seconds=30))
    assert attempt(engine, account, PASSWORD, later, now + timedelta(seconds=30)) is Outcome.SIGNED_IN
    assert row(engine, account).wrong == 0


def test_lockout_locks_for_a_while_then_lets_the_right_credentials_in(engine, cheap):
    account, secret = new_account(engine)
    policy = LockoutPolicy(max_failures=3, lock_for=timedelta(minutes=15))
    now = datetime.now(UTC)
    assert attempt(engine, account, "wrong", pyotp.TOTP(secret).at(now), now, policy) is Outcome.FAILED
    assert attempt(engine, account, PASSWORD, wrong_code(secret, now), now, policy) is Outcome.FAILED
    assert attempt(engine, account, "wrong", pyotp.TOTP(secret).at(now), now, policy) is Outcome.LOCKED
    assert attempt(engine, account, PASSWORD, pyotp.TOTP(secret).at(now), now, policy) is Outcome.LOCKED
    assert row(engine, account).wrong == 0  # the count starts again after the lock
    after = now + timedelta(minutes=16)
    assert attempt(engine, account, PASSWORD, pyotp.TOTP(secret).at(after), after, policy) is Outcome.SIGNED_IN
    assert row(engine, account).until is None


def test_no_account_costs_a_hash_and_counts_nothing(engine, cheap, monkeypatch):
    calls = []

    class Recording(PasswordHasher):
        def verify(self, hash, password):
            calls.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(credentials, "HASHER", Recording(time_cost=1, memory_cost=1024, parallelism=1))
    with engine.begin() as conn:
        got = credentials.sign_in(
            conn,
            COLS,
            None,
            stored=None,
            password=PASSWORD,
            secret=None,
            code="123456",
            locked_until=None,
            at=datetime.now(UTC),
        )
    assert got is Outcome.FAILED and calls == [credentials.DUMMY_HASH]


def test_password_step_before_a_code_clears_nothing(engine, cheap):
    account, secret = new_account(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(accounts.update().values(wrong=2))
    with engine.begin() as conn:
        assert (
            credentials.check_password(
                conn,
                COLS,
                account,
                stored=row(engine, account).pw,
                password=PASSWORD,
                locked_until=None,
                at=now,
                code_follows=True,
            )
            is Outcome.SIGNED_IN
        )
    assert row(engine, account).wrong == 2
    with engine.begin() as conn:
        assert (
            credentials.check_code(
                conn, COLS, account, secret=secret, code=pyotp.TOTP(secret).at(now), locked_until=None, at=now
            )
            is Outcome.SIGNED_IN
        )
    assert row(engine, account).wrong == 0


def test_totp_step_accepts_one_step_of_drift_only():
    secret = pyotp.random_base32()
    now = datetime.now(UTC)
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    assert credentials.totp_step(secret, totp.at(now), now) == current
    assert credentials.totp_step(secret, totp.at(now - timedelta(seconds=30)), now) == current - 1
    assert credentials.totp_step(secret, totp.at(now + timedelta(seconds=30)), now) == current + 1
    assert credentials.totp_step(secret, totp.at(now - timedelta(seconds=90)), now) is None
    assert credentials.totp_step(secret, " " + totp.at(now) + " ", now) == current
    for junk in ("", None, "12345", "1234567", "abcdef", "１２３４５６"):
        assert credentials.totp_step(secret, junk, now) is None
    assert credentials.totp_step(None, totp.at(now), now) is None


# -- races on real PostgreSQL (issue 15, finding 8) -------------------------------------------------
THREADS = 8


def race(engine, account, password, code) -> list[Outcome]:
    """THREADS sign-ins at once, each in its own transaction, released together."""
    start = threading.Barrier(THREADS)
    results: list[Outcome] = []

    def one():
        start.wait()
        results.append(attempt(engine, account, password, code, policy=LockoutPolicy(max_failures=100)))

    threads = [threading.Thread(target=one) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == THREADS
    return results


@pytest.fixture
def pg_engine(request):
    with_pg = request.getfixturevalue("pg_url")
    eng = sa.create_engine(with_pg, pool_size=THREADS + 2)
    metadata.drop_all(eng)
    metadata.create_all(eng)
    yield eng
    metadata.drop_all(eng)
    eng.dispose()


def test_racing_the_same_code_lets_exactly_one_in(pg_engine):
    account, secret = new_account(pg_engine)  # real argon2 cost: the requests overlap for real
    results = race(pg_engine, account, PASSWORD, pyotp.TOTP(secret).now())
    assert results.count(Outcome.SIGNED_IN) == 1, results


def test_concurrent_wrong_guesses_all_count(pg_engine):
    account, secret = new_account(pg_engine)
    race(pg_engine, account, PASSWORD, wrong_code(secret, datetime.now(UTC)))
    assert row(pg_engine, account).wrong == THREADS
    race(pg_engine, account, "wrong password", pyotp.TOTP(secret).now())
    assert row(pg_engine, account).wrong == 2 * THREADS


def test_the_dummy_hash_costs_what_a_real_one_does():
    """No account and a wrong password take the same time only if the dummy hash has the hasher's parameters."""
    assert not credentials.HASHER.check_needs_rehash(credentials.DUMMY_HASH)
    assert credentials.HASHER.verify(credentials.DUMMY_HASH, "not a password of anyone")
