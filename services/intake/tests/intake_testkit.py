"""Fixtures: the intake runtime on SQLite + memory bus (schema built by the Alembic migrations),
a fake signing service at the HTTP-client boundary, and Flask test clients."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from intake.adapters.signing_client import Verdict
from intake.application import organisations
from intake.bootstrap import ports
from zairyu_shared.crypto import new_key
from zairyu_shared.db import transaction
from zairyu_shared.events import new_event
from zairyu_shared.runtime import Runtime
from zairyu_shared.testing import cheap_password_hashing, service_runtime, staged_events
from zairyu_shared.testing_databases import migrate_for_test

HOLDERS = {
    "nguyen": {
        "name": "NGUYEN VAN AN",
        "name_substitution": False,
        "sex": "male",
        "date_of_birth": "1994-03-15",
        "address": "東京都新宿区西新宿二丁目８番１号",
        "address_substitution": False,
    },
    "silva": {
        "name": "SILVA MARIA",
        "name_substitution": False,
        "sex": "female",
        "date_of_birth": "1990-07-01",
        "address": "愛知県名古屋市中区三の丸三丁目１番２号",
        "address_substitution": False,
    },
    "abroad": {"name": "DOE JOHN", "sex": "male", "date_of_birth": "1980-01-01", "address": "somewhere"},
}


def fake_signature(content: bytes, holder: str) -> bytes:
    """What the fake signing service accepts: bound to the exact bytes and naming the holder."""
    return f"sig:{hashlib.sha256(content).hexdigest()}:{holder}".encode()


class FakeSigning:
    """The signing service's verification API as intake sees it (port boundary)."""

    def __init__(self):
        self.calls = []
        self.holders = {k: dict(v) for k, v in HOLDERS.items()}
        self.auth_subjects = {}  # token["unverifiedCertificate"] -> subject

    def verify_cms(self, content: bytes, signature_der: bytes, expected_holder=None, language=None) -> Verdict:
        self.calls.append(("cms", content, signature_der))
        try:
            tag, digest, holder = signature_der.decode().split(":")
        except (UnicodeDecodeError, ValueError):
            return Verdict(False, "malformed_signature", "not a CMS signature", {})
        if tag != "sig" or digest != hashlib.sha256(content).hexdigest() or holder not in self.holders:
            return Verdict(False, "signature_mismatch", "signature does not match the content", {})
        return Verdict(
            True,
            None,
            "ok",
            {
                "certificate_serial": f"serial-{holder}",
                "issuer": "CN=test sign CA",
                "holder": dict(self.holders[holder]),
            },
        )

    def verify_auth_token(self, token: dict, origin: str, nonce: str) -> Verdict:
        self.calls.append(("auth", token, origin, nonce))
        if token.get("signature") != f"signed:{origin}:{nonce}":
            return Verdict(False, "bad_signature", "token does not sign this origin and nonce", {})
        return Verdict(True, None, "ok", {"subject_cn": token["unverifiedCertificate"], "certificate_serial": "a1"})


class EnglishClient(FlaskClient):
    """Tests read English text; the site's own default (no Accept-Language) is Japanese."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


def make_runtime(tmp_path, **overrides) -> Runtime:
    from intake.entrypoints.service import definition

    settings = dict(
        database_url=f"sqlite:///{tmp_path}/intake.db",
        amqp_url=f"memory://{tmp_path.name}",
        data_keys=(new_key(),),
        store_dir=str(tmp_path / "store"),
        geo_gate=False,
        public_url="http://intake.test",
        secret_key="x" * 40,
        payment_secret="p" * 40,
    )
    settings.update(overrides)
    rt = service_runtime(definition, migrate=False, **settings)
    migrate_for_test(rt)  # a copy of the migrated template, then migrate() as always
    ports(rt).signing = FakeSigning()
    return rt


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def rt(tmp_path):
    runtime = make_runtime(tmp_path)
    yield runtime
    runtime.stop()


@pytest.fixture
def app(rt):
    from intake.entrypoints.limits import limiter
    from intake.entrypoints.web import create_app

    application = create_app(rt)
    application.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    application.test_client_class = EnglishClient
    limiter.reset()
    return application


@pytest.fixture
def client(app):
    return app.test_client()


outbox_events = staged_events  # the envelopes staged in the outbox, oldest first (of one type if given)


def decide_organisation_use(rt, org_id, outcome="approved", start=None, until=None):
    """Review's organisation.use_decided as intake's consumer takes it (approved from yesterday for a year
    unless told); returns the event."""
    start = start or date.today() - timedelta(days=1)
    until = until or start + timedelta(days=364)
    event = new_event(
        "organisation.use_decided",
        {
            "organisation_id": org_id,
            "outcome": outcome,
            "bureau": "tokyo",
            "approved_from": start.isoformat() if outcome == "approved" else None,
            "approved_until": until.isoformat() if outcome == "approved" else None,
            "reason": None,
            "decided_at": datetime.now(UTC).isoformat(),
        },
        source="review",
        correlation_id=org_id,
    )
    with transaction(rt.session_factory) as session:
        organisations.on_use_decided(session, event)
    return event
