"""Verification throughput on one core, as the CRL grows: ours against pyhanko-certvalidator.

Usage: .venv/bin/python services/signing/bench/bench_verify.py [--seconds S] [--sizes 0,10000,100000]
Prints `name: value unit` lines (rates: best of 5 rounds, in CPU time). The test PKI comes from `zairyu-pki`
(signing.testpki) with --revoked N; the signature is a CAdES-BES made by the signer's builder with a valid holder's key.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils
from cryptography.x509 import verification as xv

from signing.adapters.crl_index import CrlIndex
from signing.adapters.rfc5280 import validate_rfc5280
from signing.adapters.trust_store import TrustStore, fingerprint
from signing.domain import cades, cert_fields, cms, profiles, verification
from signing.domain.holder_attributes import holder_attributes
from signing.domain.verification import CA_POLICY, EE_POLICY, VerificationPolicy, Verifier
from signing.testpki import create_test_pki
from zairyu_shared import testing

CONTENT = b'{"application_id": "bench", "procedure": "extension", "form": {"period": "3 years"}}'


def rate(fn, seconds: float, min_runs: int = 3, rounds: int = 5) -> float:
    """Best of `rounds` rounds: the machine is shared, and the best round is the one least disturbed.
    Counted in this process's CPU time: time spent waiting for a core taken by others' jobs is not ours."""
    fn()  # warm caches
    best = 0.0
    for _ in range(rounds):
        runs, start = 0, time.process_time()
        while True:
            fn()
            runs += 1
            elapsed = time.process_time() - start
            if elapsed >= seconds / rounds and runs >= min_runs:
                break
        best = max(best, runs / elapsed)
    return best


def rates_side_by_side(fns: list, seconds: float, rounds: int = 5) -> list[float]:
    """rate() for several functions whose ratio is wanted, their rounds taken in turn (a, b, a, b, ...): on a shared
    machine the load drifts within a minute, and rounds measured a few seconds apart saw different machines."""
    for fn in fns:
        fn()  # warm caches
    best = [0.0] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            runs, start = 0, time.process_time()
            while True:
                fn()
                runs += 1
                elapsed = time.process_time() - start
                if elapsed >= seconds / rounds and runs >= 3:
                    break
            best[i] = max(best[i], runs / elapsed)
    return best


def bench_size(n: int, seconds: float, workdir: Path) -> None:
    started = time.perf_counter()
    pki = create_test_pki(workdir / f"pki-{n}", revoked=n)
    print(f"testpki_build_s_revoked_{n}: {time.perf_counter() - started:.2f} s")
    pins = {fingerprint(ca.cert): f"test-{ca.id}" for ca in pki.cas if ca.trusted}
    trust = TrustStore([a for d in pki.trust_dir.values() for a in TrustStore.from_directory(d, pins).anchors])
    started = time.perf_counter()
    crl_index = CrlIndex(pki.crl_dir, trust)
    print(f"crl_index_load_s_revoked_{n}: {time.perf_counter() - started:.3f} s")
    verifier = Verifier(trust, [crl_index], VerificationPolicy(sign_profile=profiles.jpki_sign("test")))
    holder = next(h for h in pki.holders_of_kind("valid") if h.sign.issuer_id == "sign-g2")  # the big CRL's CA
    key = holder.sign.key
    cms_der = cades.build_detached(
        CONTENT,
        holder.sign.cert_der,
        lambda di: key.sign(di[-32:], padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())),
    )
    verdict = verifier.verify_cms(CONTENT, cms_der)
    assert verdict.valid, verdict

    def seen_cert():
        verifier.verify_cms(CONTENT, cms_der)

    def cold():  # as if every signature came from a certificate not seen before (no per-cert caches)
        for cached in (cms._certificate, holder_attributes, verification._cert_facts_cached, cert_fields.fields):
            cached.cache_clear()
        # what is kept per issuing CA stays: the CA is not new (the issuer's text, the trust store, the CRL index,
        # the extensions it writes alike into every certificate: cert_fields._ALIKE, keyed by their bytes), and so do
        # the subject's place names (names.SHARED_TYPES), shared by every holder of a municipality
        verifier.verify_cms(CONTENT, cms_der)

    seen, new = rates_side_by_side([seen_cert, cold], seconds)
    print(f"cms_verify_per_s_crl_{n}: {seen:.0f} /s")
    print(f"cms_verify_per_s_crl_{n}_new_cert_each_time: {new:.0f} /s")
    # the machine's speed cancels out of this one (issue 24: 3,000/s against 4,783/s seen, i.e. >= 0.63)
    print(f"cms_verify_new_cert_to_seen_ratio_crl_{n}: {new / seen:.3f} ratio")
    cert = holder.sign.cert
    print(
        f"chain_verify_per_s_crl_{n}: "
        f"{rate(lambda: verifier.verify_certificate(cert, profile=verifier.policy.sign_profile), seconds):.0f} /s"
    )

    # floor, same run: cryptography's path validation alone (no CMS, no revocation, no profile)
    ca = pki.ca(holder.sign.issuer_id)
    store = xv.Store([ca.cert])

    def raw_path():
        (
            xv.PolicyBuilder()
            .store(store)
            .time(dt.datetime.now(dt.UTC))
            .extension_policies(ca_policy=CA_POLICY, ee_policy=EE_POLICY)
            .build_client_verifier()
            .verify(cert, [])
        )

    print(f"floor_cryptography_path_per_s_crl_{n}: {rate(raw_path, seconds):.0f} /s")

    crl_bytes = ca.crl_path.read_bytes()
    check = validate_rfc5280(cert, [], [ca.cert], [crl_bytes], revocation_mode="require")
    if not check.valid:
        print(f"pyhanko_chain_per_s_crl_{n}: 0 /s  # failed: {check.reason} {check.detail[:100]}")
        return
    per_s = rate(
        lambda: validate_rfc5280(cert, [], [ca.cert], [crl_bytes], revocation_mode="require"),
        seconds,
        min_runs=2,
        rounds=2,
    )
    print(f"pyhanko_chain_per_s_crl_{n}: {per_s:.1f} /s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=testing.bench_size(3.0, 0.05), help="time per measurement")
    parser.add_argument(
        "--sizes", default=testing.bench_size("0,10000,100000", "0,100"), help="revoked entries in the CRL"
    )
    args = parser.parse_args()
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            bench_size(n, args.seconds, Path(tmp))


if __name__ == "__main__":
    main()
