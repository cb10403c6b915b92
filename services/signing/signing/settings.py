"""Signing settings: environment variables, validated at start."""

from __future__ import annotations

import re
from dataclasses import dataclass

from zairyu_shared.config import CommonSettings, setting

_OID = re.compile(r"^[0-2](\.\d+)+$")
CRL_MAX_AGE_SECONDS = 36 * 3600  # see crl_max_age


def _policy_ok(value: str) -> bool:
    return value in ("production", "test") or bool(_OID.match(value))


@dataclass(frozen=True)
class SigningSettings(CommonSettings):
    public_url: str = setting(
        "ZAIRYU_SIGNING_URL", "http://127.0.0.1:8004", help="Where this service's web front is reached"
    )
    trust_dir: str = setting(
        "ZAIRYU_TRUST_DIR",
        "/etc/zairyu/trust",
        help="Directory of trusted root certificates (.der/.cer/.crt/.pem; its immediate subdirectories are read too); comma-separate several",
    )
    trust_pins: str = setting(
        "ZAIRYU_TRUST_PINS",
        "production",
        help="'production' = the J-LIS SHA-256 pins built into the code; 'test:<file>' = a test PKI manifest.json or a pin list (one 'SHA256 [label]' a line). Roots not pinned are refused",
    )
    trust_extra_pins: str = setting(
        "ZAIRYU_TRUST_EXTRA_PINS",
        "",
        help="J-LIS root generations to trust besides the built-in pins, comma-separated 'SHA256=jpki-<name>' (e.g. "
        "authca02, which J-LIS publishes but the code does not carry): the fingerprint checked against J-LIS's "
        "publication out of band; the root's file goes into ZAIRYU_TRUST_DIR as before",
    )
    crl_dir: str = setting(
        "ZAIRYU_CRL_DIR",
        "/var/lib/zairyu/crl",
        help="Directory of CRLs the crl-sync job keeps current; re-read when a file changes",
    )
    crl_max_age: int = setting(
        "ZAIRYU_CRL_MAX_AGE",
        # J-LIS refreshes CRLs at least daily (jpki-card.md, "Revocation"): a day's CRL, plus up to 12 h for its
        # publication and the hourly sync. 24 h left no margin: every day the newest CRL passed 24 h before its
        # successor arrived, and valid signatures were rejected as revocation_stale in that window.
        CRL_MAX_AGE_SECONDS,
        help="Seconds after a CRL's thisUpdate at which it counts as stale even before its nextUpdate",
        minimum=60,
    )
    ocsp_url: str = setting(
        "ZAIRYU_OCSP_URL", "", help="OCSP responder asked when no fresh CRL answers (empty: CRLs only)"
    )
    revocation_soft_fail: bool = setting(
        "ZAIRYU_REVOCATION_SOFT_FAIL",
        False,
        help="Accept signatures when revocation data is stale or missing (the verdict then says soft_fail). Keep false in production",
    )
    sign_policy_oid: str = setting(
        "ZAIRYU_SIGN_POLICY_OID",
        "production",
        help="Certificate policy a signature certificate must assert: 'production' (1.2.392.200149.8.5.1.1.20), 'test' (1.2.392.200149.8.5.1.0.20) or a dotted OID",
    )
    auth_policy_oid: str = setting(
        "ZAIRYU_AUTH_POLICY_OID",
        "production",
        help="Certificate policy an authentication certificate must assert: 'production' (1.2.392.200149.8.5.1.3.30), 'test' or a dotted OID",
    )
    allow_test_pki: bool = setting(
        "ZAIRYU_ALLOW_TEST_PKI",
        False,
        help="Allow ZAIRYU_TRUST_PINS=test:... outside the embedded run (staging, integration tests)",
    )
    demo_dir: str = setting(
        "ZAIRYU_DEMO_DIR", "var/demo", help="Embedded run only: where the demo test PKI (DIR/pki) is created"
    )
    demo_card: bool = setting(
        "ZAIRYU_DEMO_CARD",
        False,
        help="Embedded run only: put the demo holder's card in vpcd's first reader (zairyu-run sets it; a test's embedded runtime must not, or its card moves the reader's OpenSC slots under the card tests)",
    )
    demo_intake_url: str = setting(
        "ZAIRYU_INTAKE_URL",
        "http://127.0.0.1:8000",
        help="Embedded run only: intake's URL (zairyu-run sets it), where the demo signer fetches signing requests by code",
    )

    def validate(self) -> list[str]:
        problems = list(super().validate())
        for env, value in (
            ("ZAIRYU_SIGN_POLICY_OID", self.sign_policy_oid),
            ("ZAIRYU_AUTH_POLICY_OID", self.auth_policy_oid),
        ):
            if not _policy_ok(value):
                problems.append(f"{env}={value!r}: must be production, test or a dotted OID")
        if self.trust_pins != "production" and not self.trust_pins.startswith("test:"):
            problems.append(f"ZAIRYU_TRUST_PINS={self.trust_pins!r}: must be 'production' or 'test:<path>'")
        for entry in filter(None, (e.strip() for e in self.trust_extra_pins.split(","))):
            fp, _, label = entry.partition("=")
            if not (
                re.fullmatch(r"[0-9A-Fa-f:]{64,95}", fp.strip()) and re.fullmatch(r"jpki-[a-z0-9-]+", label.strip())
            ):
                problems.append(f"ZAIRYU_TRUST_EXTRA_PINS: {entry!r} is not 'SHA256=jpki-<name>'")
        if self.ocsp_url and not self.ocsp_url.startswith(("http://", "https://")):
            problems.append("ZAIRYU_OCSP_URL must be an http:// or https:// URL")
        if not (self.embedded or self.allow_test_pki) and self.trust_pins.startswith("test:"):
            problems.append(
                "ZAIRYU_TRUST_PINS=test:... trusts a test PKI: only allowed with ZAIRYU_EMBEDDED=true "
                "or ZAIRYU_ALLOW_TEST_PKI=true"
            )
        return problems
