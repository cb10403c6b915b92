"""The sender's threads, bound to the consume process (or the web process in the embedded run): a commit that
made mail due wakes one of them (notices.write_notices)."""

from __future__ import annotations

import threading
import time

from notify.adapters.smtp import Mailer
from notify.application.sending import Handoff, Sender, SharedBucket
from notify.bootstrap import ports
from notify.domain import delivery


def start_sender(
    runtime, stop: threading.Event, mailer: Mailer | None = None
) -> tuple[list[Sender], list[threading.Thread]]:
    """Start the sender thread(s); a commit in this process that made mail due wakes one of them.

    Several threads only on PostgreSQL: SQLite has no SKIP LOCKED, so two claimers could take
    the same notice.
    """
    s = runtime.settings
    count = s.sender_threads if runtime.engine.dialect.name == "postgresql" else 1
    bucket = SharedBucket(delivery.TokenBucket(s.send_rate, s.send_burst, time.monotonic()))
    handoff = Handoff(s.claim_batch)
    senders = [Sender(runtime, mailer, bucket=bucket, handoff=handoff) for _ in range(count)]
    threads = []
    for i, sender in enumerate(senders):
        thread = threading.Thread(target=sender.run, args=(stop,), name=f"{runtime.name}-sender-{i}", daemon=True)
        thread.start()
        threads.append(thread)
    ports(runtime).senders.extend(senders)
    ports(runtime).handoff = handoff  # from now on the consumer claims the mail it writes for them
    return senders, threads
