"""The signing service's own Prometheus metrics (platform-wide ones live in zairyu_shared.metrics)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prometheus_client import Counter, Gauge

SIGNATURE_VERDICTS = Counter(
    "zairyu_signature_verdicts_total",
    "Signature verdicts reached (events and internal API), by verdict and reason",
    ["verdict", "reason"],
)
CRL_AGE = Gauge(
    "zairyu_crl_age_seconds", "Age of each loaded CRL: now - thisUpdate", ["crl"], multiprocess_mode="livemax"
)
CRL_NEXT_UPDATE = Gauge(
    "zairyu_crl_next_update_seconds",
    "Seconds until each loaded CRL's nextUpdate (negative: already past)",
    ["crl"],
    multiprocess_mode="livemin",
)
CRL_REFUSED = Gauge(
    "zairyu_crl_refused",
    "1 for each CRL file in the CRL directory refused (bad signature, "
    "delta CRL, unreadable...; another CA's CRL is not counted); the log says why",
    ["crl"],
    multiprocess_mode="livemax",
)


def count_verdict(valid: bool, reason: str | None) -> None:
    SIGNATURE_VERDICTS.labels("verified" if valid else "rejected", reason or "none").inc()


def observe_crls(crl_index, now: dt.datetime | None = None) -> None:
    """Rescan the index if due and set the CRL gauges (called on scrape)."""
    if crl_index is None:
        return
    crl_index.refresh()
    set_crl_gauges(crl_index, now)


def set_crl_gauges(crl_index, now: dt.datetime | None = None) -> None:
    """Set the CRL gauges from what the index has loaded (the index calls it after each scan: ``on_scan``)."""
    now = now or dt.datetime.now(dt.UTC)
    seen = set()
    for crl in crl_index.loaded:
        name = Path(crl.path).name
        seen.add(name)
        CRL_AGE.labels(name).set((now - crl.this_update).total_seconds())
        if crl.next_update is not None:
            CRL_NEXT_UPDATE.labels(name).set((crl.next_update - now).total_seconds())
    refused = {Path(p).name for p in crl_index.rejected if p not in crl_index.untrusted}
    for name in refused:
        CRL_REFUSED.labels(name).set(1)
    # A CRL removed from the directory (or accepted again) must not keep reporting its last state.
    for gauge, keep in ((CRL_AGE, seen), (CRL_NEXT_UPDATE, seen), (CRL_REFUSED, refused)):
        for labels in list(gauge._metrics):  # prometheus-client offers no public label listing
            if labels[0] not in keep:
                gauge.remove(*labels)
