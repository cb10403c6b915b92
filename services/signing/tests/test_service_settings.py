"""Trust configuration from settings: pins, directories, CRL max age, soft-fail, and failing safe."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
import sqlalchemy as sa
from service_support import DATA_KEY, make_runtime, sign, submission, submitted_event

from signing.adapters.tables import verdicts
from signing.adapters.trust_store import fingerprint
from signing.adapters.verifier_factory import VerifierConfigError, build, load_pins
from signing.application.verifying import on_application_submitted
from signing.entrypoints.web import create_app
from signing.settings import SigningSettings
from zairyu_shared.config import ConfigError, load
from zairyu_shared.db import transaction
from zairyu_shared.outbox import open_body

CONTENT = b"signed application bytes"


def settings_for(pki, tmp_path, **overrides):
    from service_support import pki_settings

    values = {**pki_settings(pki), **overrides}
    return load(SigningSettings, {}, database_url=f"sqlite:///{tmp_path}/s.db", embedded=True, **values)


def verdict_for(pki, tmp_path, holder, **overrides):
    service = build(settings_for(pki, tmp_path, **overrides))
    return service.verifier.verify_cms(CONTENT, sign(pki, holder, CONTENT), profile=service.sign_profile)


def test_a_pin_list_file_pins_exactly_the_roots_listed(test_pki, tmp_path):
    sign_g2 = test_pki.ca("sign-g2")
    pins = tmp_path / "pins.txt"
    pins.write_text(f"# operator's pin list\n{fingerprint(sign_g2.cert)} sign-g2\n")
    assert load_pins(f"test:{pins}") == {fingerprint(sign_g2.cert): "sign-g2"}
    trust = tmp_path / "trust"
    trust.mkdir()
    shutil.copy(sign_g2.cert_path, trust)
    service = build(settings_for(test_pki, tmp_path, trust_pins=f"test:{pins}", trust_dir=str(trust)))
    assert [a.label for a in service.trust_store.anchors] == ["sign-g2"]
    # A root dropped into the directory without a pin stops the service instead of being trusted.
    shutil.copy(test_pki.ca("sign-g1").cert_path, trust)
    with pytest.raises(VerifierConfigError, match="not pinned"):
        build(settings_for(test_pki, tmp_path, trust_pins=f"test:{pins}", trust_dir=str(trust)))


def test_production_pins_refuse_the_test_pki(test_pki, tmp_path):
    with pytest.raises(VerifierConfigError, match="not pinned"):
        build(settings_for(test_pki, tmp_path, trust_pins="production"))


def test_test_pins_outside_the_embedded_run_need_an_explicit_allowance(test_pki, tmp_path):
    real_mode = dict(
        database_url="postgresql+psycopg://x@localhost/x",
        amqp_url="amqp://localhost//",
        secret_key="k" * 40,
        data_keys=(DATA_KEY,),
    )
    test_pins = {"ZAIRYU_TRUST_PINS": f"test:{test_pki.root}/manifest.json"}
    with pytest.raises(ConfigError, match="ZAIRYU_TRUST_PINS"):
        load(SigningSettings, test_pins, **real_mode)
    assert load(SigningSettings, {**test_pins, "ZAIRYU_ALLOW_TEST_PKI": "true"}, **real_mode).trust_pins.startswith(
        "test:"
    )
    with pytest.raises(ConfigError, match="ZAIRYU_SIGN_POLICY_OID"):
        load(SigningSettings, {"ZAIRYU_SIGN_POLICY_OID": "staging"}, **real_mode)


def test_crl_older_than_max_age_is_stale_and_soft_fail_says_so(test_pki, tmp_path):
    holder = test_pki.first("valid")
    assert verdict_for(test_pki, tmp_path, holder).valid  # test PKI CRLs are one hour old
    stale = verdict_for(test_pki, tmp_path, holder, crl_max_age=600)
    assert (stale.valid, stale.reason.value) == (False, "revocation_stale")
    assert "ZAIRYU_CRL_MAX_AGE" in stale.detail
    soft = verdict_for(test_pki, tmp_path, holder, crl_max_age=600, revocation_soft_fail=True)
    assert soft.valid and soft.soft_fail
    # Soft-fail never rescues a certificate the CRL lists.
    revoked = verdict_for(test_pki, tmp_path, test_pki.first("revoked"), revocation_soft_fail=True)
    assert (revoked.valid, revoked.reason.value) == (False, "revoked")


def test_missing_crls_reject_unless_soft_fail(test_pki, tmp_path):
    empty = tmp_path / "no-crls"
    empty.mkdir()
    holder = test_pki.first("valid")
    missing = verdict_for(test_pki, tmp_path, holder, crl_dir=str(empty))
    assert (missing.valid, missing.reason.value) == (False, "revocation_unavailable")
    assert verdict_for(test_pki, tmp_path, holder, crl_dir=str(empty), revocation_soft_fail=True).soft_fail


def test_broken_trust_configuration_fails_safe(test_pki, tmp_path):
    """Not ready, 503 on the API, and the consumer raises (retry/DLQ) instead of rejecting anyone."""
    rt = make_runtime(
        test_pki, f"sqlite:///{tmp_path}/s.db", f"memory://{tmp_path.name}", trust_dir=str(tmp_path / "nowhere")
    )
    rt.migrate()
    client = create_app(rt).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "ZAIRYU_TRUST_DIR" in ready.get_json()["failures"]["trust"]
    resp = client.post("/internal/v1/verifications/cms", json={"content_b64": "AAAA", "signature_b64": "AAAA"})
    assert resp.status_code == 503 and resp.get_json()["error"] == "verifier_unavailable"
    event = submitted_event(submission(test_pki, test_pki.first("valid")))
    with pytest.raises(VerifierConfigError):
        with transaction(rt.session_factory) as session:
            on_application_submitted(rt, session, event)
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(verdicts)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(rt.outbox)).scalar() == 0
    # The operator fixes the trust directory: the retry builds the verifier, without a restart.
    from service_support import pki_settings

    rt.settings = dataclasses.replace(rt.settings, trust_dir=pki_settings(test_pki)["trust_dir"])
    assert client.get("/readyz").status_code == 200
    with transaction(rt.session_factory) as session:
        on_application_submitted(rt, session, event)
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(verdicts.c.verdict)).scalars().all() == ["verified"]
    rt.stop()


def test_verdicts_on_sqlite_and_the_memory_bus(test_pki, tmp_path):
    """The embedded run's path: handler, verdict row, staged event, without servers."""
    rt = make_runtime(test_pki, f"sqlite:///{tmp_path}/s.db", f"memory://{tmp_path.name}")
    rt.migrate()
    payload = submission(test_pki, test_pki.first("expired"))
    with transaction(rt.session_factory) as session:
        on_application_submitted(rt, session, submitted_event(payload))
    with rt.engine.connect() as conn:
        row = conn.execute(sa.select(verdicts)).one()
        staged = conn.execute(sa.select(rt.outbox.c.event_type, rt.outbox.c.body)).one()
    assert (row.verdict, row.reason) == ("rejected", "expired")
    # (stored sealed under the day's key: signing.adapters.outbox_keys; the relay opens it the same way)
    assert staged.event_type == "signature.rejected" and '"reason":"expired"' in open_body(staged.body, rt.keyring)
    rt.stop()


