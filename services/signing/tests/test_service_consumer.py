"""The consumer end to end on real RabbitMQ + PostgreSQL: application.submitted in, verdict out.

Schema through the service's Alembic migrations; events in through intake's exchange (as intake's
relay would publish them); verdicts read from a test queue bound to signing.events.
"""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest
import sqlalchemy as sa
from kombu import Connection, Exchange, Queue
from service_support import expected_holder, make_runtime, submission, submitted_event

from signing.adapters import metrics as signing_metrics
from signing.adapters.tables import verdicts
from zairyu_shared import metrics, testing
from zairyu_shared.bus import KombuPublisher
from zairyu_shared.events import parse_message

OUT_QUEUE = "test.signing-verdicts"


@dataclasses.dataclass
class Row:  # what KombuPublisher publishes (an outbox row's shape)
    event_id: str
    event_type: str
    exchange: str
    correlation_id: str
    body: str


@pytest.fixture(scope="module")
def service(test_pki):
    with testing.fresh_database("zt_signing") as db, testing.fresh_vhost("zt-signing") as amqp:
        rt = make_runtime(test_pki, db, amqp)
        rt.migrate()
        with Connection(amqp) as conn:
            Queue(
                OUT_QUEUE,
                exchange=Exchange("signing.events", type="topic", durable=True),
                routing_key="signature.*",
                durable=True,
            )(conn.default_channel).declare()
        rt.start_background()
        intake = KombuPublisher(amqp)
        yield rt, intake, Verdicts(amqp)
        intake.close()
        rt.stop()


class Verdicts:
    """The test queue, drained into a dict by application id."""

    def __init__(self, url: str):
        self.url = url
        self.seen: dict[str, list] = {}

    def _drain(self) -> None:
        with Connection(self.url) as conn:
            channel = conn.channel()
            while (message := channel.basic_get(OUT_QUEUE, no_ack=True)) is not None:
                event = parse_message(message.body)
                self.seen.setdefault(event.payload["application_id"], []).append(event)

    def for_application(self, application_id: str):
        def arrived():
            self._drain()
            return self.seen.get(application_id)

        return testing.wait_until(arrived, timeout=30, message=f"a verdict for {application_id}")[0]


def publish(intake: KombuPublisher, event) -> None:
    confirmed, failed = intake.publish_batch(
        [Row(event.id, event.type, "intake.events", event.correlation_id, event.to_json())]
    )
    assert confirmed == {event.id} and not failed


def verdict_rows(rt, application_id):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(verdicts).where(verdicts.c.application_id == application_id)).all()


def count(verdict, reason):
    return signing_metrics.SIGNATURE_VERDICTS.labels(verdict, reason)._value.get()


def test_good_signature_is_verified_with_evidence_and_the_submission(service, test_pki):
    rt, intake, out = service
    holder = test_pki.first("valid")
    payload = submission(test_pki, holder)
    event = submitted_event(payload)
    before = count("verified", "none")
    publish(intake, event)
    verified = out.for_application(payload["application_id"])
    assert verified.type == "signature.verified" and verified.source == "signing"
    assert verified.causation_id == event.id and verified.correlation_id == payload["application_id"]
    evidence = verified.payload["evidence"]
    assert evidence["certificate_serial"] == f"{holder.sign.cert.serial_number:X}"
    assert evidence["holder"]["name"] == holder.attributes["name"]
    assert evidence["revocation_source"].startswith("crl:") and evidence["soft_fail"] is False
    assert verified.payload["submission"] == event.payload  # echoed exactly
    [row] = verdict_rows(rt, payload["application_id"])
    assert (row.verdict, row.reason, row.event_id) == ("verified", None, event.id)
    assert json.loads(row.holder)["address"] == holder.attributes["address"]
    with rt.engine.connect() as conn:  # at rest, the holder attributes are ciphertext
        raw = conn.execute(
            sa.text("SELECT holder, sealed_evidence, evidence, data_key FROM verdicts WHERE event_id = :e"),
            {"e": event.id},
        ).one()
    assert holder.attributes["name"].encode() not in bytes(raw.holder)
    assert raw.evidence is None and evidence["certificate_serial"].encode() not in bytes(raw.sealed_evidence)
    # under the key of the day its retention ends (issue 20), not the service key
    assert bytes(raw.holder).startswith(f"zk1:{raw.data_key}:".encode()) and raw.data_key.startswith("verdicts-")
    testing.wait_until(lambda: count("verified", "none") >= before + 1, message="verdict counted")
    # The CRL gauges were set when the consumer's index loaded the CRLs (no scrape of this process asked).
    crls = {path.name for path in test_pki.crl_dir.iterdir()}
    assert crls and crls <= {labels[0] for labels in signing_metrics.CRL_AGE._metrics}


@pytest.mark.parametrize(
    "case, reason",
    [
        ("tampered", "content_mismatch"),
        ("hash_lies", "content_mismatch"),
        ("revoked", "revoked"),
        ("other_holder", "holder_mismatch"),
    ],
)
def test_bad_submissions_are_rejected_with_reason_and_message(service, test_pki, case, reason):
    rt, intake, out = service
    valid = test_pki.first("valid")
    if case == "tampered":  # signed one text, submitted another
        payload = submission(test_pki, valid, content=b'{"period":"5 years"}', signed_content=b'{"period":"1 year"}')
    elif case == "hash_lies":
        payload = submission(test_pki, valid)
        payload["content_sha256"] = "0" * 64
    elif case == "revoked":
        payload = submission(test_pki, test_pki.first("revoked"), language="ja")
    else:
        payload = submission(test_pki, valid, claimed_holder=expected_holder(test_pki.holders_of_kind("valid")[2]))
    publish(intake, submitted_event(payload))
    rejected = out.for_application(payload["application_id"])
    assert rejected.type == "signature.rejected"
    assert rejected.payload["reason"] == reason
    assert rejected.payload["language"] == payload["language"]
    assert rejected.payload["message"]
    assert "holder" not in rejected.payload["evidence"]  # personal data stays in signing
    if case == "revoked":
        assert "失効" in rejected.payload["message"]
        assert rejected.payload["evidence"]["certificate_serial"] == f"{test_pki.first('revoked').sign.serial:X}"
    [row] = verdict_rows(rt, payload["application_id"])
    assert (row.verdict, row.reason) == ("rejected", reason)


def test_a_redelivered_submission_gives_one_verdict(service, test_pki):
    rt, intake, out = service
    payload = submission(test_pki, test_pki.first("valid"))
    event = submitted_event(payload)
    qname = "signing.on_application_submitted"
    duplicates = metrics.EVENTS_CONSUMED.labels("signing", qname, "application.submitted", "duplicate")
    before = duplicates._value.get()
    publish(intake, event)
    publish(intake, event)
    out.for_application(payload["application_id"])
    testing.wait_until(lambda: duplicates._value.get() >= before + 1, message="the redelivery absorbed")
    assert len(verdict_rows(rt, payload["application_id"])) == 1
    rt.relay.drain()
    out._drain()
    assert len(out.seen[payload["application_id"]]) == 1


def test_undecodable_signature_is_rejected_as_malformed(service, test_pki):
    rt, intake, out = service
    payload = submission(test_pki, test_pki.first("valid"))
    payload["signature_cms_b64"] = base64.b64encode(b"not a CMS").decode()
    publish(intake, submitted_event(payload))
    assert out.for_application(payload["application_id"]).payload["reason"] == "malformed"
