"""The notify service as the platform runs it: settings, tables, migrations, app, handlers."""
from __future__ import annotations

from pathlib import Path

from notify.adapters.tables import metadata
from notify.settings import NotifySettings
from zairyu_shared.runtime import ServiceDefinition

from .handlers import HANDLERS
from .web import create_app

definition = ServiceDefinition(
    name="notify",
    settings_class=NotifySettings,
    metadata=metadata,
    migrations=Path(__file__).resolve().parents[1] / "adapters" / "migrations",
    create_app=create_app,
    handlers=HANDLERS,
    web_port=8002,
)