def test_a_crl_of_yesterday_not_yet_replaced_is_still_trusted_by_default(test_pki, tmp_path):
    # Found 2026-12-07: J-LIS refreshes CRLs at least daily, and ZAIRYU_CRL_MAX_AGE was 24 h, so every day the newest
    # CRL went stale before its successor was published and synced, and valid signatures were rejected meanwhile.
    import datetime as dt

    from signing.adapters.verifier_factory import MaxAgeRevocation
    from signing.domain.verdict import RevocationEvidence

    now = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)
    default = dt.timedelta(
        seconds=settings_for(test_pki, tmp_path).crl_max_age
    )  # as configured when nothing says otherwise

    class Crl:
        def __init__(self, hours_old):
            self.hours_old = hours_old

        def status(self, cert, issuer, at, revoked_before=None):
            return RevocationEvidence("good", "crl", "x.crl", at - dt.timedelta(hours=self.hours_old))

    assert MaxAgeRevocation(Crl(25), default).status(None, None, now).status == "good"  # a day, plus sync lag
    assert MaxAgeRevocation(Crl(30), default).status(None, None, now).status == "good"
    assert MaxAgeRevocation(Crl(37), default).status(None, None, now).status == "stale"  # the sync is broken


def test_an_operator_pins_a_jlis_generation_the_code_does_not_carry(test_pki, tmp_path):
    # Found 2026-12-07: authca02 (J-LIS's 2019 authentication CA, jpki-card.md) is not among the built-in pins, and
    # production allowed no other pin, so every card whose authentication certificate it issued was refused at
    # sign-in (issuer_generation_unknown), and operations.md's "add its certificate to the roots" stopped the
    # verifier instead. A test root stands in for it here.
    stand_in = test_pki.ca("sign-g2")
    trust = tmp_path / "trust"
    trust.mkdir()
    shutil.copy(stand_in.cert_path, trust)
    with pytest.raises(VerifierConfigError, match="not pinned"):  # its file alone is never trusted
        build(settings_for(test_pki, tmp_path, trust_pins="production", trust_dir=str(trust)))
    pinned = settings_for(
        test_pki,
        tmp_path,
        trust_pins="production",
        trust_dir=str(trust),
        trust_extra_pins=f"{fingerprint(stand_in.cert)}=jpki-authca02",
    )
    assert [a.label for a in build(pinned).trust_store.anchors] == ["jpki-authca02"]
    with pytest.raises(ConfigError, match="ZAIRYU_TRUST_EXTRA_PINS"):
        settings_for(test_pki, tmp_path, trust_extra_pins="not-a-fingerprint=jpki-x")
