"""Signing's outbox bodies under a key per day (issue 20: erasure that reaches backups).

``signature.verified`` carries the whole submission and stays in signing's outbox a day after it was sent, for
``republish --since`` after another service's restore. Its body is stored sealed under the key of the day it was
staged; the relay opens it to publish, republish sends it again within the day; once the day's rows are purged the
purge destroys the day's key through the erasure ledger, and a pg_dump taken after the relay sent the event, restored
(``migrate`` re-applies the ledger), holds the body unreadable while the rest of the backup reads.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from service_support import make_runtime, submission, submitted_event

from signing.adapters import outbox_keys
from signing.adapters.tables import outbox, verdicts
from signing.application import verifying
from zairyu_shared import testing
from zairyu_shared.outbox import open_body, plain_personal_bodies, republish, seal_stored_bodies
from zairyu_shared.subject_keys import SubjectErased


class Recording:
    """A broker that confirms everything and keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def publish_batch(self, messages):
        self.sent.extend((m.event_type, m.body) for m in messages)
        return {m.event_id for m in messages}, {}


def _verify(rt, test_pki) -> dict:
    payload = submission(test_pki, test_pki.first("valid"))
    with rt.session_factory() as s, s.begin():
        verifying.on_application_submitted(rt, s, submitted_event(payload))
    return payload


def _stored(url: str) -> list[tuple[str, str, object]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.select(outbox.c.event_type, outbox.c.body, outbox.c.sent_at))]
    finally:
        engine.dispose()


def test_a_sent_verified_body_is_unreadable_in_a_restored_backup_once_its_day_key_is_gone(tmp_path, test_pki):
    ledger = tmp_path / "erasures" / "signing.ledger"  # outside the database, never restored
    with testing.fresh_database("zt_sign_ob") as live_url, testing.fresh_database("zt_sign_ob_back") as back_url:
        rt = make_runtime(test_pki, live_url, f"memory://{tmp_path.name}", erasure_ledger=str(ledger))
        try:
            rt.migrate()
            broker = Recording()
            rt.relay.publisher = broker
            since = datetime.now(UTC) - timedelta(minutes=1)
            payload = _verify(rt, test_pki)
            day = outbox_keys.day_subject()
            [(kind, body, _)] = _stored(live_url)
            assert kind == "signature.verified"
            assert body.startswith(f"zk1:{day}:")  # sealed under the day's key
            for personal in (payload["signed_content_b64"], payload["expected_holder"]["name"], '"nationality"'):
                assert personal not in body

            # The relay opens it to publish; republish (after another service's restore) sends it whole again.
            for _ in range(2):
                assert rt.relay.relay_once() == 1
                assert json.loads(broker.sent[-1][1])["payload"]["submission"] == payload
                if len(broker.sent) == 1:
                    assert republish(rt.session_factory, rt.outbox, since, ("signature.verified",)) == 1

            backup = tmp_path / "signing.dump"
            testing.pg_dump(live_url, backup)  # the nightly backup, taken after the relay sent the event

            # The next purges: the sent row goes a day after it was sent, then the day's key, through the ledger.
            later = datetime.now(UTC) + timedelta(days=3)
            first = rt.purge(now=later).counts["outbox_sent"]
            assert _stored(live_url) == [] and first == 1
            assert rt.purge(now=later).counts["outbox_sent"] == 1  # the key
            assert day in ledger.read_text()
        finally:
            rt.stop()
            rt.engine.dispose()

        testing.pg_restore(back_url, backup)  # the sent row and the day's wrapped key are back in this copy...
        restored = make_runtime(test_pki, back_url, f"memory://{tmp_path.name}-r", erasure_ledger=str(ledger))
        try:
            restored.migrate()  # ...and migrate (run after every restore) destroyed the key again
            [(kind, body, sent_at)] = _stored(back_url)
            assert kind == "signature.verified" and sent_at is not None and body.startswith(f"zk1:{day}:")
            with pytest.raises(SubjectErased):
                open_body(body, restored.keyring)
            # The rest of the backup reads: the verdict and its holder attributes (case-file evidence).
            with restored.engine.connect() as conn:
                holder = conn.execute(sa.select(verdicts.c.holder)).scalar_one()
            assert json.loads(holder)["name"] == payload["expected_holder"]["name"]
        finally:
            restored.stop()
            restored.engine.dispose()


def test_a_day_key_stays_while_a_row_under_it_is_unsent(tmp_path, test_pki):
    """The broker was away for days: the unsent row keeps its key, and goes out whole when it is back."""
    rt = make_runtime(test_pki, f"sqlite:///{tmp_path}/s.db", f"memory://{tmp_path.name}")
    try:
        rt.migrate()
        payload = _verify(rt, test_pki)
        assert rt.purge(now=datetime.now(UTC) + timedelta(days=5)).counts["outbox_sent"] == 0
        broker = Recording()
        rt.relay.publisher = broker
        assert rt.relay.relay_once() == 1
        assert json.loads(broker.sent[0][1])["payload"]["submission"] == payload
    finally:
        rt.stop()
        rt.engine.dispose()


def test_rotate_keys_seals_bodies_staged_plain_under_the_day_key(tmp_path, test_pki):
    """Rows staged before signing sealed its outbox (plain bodies) go under the day's key with rotate-keys."""
    rt = make_runtime(test_pki, f"sqlite:///{tmp_path}/s.db", f"memory://{tmp_path.name}")
    try:
        rt.migrate()
        payload = _verify(rt, test_pki)
        with rt.engine.begin() as conn:  # as signing stored it before
            body = conn.execute(sa.select(outbox.c.body)).scalar_one()
            conn.execute(outbox.update().values(body=open_body(body, rt.keyring)))
        assert plain_personal_bodies(rt.engine, rt.outbox) == 1
        report = seal_stored_bodies(rt.engine, rt.outbox, rt.keyring, 500, rt.definition.outbox_seal_subject)
        assert report["outbox_bodies_sealed"] == 1 and plain_personal_bodies(rt.engine, rt.outbox) == 0
        with rt.engine.connect() as conn:
            body = conn.execute(sa.select(outbox.c.body)).scalar_one()
        assert body.startswith(f"zk1:{outbox_keys.day_subject()}:")
        assert json.loads(open_body(body, rt.keyring))["payload"]["submission"] == payload
    finally:
        rt.stop()
        rt.engine.dispose()
