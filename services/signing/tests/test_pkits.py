"""NIST PKITS through the rfc5280 profile (the same function `zairyu-verify chain --profile rfc5280` calls).

Expectations: BoringSSL's encoding of PKITS.pdf (249 cases, with the initial policy parameters and
the expected user-constrained policy set), and pyhanko-certvalidator's pkits.json (246 cases).
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from signing.adapters.rfc5280 import ANY_POLICY, LEGACY_WEAK_HASHES, PolicyParams, validate_rfc5280
from zairyu_shared.testing import shared_dir

FLOOR_BORINGSSL = 248  # of 249: 4.1.5 (DSA parameter inheritance in a CRL signer) is a known pyhanko gap
FLOOR_PYHANKO = 246  # of 246 (this encoding does not require revocation for 4.1.5)
AT = dt.datetime(2022, 5, 1, tzinfo=dt.UTC)  # inside every PKITS validity window
NIST = {f"NIST-test-policy-{i}": f"2.16.840.1.101.3.2.1.48.{i}" for i in range(1, 11)} | {"anyPolicy": ANY_POLICY}


@pytest.fixture(scope="module")
def pkits():
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    return shared_dir() / "conformance" / "pkits"


def _read(base, kind, name):
    suffix = ".crt" if kind == "certs" else ".crl"
    return (base / kind / (name if name.endswith(suffix) else name + suffix)).read_bytes()


def _policy_set(value: str) -> frozenset[str]:
    return frozenset(NIST[v] for v in value.split(",") if v)


def run_boringssl_cases(base) -> tuple[int, int, list[str]]:
    cases = json.loads((base / "expected_from_boringssl_pkits_testcases.json").read_text())
    passed, failures = 0, []
    for case in cases:
        s = case["settings"]
        certs = [_read(base, "certs", n) for n in case["certs_root_to_leaf"]]
        params = PolicyParams(
            user_initial_policy_set=_policy_set(s["SetInitialPolicySet"])
            if "SetInitialPolicySet" in s
            else frozenset({ANY_POLICY}),
            initial_explicit_policy=s.get("SetInitialExplicitPolicy") == "true",
            initial_policy_mapping_inhibit=s.get("SetInitialPolicyMappingInhibit") == "true",
            initial_any_policy_inhibit=s.get("SetInitialInhibitAnyPolicy") == "true",
        )
        verdict = validate_rfc5280(
            certs[-1],
            certs[1:-1],
            [certs[0]],
            [_read(base, "crls", n) for n in case["crls"]],
            at=AT,
            params=params,
            weak_hashes=LEGACY_WEAK_HASHES,
        )
        ok = verdict.valid == case["should_validate"]
        if ok and verdict.valid and "SetUserConstrainedPolicySet" in s:
            ok = set(verdict.policies) == _policy_set(s["SetUserConstrainedPolicySet"])
        passed += ok
        if not ok:
            failures.append(f"{case['title']}: {verdict.reason} {verdict.detail[:120]}")
    return passed, len(cases), failures


def run_pyhanko_cases(base) -> tuple[int, int, list[str]]:
    cases = json.loads((base / "pkits.json").read_text())
    root = _read(base, "certs", "TrustAnchorRootCertificate")
    root_crl = _read(base, "crls", "TrustAnchorRootCRL")
    passed, failures = 0, []
    for case in cases:
        p = case.get("params", {})
        params = PolicyParams(
            user_initial_policy_set=frozenset(p.get("user_initial_policy_set", [ANY_POLICY])),
            initial_explicit_policy=p.get("initial_explicit_policy", False),
            initial_policy_mapping_inhibit=p.get("initial_policy_mapping_inhibit", False),
            initial_any_policy_inhibit=p.get("initial_any_policy_inhibit", False),
        )
        others = [_read(base, "certs", n) for n in case.get("path_intermediates", case.get("other_certs", []))]
        verdict = validate_rfc5280(
            _read(base, "certs", case["cert"]),
            others,
            [root],
            [root_crl] + [_read(base, "crls", n) for n in case.get("crls", [])],
            at=AT,
            params=params,
            revocation_mode="require" if case.get("revocation", True) else "hard-fail",
            weak_hashes=LEGACY_WEAK_HASHES,
        )
        ok = verdict.valid == ("error" not in case)
        passed += ok
        if not ok:
            failures.append(f"{case['id']} {case['name']}: {verdict.reason} {verdict.detail[:120]}")
    return passed, len(cases), failures


def test_pkits_boringssl_expectations(pkits):
    passed, total, failures = run_boringssl_cases(pkits)
    print(f"PKITS: {passed}/{total} passed")
    for f in failures:
        print("  not as expected:", f)
    assert total == 249
    assert passed >= FLOOR_BORINGSSL, failures


def test_pkits_pyhanko_expectations(pkits):
    passed, total, failures = run_pyhanko_cases(pkits)
    print(f"PKITS (pkits.json): {passed}/{total} passed")
    for f in failures:
        print("  not as expected:", f)
    assert passed >= FLOOR_PYHANKO, failures
