"""Run by test_bus: publish the outbox with confirms, then die by SIGKILL before marking sent."""

import os
import signal

from spine_service import make_definition

from zairyu_shared.runtime import Runtime

rt = Runtime.from_env(
    make_definition(os.environ["SVC"]),
    environ={},
    database_url=os.environ["DATABASE_URL"],
    amqp_url=os.environ["AMQP_URL"],
    embedded=True,
)
inner = rt.relay.publisher


class Die:
    def publish_batch(self, rows):
        confirmed, _ = inner.publish_batch(rows)
        assert len(confirmed) == len(rows)
        os.kill(os.getpid(), signal.SIGKILL)


rt.relay.publisher = Die()
rt.relay.relay_once()
