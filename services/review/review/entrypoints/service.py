"""The review service as the platform runs it: settings, tables, migrations, app, handlers."""

from __future__ import annotations

from pathlib import Path

from review.adapters.retention import purge_steps, record_purge
from review.adapters.tables import metadata
from review.bootstrap import bootstrap, ports
from review.settings import ReviewSettings
from zairyu_shared.runtime import ServiceDefinition

from .consumers import handlers
from .seed import seed_demo
from .web import create_app
from .workers import periodic_worker

definition = ServiceDefinition(
    name="review",
    settings_class=ReviewSettings,
    metadata=metadata,
    migrations=Path(__file__).resolve().parents[1] / "adapters" / "migrations",
    create_app=create_app,
    handlers=handlers,
    seed_demo=seed_demo,
    web_port=8001,
    workers=[periodic_worker],
    purge_steps=lambda runtime: purge_steps(lambda: ports(runtime).access_log_signer),
    purge_audit=lambda runtime, session, report: record_purge(session, report),
    bootstrap=bootstrap,
)
