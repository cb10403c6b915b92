"""A runtime's ports (built by the service's bootstrap, once, on first use) and ``emit`` (source filled in)."""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest
import sqlalchemy as sa
from spine_service import make_definition, spine_runtime

from zairyu_shared.events import ContractError


def test_ports_are_built_by_the_bootstrap_once_on_first_use_and_can_be_replaced(tmp_path):
    built = []

    def bootstrap(runtime):
        built.append(runtime)
        return {"client": object()}

    rt = spine_runtime(tmp_path, dataclasses.replace(make_definition(), bootstrap=bootstrap))
    try:
        assert built == []  # a runtime built to migrate or purge opens no client
        first = rt.ports
        assert rt.ports is first and built == [rt]
        fake = {"client": "fake"}
        rt.ports = fake  # what tests do
        assert rt.ports is fake and len(built) == 1
    finally:
        rt.stop()


def test_a_service_without_a_bootstrap_says_so(tmp_path):
    rt = spine_runtime(tmp_path, make_definition())
    try:
        with pytest.raises(RuntimeError, match="no bootstrap"):
            _ = rt.ports
    finally:
        rt.stop()


def test_emit_stages_the_event_with_the_service_as_its_source_and_refuses_what_it_does_not_produce(tmp_path):
    rt = spine_runtime(tmp_path, make_definition("intake"))
    applicant = str(uuid.uuid4())
    payload = {"applicant_id": applicant, "email": "a@example.org", "language": "en", "display_name": "A"}
    try:
        with rt.session_factory() as session, session.begin():
            event = rt.emit(session, "applicant.registered", payload, correlation_id=applicant)
        with rt.engine.connect() as conn:
            (body,) = conn.execute(sa.select(rt.outbox.c.body)).scalars().all()
        staged = json.loads(body)
        assert event.source == staged["source"] == "intake"
        assert staged["correlation_id"] == applicant and staged["payload"]["display_name"] == "A"

        (tmp_path / "other").mkdir()
        other = spine_runtime(tmp_path / "other", make_definition("review"))
        try:
            with other.session_factory() as session, session.begin(), pytest.raises(ContractError):
                other.emit(session, "applicant.registered", payload, correlation_id=applicant)
        finally:
            other.stop()
    finally:
        rt.stop()


def test_current_runtime_given_a_settings_class_returns_the_apps_runtime_and_refuses_another_services(tmp_path):
    from flask import Flask

    from zairyu_shared.config import CommonSettings
    from zairyu_shared.web import current_runtime

    @dataclasses.dataclass(frozen=True)
    class OtherSettings(CommonSettings):
        pass

    rt = spine_runtime(tmp_path, make_definition())
    app = Flask(__name__)
    app.extensions["zairyu_runtime"] = rt
    try:
        with app.app_context():
            assert current_runtime() is rt
            assert current_runtime(type(rt.settings)) is rt
            with pytest.raises(TypeError, match="not OtherSettings"):
                current_runtime(OtherSettings)
    finally:
        rt.stop()
