"""Fixtures for the hostile-input tests: a test PKI with a verifier trusting it, and every service app.

Hypothesis budgets are in attack_support.py (HYPOTHESIS_PROFILE=deep for a long run).
"""

from __future__ import annotations

import types
from importlib.metadata import entry_points

import pytest
from attack_support import DATA_KEY, SIGN_IN


@pytest.fixture(scope="session")
def attack_pki(tmp_path_factory):
    from signing.testpki import create_test_pki

    return create_test_pki(tmp_path_factory.mktemp("attack-pki"))


@pytest.fixture(scope="session")
def attack_verifier(attack_pki):
    """The verifier exactly as the service builds it from settings, trusting the test PKI."""
    from signing.adapters import verifier_factory

    pki = attack_pki
    config = types.SimpleNamespace(
        trust_pins=f"test:{pki.root / 'manifest.json'}",
        trust_extra_pins="",
        trust_dir=str(pki.root / "trust"),
        crl_dir=str(pki.crl_dir),
        crl_max_age=3 * 86400,
        ocsp_url="",
        sign_policy_oid="test",
        auth_policy_oid="production",
        revocation_soft_fail=False,
    )
    return verifier_factory.build(config).verifier


@pytest.fixture(scope="session")
def real_signature(attack_pki):
    """(content, DER CAdES signature) made by a valid holder's simulated card, in process."""
    from signing.adapters.inprocess_card import inprocess_signer
    from signing.testpki.card import card_for

    holder = attack_pki.first("valid")
    content = b'{"application_id": "app-attack", "procedure": "extension"}'
    return content, inprocess_signer(card_for(attack_pki, holder)).sign(content, holder.password)


# -- service apps ------------------------------------------------------------------------------


def service_names() -> list[str]:
    return sorted(ep.name for ep in entry_points(group="zairyu.services"))


@pytest.fixture(scope="session")
def service_apps(tmp_path_factory, attack_pki):
    """Factory: ``service_apps(name)`` -> that service's Flask app on SQLite + the memory bus (cached)."""
    from zairyu_shared.runtime import Runtime

    defs = {ep.name: ep for ep in entry_points(group="zairyu.services")}
    built: dict = {}
    tmp = tmp_path_factory.mktemp("attack-apps")
    data_key = DATA_KEY  # the process-wide cipher: one key for every app of the run
    pki = attack_pki
    # Per-service settings so the apps can reach their real code paths (signing: a trust store).
    extra = {
        "signing": {
            "ZAIRYU_TRUST_PINS": f"test:{pki.root / 'manifest.json'}",
            "ZAIRYU_TRUST_DIR": str(pki.root / "trust"),
            "ZAIRYU_CRL_DIR": str(pki.crl_dir),
            "ZAIRYU_SIGN_POLICY_OID": "test",
        },
        # the Japanese-IP gate would answer every request with its page; it is not under test here
        "intake": {"ZAIRYU_GEO_GATE": "false"},
    }

    def factory(name: str):
        if name not in built:
            definition = defs[name].load()
            environ = {"ZAIRYU_SECRET_KEY": "a" * 48, "ZAIRYU_DATA_KEYS": data_key, **extra.get(name, {})}
            runtime = Runtime.from_env(
                definition,
                environ=environ,
                database_url=f"sqlite:///{tmp}/{name.replace('-', '_')}.db",
                amqp_url="memory://",
                embedded=True,
            )
            runtime.migrate()
            app = definition.create_app(runtime)
            app.config["TESTING"] = False  # errors must go through the app's own handlers
            app.config["PROPAGATE_EXCEPTIONS"] = False
            built[name] = app
        return built[name]

    yield factory


@pytest.fixture(scope="session")
def signed_in(service_apps):
    """Factory: ``signed_in(name)`` -> {"cookies": ..., "path_values": ...} for a signed-in caller (cached)."""
    made: dict = {}

    def factory(name: str):
        if name not in made:
            made[name] = SIGN_IN[name](service_apps(name))  # attack_support.SIGN_IN
        return made[name]

    return factory
