from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from zairyu_shared import crypto
from zairyu_shared.config import CommonSettings, ConfigError, load, setting
from zairyu_shared.web import create_base_app, database_check


@dataclass(frozen=True)
class DemoSettings(CommonSettings):
    port: int = setting("DEMO_PORT", 8000, minimum=1)


GOOD = {
    "DATABASE_URL": "postgresql+psycopg://db/x",
    "AMQP_URL": "amqp://guest:guest@mq:5672/",
    "ZAIRYU_SECRET_KEY": "s" * 40,
    "ZAIRYU_DATA_KEYS": crypto.new_key(),
}


def test_settings_load_and_convert():
    s = load(DemoSettings, {**GOOD, "DEMO_PORT": "9001", "ZAIRYU_PREFETCH": "50"})
    assert s.port == 9001 and s.prefetch == 50 and len(s.data_keys) == 1 and s.embedded is False


def test_every_bad_value_is_named_at_once():
    with pytest.raises(ConfigError) as err:
        load(
            DemoSettings,
            {"DEMO_PORT": "eighty", "ZAIRYU_PREFETCH": "0", "LOG_LEVEL": "LOUD", "ZAIRYU_EMBEDDED": "perhaps"},
        )
    text = str(err.value)
    for name in (
        "DATABASE_URL is required",
        "DEMO_PORT='eighty'",
        "ZAIRYU_PREFETCH=0",
        "LOG_LEVEL='LOUD'",
        "ZAIRYU_EMBEDDED='perhaps'",
    ):
        assert name in text


def test_production_refuses_demo_shortcuts():
    with pytest.raises(ConfigError) as err:
        load(DemoSettings, {"DATABASE_URL": "sqlite:///x.db", "ZAIRYU_DATA_KEYS": "not-a-key"})
    text = str(err.value)
    assert "AMQP_URL=memory:// is only for the embedded run" in text
    assert "ZAIRYU_SECRET_KEY must be at least 32" in text
    assert "ZAIRYU_DATA_KEYS entry 1 is not a Fernet key" in text


def test_personal_data_is_encrypted_at_rest_and_survives_key_rotation(tmp_path):
    old, new = crypto.new_key(), crypto.new_key()
    crypto.configure([old])
    md = sa.MetaData()
    people = sa.Table(
        "people", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", crypto.EncryptedText())
    )
    engine = sa.create_engine(f"sqlite:///{tmp_path}/p.db")
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(people.insert().values(id=1, name="グエン　ヴァン　アン"))
    raw = engine.connect().execute(sa.text("SELECT name FROM people")).scalar()
    assert "グエン".encode() not in bytes(raw) and b"\xe3\x82\xb0" not in bytes(raw)
    crypto.configure([new, old])  # rotation step 1: prepend the new key
    with engine.begin() as conn:
        assert crypto.rotate_column(conn, people, "name") == 1
    crypto.configure([new])  # step 2: the old key is gone, the data still reads
    assert engine.connect().execute(sa.select(people.c.name)).scalar() == "グエン　ヴァン　アン"
    crypto.configure([old])
    with pytest.raises(RuntimeError, match="could not be decrypted"):
        engine.connect().execute(sa.select(people.c.name)).scalar()


def test_health_readiness_and_metrics(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path}/h.db")

    def broker_down():
        raise ConnectionRefusedError("127.0.0.1:5672")

    app = create_base_app("demo", __name__, ready_checks={"database": database_check(engine)})
    client = app.test_client()
    assert client.get("/healthz").json == {"service": "demo", "status": "ok"}
    assert client.get("/readyz").status_code == 200
    app.extensions["zairyu_ready_checks"]["broker"] = broker_down
    r = client.get("/readyz")
    assert r.status_code == 503 and "ConnectionRefusedError" in r.json["failures"]["broker"]
    assert (
        r.headers["X-Content-Type-Options"] == "nosniff"
        and "default-src 'self'" in r.headers["Content-Security-Policy"]
    )
    body = client.get("/metrics").data.decode()
    assert 'zairyu_http_requests_total{endpoint="/readyz",method="GET",service="demo",status="503"} 1.0' in body


def test_machine_paths_get_json_errors_and_hostile_json_is_a_clean_400():
    app = create_base_app("demo", __name__)

    @app.post("/api/v1/echo")
    def echo():
        from flask import request

        return {"got": request.get_json()}

    client = app.test_client()
    deep = "[" * 10000 + "]" * 10000
    r = client.post("/api/v1/echo", data=deep, content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "bad_request"
    r = client.post("/api/v1/echo", data=b"x" * (9 * 1024 * 1024), content_type="application/json")
    assert r.status_code == 413 and r.is_json
    assert client.get("/api/v1/nothing").json["error"] == "not_found"
    assert not client.get("/nothing").is_json  # people get an HTML page


def test_after_commit_runs_only_for_the_outermost_commit_and_never_after_a_rollback(tmp_path):
    from zairyu_shared.db import after_commit, make_engine, make_session_factory

    factory = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'a.db'}"))
    ran = []
    with factory() as session:
        with session.begin():
            after_commit(session, lambda: ran.append("first"))
            with session.begin_nested():  # a savepoint's release is not the commit
                after_commit(session, lambda: ran.append("inner"))
            assert ran == []
        assert ran == ["first", "inner"]
        with pytest.raises(RuntimeError), session.begin():
            after_commit(session, lambda: ran.append("rolled back"))
            raise RuntimeError("the handler failed")
        with session.begin():
            pass
    assert ran == ["first", "inner"]  # the rolled-back callback neither ran nor leaked into the next commit


def test_the_session_key_rotates_without_signing_anyone_out(tmp_path):
    """ZAIRYU_SECRET_KEY_FALLBACKS (Flask >= 3.1 SECRET_KEY_FALLBACKS): a session signed with the previous
    key still reads after the new key is in place; once the old key is dropped it no longer does."""
    from types import SimpleNamespace

    from flask import session

    from zairyu_shared.web import create_service_app

    engine = sa.create_engine(f"sqlite:///{tmp_path}/s.db")

    def app_with(**keys):
        runtime = SimpleNamespace(name="demo", engine=engine, settings=load(DemoSettings, {**GOOD, **keys}))
        app = create_service_app(runtime, __name__)
        app.add_url_rule("/in", "in", lambda: session.update(who="a1") or "", methods=["POST"])
        app.add_url_rule("/who", "who", lambda: session.get("who", "nobody"))
        return app

    old, new = "o" * 40, "n" * 40
    before = app_with(ZAIRYU_SECRET_KEY=old)
    name = before.config["SESSION_COOKIE_NAME"]
    signed_in = before.test_client()
    signed_in.post("/in")
    cookie = signed_in.get_cookie(name).value

    def who(app):
        client = app.test_client()
        client.set_cookie(name, cookie)
        return client.get("/who").data

    assert who(app_with(ZAIRYU_SECRET_KEY=new, ZAIRYU_SECRET_KEY_FALLBACKS=old)) == b"a1"
    assert who(app_with(ZAIRYU_SECRET_KEY=new)) == b"nobody"  # the old key dropped: that cookie is void
    with pytest.raises(ConfigError, match="FALLBACKS"):
        load(DemoSettings, {**GOOD, "ZAIRYU_SECRET_KEY_FALLBACKS": "short"})
