"""A miniature service used to exercise the spine: a ledger that records registrations."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from zairyu_shared.bus import Handler
from zairyu_shared.config import CommonSettings
from zairyu_shared.db import add_messaging_tables
from zairyu_shared.runtime import ServiceDefinition
from zairyu_shared.testing import service_runtime

metadata = sa.MetaData()
add_messaging_tables(metadata)
ledger = sa.Table(
    "ledger",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("applicant_id", sa.String(80), nullable=False),
)

FAILING = {"applicant_ids": set(), "calls": 0}


def record_registration(runtime, session, event):
    FAILING["calls"] += 1
    if event.payload["applicant_id"] in FAILING["applicant_ids"]:
        raise RuntimeError(f"cannot handle {event.payload['applicant_id']}")
    session.execute(ledger.insert().values(event_id=event.id, applicant_id=event.payload["applicant_id"]))


HANDLERS = [Handler("on_applicant_registered", ("applicant.registered",), record_registration)]


def make_definition(name="testsvc"):
    return ServiceDefinition(
        name=name,
        settings_class=CommonSettings,
        metadata=metadata,
        migrations=Path("unused"),
        create_app=lambda rt: None,
        handlers=HANDLERS,
    )


def spine_runtime(tmp_path, definition):
    """The mini service's runtime on SQLite + memory bus in ``tmp_path``, its tables created."""
    rt = service_runtime(
        definition, migrate=False, database_url=f"sqlite:///{tmp_path}/svc.db", amqp_url=f"memory://{tmp_path.name}"
    )
    metadata.create_all(rt.engine)
    return rt
