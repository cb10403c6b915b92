"""Keys rotate without breaking anyone (issue 20).

- The session key (ZAIRYU_SECRET_KEY) rotates with the old one in ZAIRYU_SECRET_KEY_FALLBACKS: a signed-in
  applicant stays signed in, and e-mail sign-in still finds the account (its look-up hash is made with
  ZAIRYU_INTAKE_HASH_KEY, which does not rotate with the session key).
- The data key (ZAIRYU_DATA_KEYS) rotates with ``rotate-keys``: older rows (under the service key) move
  under each applicant's own key, and everything reads with the newest key alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from intake_testkit import EnglishClient, make_runtime
from journey import fill_draft, login, register

from zairyu_shared import crypto, subject_keys
from zairyu_shared.service_cli import main as service_cli

OLD, NEW = "o" * 40, "n" * 40


def _client(rt):
    from intake.entrypoints.web import create_app

    app = create_app(rt)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    app.test_client_class = EnglishClient
    return app.test_client()


def test_the_session_key_rotates_and_nobody_is_signed_out_or_locked_out(tmp_path):
    before = make_runtime(tmp_path, secret_key=OLD)
    client = _client(before)
    register(client, before)
    cookie_name = client.application.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(cookie_name).value
    assert client.get("/applications").status_code == 200
    before.stop()

    # The new session key, the old one as a fallback, the hash key pinned to the old value (step 0 of
    # the procedure in docs/operations.md).
    after = make_runtime(
        tmp_path, secret_key=NEW, secret_key_fallbacks=(OLD,), hash_key=OLD, data_keys=before.settings.data_keys
    )
    try:
        still_in = _client(after)
        still_in.set_cookie(cookie_name, cookie)
        assert still_in.get("/applications").status_code == 200  # the session signed with the old key
        fresh = _client(after)
        answer = login(fresh)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/applications"), answer.data[:300]
    finally:
        after.stop()


def test_rotate_keys_moves_old_rows_under_each_applicants_key(tmp_path, capsys):
    old_key, new_key = crypto.new_key(), crypto.new_key()
    rt = make_runtime(tmp_path, data_keys=(old_key,))
    client = _client(rt)
    applicant = register(client, rt)
    fill_draft(client)
    # Rows as they were before per-person keys: under the service key directly.
    from intake.adapters.tables import applicants, drafts

    with rt.engine.begin() as conn:
        for table, where in ((applicants, applicants.c.id == applicant), (drafts, drafts.c.applicant_id == applicant)):
            cols = [c.name for c in table.columns if isinstance(c.type, crypto.EncryptedText)]
            rows = conn.execute(sa.select(table).where(where)).mappings().all()
            for row in rows:  # read clear values, write them back with no sealing scope open
                conn.execute(
                    table.update()
                    .where(table.c[list(table.primary_key)[0].name] == row[list(table.primary_key)[0].name])
                    .values({c: row[c] for c in cols})
                )
        raw = conn.execute(sa.text("SELECT name FROM applicants")).scalar()
    assert not bytes(raw).startswith(b"zk1:")
    database = rt.settings.database_url
    rt.stop()

    env = {
        "DATABASE_URL": database,
        "ZAIRYU_EMBEDDED": "true",
        "AMQP_URL": "memory://rotate",
        "ZAIRYU_DATA_KEYS": f"{new_key},{old_key}",
        "ZAIRYU_SECRET_KEY": "x" * 40,
        "ZAIRYU_INTAKE_STORE": str(tmp_path / "store"),
    }
    import os

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from intake.entrypoints.service import definition

        assert service_cli(definition, ["rotate-keys", "--batch", "2"]) == 0
        os.environ["ZAIRYU_DATA_KEYS"] = new_key  # the old key dropped
        assert service_cli(definition, ["rotate-keys", "--check"]) == 0
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert "0 values still need an older key" in capsys.readouterr().out
    after = make_runtime(tmp_path, data_keys=(new_key,))
    try:
        with after.engine.connect() as conn:
            raw = conn.execute(sa.text("SELECT name FROM applicants")).scalar()
            assert bytes(raw).startswith(f"zk1:{applicant}:".encode())
            assert conn.execute(sa.select(applicants.c.name)).scalar() == "NGUYEN VAN AN"
        assert subject_keys.values_needing_old_keys(after.engine, after.definition.metadata) == 0
    finally:
        after.stop()
