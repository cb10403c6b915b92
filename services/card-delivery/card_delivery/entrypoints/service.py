"""The card-delivery service as the platform runs it: settings, tables, migrations, app, handlers."""

from __future__ import annotations

from pathlib import Path

from card_delivery.adapters.retention import purge_steps
from card_delivery.adapters.tables import metadata
from card_delivery.bootstrap import bootstrap
from card_delivery.settings import CardDeliverySettings
from zairyu_shared.runtime import ServiceDefinition

from .consumers import HANDLERS
from .deadlines import deadline_worker
from .seed import seed_demo
from .web import create_app

definition = ServiceDefinition(
    purge_steps=lambda runtime: purge_steps(),
    name="card-delivery",
    settings_class=CardDeliverySettings,
    metadata=metadata,
    migrations=Path(__file__).resolve().parents[1] / "adapters" / "migrations",
    create_app=create_app,
    handlers=HANDLERS,
    seed_demo=seed_demo,
    web_port=8003,
    workers=[deadline_worker],
    bootstrap=bootstrap,
)
