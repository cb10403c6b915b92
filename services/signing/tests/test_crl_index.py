"""CRL directory index: signature and issuer checked once at load, O(1) lookups, reload on change."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import verify_pki as pki
from cryptography import x509

from signing.adapters.crl_index import CrlIndex
from signing.adapters.trust_store import TrustStore

NOW = pki.NOW


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def setup(tmp_path):
    gen1, gen2 = pki.make_root(slot=10), pki.make_root(slot=11)
    trust = TrustStore.from_certificates([gen1.cert, gen2.cert], [gen1.fingerprint, gen2.fingerprint])
    anchors = {a.fingerprint: a for a in trust.anchors}
    return gen1, gen2, trust, anchors[gen1.fingerprint], anchors[gen2.fingerprint]


def test_revoked_serial_is_found_only_under_its_issuer_generation(tmp_path):
    gen1, gen2, trust, a1, a2 = setup(tmp_path)
    (tmp_path / "g1.crl").write_bytes(pki.crl_der(pki.make_crl(gen1)))
    (tmp_path / "g2.crl").write_bytes(pki.crl_der(pki.make_crl(gen2, [0x77], extra=10_000)))
    leaf, _ = pki.issue(gen2, slot=20, serial=0x77)
    twin, _ = pki.issue(gen1, slot=20, serial=0x77)  # same serial, other generation
    index = CrlIndex(tmp_path, trust)
    assert index.status(leaf, a2, NOW).status == "revoked"
    assert index.status(twin, a1, NOW).status == "good"
    assert len(index._revoked) == 10_001


def test_crl_signed_by_the_wrong_key_is_rejected(tmp_path):
    gen1, gen2, trust, a1, a2 = setup(tmp_path)
    forged = pki.make_crl(gen2, signer_key=gen1.key)  # names gen2 (AKI), signed by gen1
    (tmp_path / "forged.crl").write_bytes(pki.crl_der(forged))
    outsider = pki.make_root(slot=12)
    (tmp_path / "outsider.crl").write_bytes(pki.crl_der(pki.make_crl(outsider)))
    index = CrlIndex(tmp_path, trust)
    assert set(Path(p).name for p in index.rejected) == {"forged.crl", "outsider.crl"}
    assert "signature" in index.rejected[str(tmp_path / "forged.crl")]
    leaf, _ = pki.issue(gen2, slot=20)
    assert index.status(leaf, a2, NOW).status == "unavailable"


def test_stale_and_future_crl(tmp_path):
    gen1, gen2, trust, a1, a2 = setup(tmp_path)
    (tmp_path / "g2.crl").write_bytes(pki.crl_der(pki.make_crl(gen2, next_update=NOW - dt.timedelta(seconds=1))))
    leaf, _ = pki.issue(gen2, slot=20)
    index = CrlIndex(tmp_path, trust)
    evidence = index.status(leaf, a2, NOW)
    assert evidence.status == "stale" and evidence.next_update < NOW
    assert index.status(leaf, a2, NOW - dt.timedelta(seconds=2)).status == "good"


def test_reload_when_files_change(tmp_path):
    gen1, gen2, trust, a1, a2 = setup(tmp_path)
    leaf, _ = pki.issue(gen2, slot=20, serial=0x99)
    path = tmp_path / "g2.crl"
    path.write_bytes(pki.crl_der(pki.make_crl(gen2)))
    clock = Clock()
    index = CrlIndex(tmp_path, trust, rescan_seconds=5, clock=clock)
    assert index.status(leaf, a2, NOW).status == "good"
    newer = pki.make_crl(gen2, [0x99], this_update=NOW - dt.timedelta(minutes=5))
    path.write_bytes(pki.crl_der(newer))
    os.utime(path, (1, 10**9 + 5))  # a distinct mtime even on coarse filesystems
    assert index.status(leaf, a2, NOW).status == "good"  # not rescanned yet: rescans are rate-limited
    clock.t = 6
    assert index.status(leaf, a2, NOW).status == "revoked"
    path.unlink()
    clock.t = 12
    assert index.status(leaf, a2, NOW).status == "unavailable"


def test_the_crl_gauges_follow_the_index_scans(tmp_path):
    """The service's index sets the CRL gauges when it scans its directory (``on_scan``), not after every
    verdict: a new CRL is reported after the rescan that loads it, a removed one is no longer reported."""
    from signing.adapters import metrics

    gen1, gen2, trust, a1, a2 = setup(tmp_path)
    leaf, _ = pki.issue(gen2, slot=20)
    old, new = tmp_path / "gauge-old.crl", tmp_path / "gauge-new.crl"
    old.write_bytes(pki.crl_der(pki.make_crl(gen2, this_update=NOW - dt.timedelta(hours=5))))
    clock = Clock()
    index = CrlIndex(tmp_path, trust, rescan_seconds=5, clock=clock, on_scan=metrics.set_crl_gauges)

    def reported() -> set[str]:
        return {labels[0] for labels in metrics.CRL_AGE._metrics if labels[0].startswith("gauge-")}

    assert reported() == {"gauge-old.crl"}  # on the first load
    this_update = NOW - dt.timedelta(minutes=5)
    new.write_bytes(pki.crl_der(pki.make_crl(gen2, this_update=this_update)))
    old.unlink()
    index.status(leaf, a2, NOW)
    assert reported() == {"gauge-old.crl"}  # not rescanned yet
    clock.t = 6
    index.status(leaf, a2, NOW)  # a verdict's lookup: the index rescans, the gauges follow
    assert reported() == {"gauge-new.crl"}
    age = (dt.datetime.now(dt.UTC) - this_update).total_seconds()
    assert abs(metrics.CRL_AGE.labels("gauge-new.crl")._value.get() - age) < 60


def test_partitioned_crls_cover_their_own_scope(tmp_path):
    gen1, gen2, trust, a1, a2 = setup(tmp_path)
    (tmp_path / "tokyo.crl").write_bytes(pki.crl_der(pki.make_crl(gen2, [0x10], scope="tokyo")))
    (tmp_path / "osaka.crl").write_bytes(pki.crl_der(pki.make_crl(gen2, [], scope="osaka")))
    tokyo, _ = pki.issue(gen2, slot=20, serial=0x10, crl_dp="tokyo")
    osaka, _ = pki.issue(gen2, slot=21, serial=0x11, crl_dp="osaka")
    nagoya, _ = pki.issue(gen2, slot=22, serial=0x12, crl_dp="nagoya")
    index = CrlIndex(tmp_path, trust)
    assert index.status(tokyo, a2, NOW).status == "revoked"
    assert index.status(osaka, a2, NOW).source.endswith("osaka.crl")
    assert index.status(nagoya, a2, NOW).status == "unavailable"  # its partition is missing


def test_pem_crl_and_revocation_after_the_trusted_time(tmp_path):
    gen1, gen2, trust, a1, a2 = setup(tmp_path)
    from cryptography.hazmat.primitives import serialization

    crl = pki.make_crl(gen2, [(0x55, NOW - dt.timedelta(hours=2))])
    (tmp_path / "g2.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    leaf, _ = pki.issue(gen2, slot=20, serial=0x55)
    index = CrlIndex(tmp_path, trust)
    assert index.status(leaf, a2, NOW).status == "revoked"
    assert index.status(leaf, a2, NOW, revoked_before=NOW - dt.timedelta(hours=3)).status == "good"


def test_crl_signed_with_a_weak_hash_is_rejected(tmp_path):
    from cryptography.hazmat.primitives import hashes

    gen1, gen2, trust, a1, a2 = setup(tmp_path)
    (tmp_path / "g2.crl").write_bytes(pki.crl_der(pki.make_crl(gen2, hash_alg=hashes.SHA224())))
    index = CrlIndex(tmp_path, trust)
    assert "sha224" in index.rejected[str(tmp_path / "g2.crl")]
    leaf, _ = pki.issue(gen2, slot=20)
    assert index.status(leaf, a2, NOW).status == "unavailable"


FRESHEST = x509.FreshestCRL(
    [x509.DistributionPoint([x509.UniformResourceIdentifier("http://x/delta.crl")], None, None, None)]
)


@pytest.mark.parametrize(
    "extension,critical,why",
    [
        (x509.DeltaCRLIndicator(1), True, "delta CRL (deltaCRLIndicator"),
        (FRESHEST, False, "freshestCRL"),
        (x509.IssuingDistributionPoint(None, None, False, False, None, True, False), True, "issuingDistributionPoint"),
        (x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4"), b"\x05\x00"), True, "critical extension 1.2.3.4"),
    ],
)
def test_a_newer_delta_crl_does_not_unrevoke(tmp_path, extension, critical, why):
    """Issue 15: without an issuingDistributionPoint a CRL counted as full and the newest won, so a newer
    empty delta CRL made a revoked certificate good. Only full CRLs count; the others are refused, with why."""
    from signing.adapters import metrics

    gen1, gen2, trust, a1, a2 = setup(tmp_path)
    leaf, _ = pki.issue(gen2, slot=20, serial=0x55)
    (tmp_path / "full.crl").write_bytes(
        pki.crl_der(pki.make_crl(gen2, [0x55], this_update=NOW - dt.timedelta(hours=5)))
    )
    (tmp_path / "delta.crl").write_bytes(
        pki.crl_der(
            pki.make_crl(gen2, [], this_update=NOW - dt.timedelta(minutes=5), extensions=[(extension, critical)])
        )
    )
    index = CrlIndex(tmp_path, trust)
    assert index.status(leaf, a2, NOW).status == "revoked"
    assert why in index.rejected[str(tmp_path / "delta.crl")], index.rejected
    metrics.observe_crls(index, NOW)
    assert metrics.CRL_REFUSED.labels("delta.crl")._value.get() == 1
    assert ("full.crl",) not in metrics.CRL_REFUSED._metrics


def test_the_test_pki_makes_a_delta_crl_and_it_is_refused(tmp_path):
    """``zairyu-pki``'s CRL writer can make a delta CRL (for tests like these); the index refuses it."""
    from signing.testpki.crl import build_crl

    gen1, gen2, trust, a1, a2 = setup(tmp_path)
    leaf, _ = pki.issue(gen2, slot=20, serial=0x56)
    (tmp_path / "full.crl").write_bytes(
        build_crl(
            issuer=gen2.cert,
            issuer_key=gen2.key,
            this_update=NOW - dt.timedelta(hours=5),
            next_update=NOW + dt.timedelta(days=1),
            number=7,
            revoked=[(0x56, NOW - dt.timedelta(days=1), None)],
        )
    )
    (tmp_path / "delta.crl").write_bytes(
        build_crl(
            issuer=gen2.cert,
            issuer_key=gen2.key,
            this_update=NOW - dt.timedelta(minutes=1),
            next_update=NOW + dt.timedelta(days=1),
            number=8,
            revoked=[],
            delta_of=7,
        )
    )
    assert (
        x509.load_der_x509_crl((tmp_path / "delta.crl").read_bytes())
        .extensions.get_extension_for_class(x509.DeltaCRLIndicator)
        .value.crl_number
        == 7
    )
    index = CrlIndex(tmp_path, trust)
    assert index.status(leaf, a2, NOW).status == "revoked"
    assert "delta CRL" in index.rejected[str(tmp_path / "delta.crl")]
