"""The intake service as the platform runs it: settings, tables, migrations, app, handlers."""

from __future__ import annotations

from pathlib import Path

from intake.adapters.attachment_owners import seal_plain_files
from intake.adapters.retention import purge_steps
from intake.adapters.tables import metadata
from intake.bootstrap import bootstrap, ports
from intake.settings import IntakeSettings
from zairyu_shared.runtime import ServiceDefinition

from .consumers import HANDLERS
from .seed import seed_demo
from .web import create_app
from .workers import organisation_reminder, organisation_webhook, payment_reconciler

definition = ServiceDefinition(
    name="intake",
    bootstrap=bootstrap,
    settings_class=IntakeSettings,
    metadata=metadata,
    migrations=Path(__file__).resolve().parents[1] / "adapters" / "migrations",
    create_app=create_app,
    handlers=HANDLERS,
    workers=[payment_reconciler, organisation_reminder, organisation_webhook],
    seed_demo=seed_demo,
    purge_steps=lambda runtime: purge_steps(ports(runtime).store),
    # rotate-keys also seals the files stored plain before per-person keys reached the attachment store.
    rotate_files=lambda runtime, batch: seal_plain_files(runtime.engine, ports(runtime).store, batch),
    files_left=lambda runtime: len(ports(runtime).store.plain_files()),
    # Embedded run: attachments live with the rest of the demo data, not in the working directory.
    demo_environment=lambda demo_dir: {"ZAIRYU_INTAKE_STORE": str(Path(demo_dir) / "intake-store")},
    web_port=8000,
)
