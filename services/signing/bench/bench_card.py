"""Card and test-PKI figures: ``python services/signing/bench/bench_card.py``.

Prints ``name: value unit`` lines:
  apdu_roundtrip_p50 / _p99           one APDU through pyscard -> pcscd -> vpcd -> simulated card
  apdu_roundtrip_p50_no_tcp_tuning    the same without TCP_NODELAY/QUICKACK (the ~40 ms it avoids)
  card_signatures_per_s               VERIFY + COMPUTE DIGITAL SIGNATURE pairs through PC/SC
  cades_signatures_per_s              whole zairyu signer sign() (CMS) through PC/SC
  inprocess_cades_signatures_per_s    the same over the in-process card (no pcscd)
  test_pki_create_cached_s / _cold_s  default test PKI (key cache warm / keys generated)
  crl_100k_create_s                   test PKI with 100,000 extra revoked serials, minus the default
Needs pcscd + vsmartcard-vpcd for the PC/SC figures (skipped with a note otherwise).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time


def _rtt(reader: str, count: int) -> list[float]:
    from smartcard.System import readers

    from signing.domain import jpki_apdu as apdu

    connection = next(r for r in readers() if str(r) == reader).createConnection()
    connection.connect()
    try:
        connection.transmit(list(apdu.select_aid(apdu.JPKI_AID)))
        connection.transmit(list(apdu.select_ef(apdu.Ef.AUTH_PIN)))
        query = list(apdu.verify(None))
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            _, sw1, _ = connection.transmit(query)
            samples.append((time.perf_counter() - started) * 1000)
            assert sw1 == 0x63  # the card really answered (tries left)
        return samples
    finally:
        connection.disconnect()


def _card_signatures(reader: str, holder, count: int) -> float:
    import hashlib

    from smartcard.System import readers

    from signing.domain import jpki_apdu as apdu
    from signing.domain.cades import sha256_digest_info

    connection = next(r for r in readers() if str(r) == reader).createConnection()
    connection.connect()
    try:
        connection.transmit(list(apdu.select_aid(apdu.JPKI_AID)))
        digest_info = list(apdu.compute_signature(sha256_digest_info(hashlib.sha256(b"x").digest())))
        started = time.perf_counter()
        for _ in range(count):
            connection.transmit(list(apdu.select_ef(apdu.Ef.SIGN_PIN)))
            _, sw1, _ = connection.transmit(list(apdu.verify(holder.password.encode())))
            assert sw1 == 0x90
            connection.transmit(list(apdu.select_ef(apdu.Ef.SIGN_KEY)))
            data, sw1, _ = connection.transmit(digest_info)
            assert sw1 == 0x90 and len(data) == 256
        return count / (time.perf_counter() - started)
    finally:
        connection.disconnect()


def main() -> int:
    from signing.testpki import create_test_pki
    from zairyu_shared.testing import bench_size

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        pki = create_test_pki(os.path.join(tmp, "warm"))  # also fills the key cache
        warm_fill = time.perf_counter() - started
        started = time.perf_counter()
        pki = create_test_pki(os.path.join(tmp, "cached"))
        cached = time.perf_counter() - started
        started = time.perf_counter()
        create_test_pki(os.path.join(tmp, "cold"), use_key_cache=False)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        create_test_pki(os.path.join(tmp, "big"), revoked=bench_size(100_000, 100))
        big = time.perf_counter() - started
        print(f"test_pki_create_cached_s: {cached:.3f} s")
        print(f"test_pki_create_cold_s: {cold:.3f} s")
        print(f"crl_100k_create_s: {max(big - cached, 0):.3f} s")
        print(f"test_pki_create_with_100k_crl_s: {big:.3f} s")
        del warm_fill

        from signing.adapters.inprocess_card import inprocess_signer
        from signing.testpki.card import card_for

        holder = pki.first()
        signer = inprocess_signer(card_for(pki, holder))
        count = bench_size(200, 3)
        started = time.perf_counter()
        for _ in range(count):
            signer.sign(b"application form", holder.password)
        print(f"inprocess_cades_signatures_per_s: {count / (time.perf_counter() - started):.1f} /s")

        from signing.testing import pcsc_missing_reason, running_card

        reason = pcsc_missing_reason()
        if reason:
            print(f"# PC/SC figures skipped: {reason}", file=sys.stderr)
            return 0
        with running_card(pki, holder, log_apdus=False) as card:
            samples = _rtt(card.reader, bench_size(2000, 100))
            print(f"apdu_roundtrip_p50: {statistics.median(samples):.3f} ms")
            print(f"apdu_roundtrip_p99: {statistics.quantiles(samples, n=100)[98]:.3f} ms")
            print(f"card_signatures_per_s: {_card_signatures(card.reader, holder, bench_size(200, 3)):.1f} /s")
            from signing.adapters.pcsc_card import pcsc_signer

            pcsc = pcsc_signer(card.reader)
            count = bench_size(100, 3)
            started = time.perf_counter()
            for _ in range(count):
                pcsc.sign(b"application form", holder.password)
            print(f"cades_signatures_per_s: {count / (time.perf_counter() - started):.1f} /s")
        with running_card(pki, holder, log_apdus=False, extra_args=("--no-tcp-tuning",)) as card:
            samples = _rtt(card.reader, bench_size(50, 5))
            print(f"apdu_roundtrip_p50_no_tcp_tuning: {statistics.median(samples):.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
