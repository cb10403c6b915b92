"""The signing service as the platform runs it: settings, tables, migrations, app, handlers."""

from __future__ import annotations

from pathlib import Path

from signing.adapters import outbox_keys, verdict_keys
from signing.adapters.retention import purge_steps
from signing.adapters.tables import metadata
from signing.bootstrap import bootstrap
from signing.settings import SigningSettings
from zairyu_shared.runtime import ServiceDefinition

from .consumers import HANDLERS
from .demo_card import demo_card_worker
from .web import create_app


def seed_demo(runtime) -> None:
    # Imported here so the real mode never loads the demo (test PKI, simulated card) code.
    from .demo import seed_demo as seed

    seed(runtime)


def demo_environment(demo_dir: Path) -> dict:
    """What the embedded run sets so the verifier trusts the demo PKI that seed_demo creates."""
    pki = Path(demo_dir) / "pki"
    return {
        "ZAIRYU_TRUST_PINS": f"test:{pki / 'manifest.json'}",
        "ZAIRYU_TRUST_DIR": str(pki / "trust"),
        "ZAIRYU_CRL_DIR": str(pki / "crl"),
        "ZAIRYU_SIGN_POLICY_OID": "test",
        "ZAIRYU_DEMO_CARD": "true",
    }


definition = ServiceDefinition(
    purge_steps=lambda runtime: purge_steps(runtime.keyring),
    outbox_seal_subject=outbox_keys.day_subject,  # personal events' bodies under a key per day (issue 20)
    # rotate-keys: verdicts stored before under their retention day's key (issue 20)
    rotate_rows=verdict_keys.rotate_rows,
    rows_left=verdict_keys.rows_left,
    name="signing",
    bootstrap=bootstrap,
    settings_class=SigningSettings,
    metadata=metadata,
    migrations=Path(__file__).resolve().parents[1] / "adapters" / "migrations",
    create_app=create_app,
    handlers=HANDLERS,
    seed_demo=seed_demo,
    demo_environment=demo_environment,
    web_port=8004,
    workers=[demo_card_worker],  # does nothing outside the embedded run
)
