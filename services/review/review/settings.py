"""Review settings: environment variables, validated at start."""

from __future__ import annotations

from dataclasses import dataclass

from review.domain.statistics import TARGET_DAYS
from zairyu_shared.config import FrontSettings, limits_by_name, setting


@dataclass(frozen=True)
class ReviewSettings(FrontSettings):
    public_url: str = setting(
        "ZAIRYU_REVIEW_URL", "http://127.0.0.1:8001", help="Where this service's web front is reached"
    )
    intake_url: str = setting(
        "ZAIRYU_INTAKE_URL",
        "http://127.0.0.1:8000",
        help="Intake's internal API (attachments fetched byte-exact from it)",
    )
    signing_url: str = setting("ZAIRYU_SIGNING_URL", "http://127.0.0.1:8004", help="Signing's verification API")
    login_rate_limit: str = setting(
        "ZAIRYU_REVIEW_LOGIN_RATE_LIMIT",
        "20 per minute",
        help="Sign-in attempts per client address (on top of the per-account lockout)",
    )
    stats_rate_limit: str = setting(
        "ZAIRYU_REVIEW_STATS_RATE_LIMIT",
        "60 per minute",
        help="Requests to the public statistics JSON per client address",
    )
    periodic_minutes: float = setting(
        "ZAIRYU_REVIEW_PERIODIC_MINUTES",
        15.0,
        minimum=0.01,
        help="Inside `consume`: how often document reminders are staged and gauges refreshed",
    )
    # Defaults and their source: domain/statistics.py TARGET_DAYS (the ISA's standard processing periods).
    target_days: tuple[str, ...] = setting(
        "ZAIRYU_REVIEW_TARGET_DAYS",
        tuple(f"{procedure}={days}" for procedure, days in TARGET_DAYS.items()),
        help="Days an open case may take, per procedure (procedure=days, comma-separated; one left out keeps its "
        "default), before the queue, the workload page and zairyu_review_cases_past_target count it past its target",
    )
    reminder_days_before: int = setting(
        "ZAIRYU_REVIEW_REMINDER_DAYS", 3, minimum=0, help="Days before a documents deadline that the reminder is sent"
    )
    # The e-COE signing key: a PKCS#11 token (adapters/document_keys.py); the PIN in a file, never the key.
    coe_pkcs11_module: str = setting(
        "ZAIRYU_COE_PKCS11_MODULE",
        "",
        help="PKCS#11 module of the token holding the e-COE key (e.g. /usr/lib/softhsm/libsofthsm2.so); empty: DEMO key in the embedded run only",
    )
    coe_token_label: str = setting(
        "ZAIRYU_COE_TOKEN_LABEL", "zairyu-coe", help="Label of the token holding the e-COE key"
    )
    coe_key_label: str = setting(
        "ZAIRYU_COE_KEY_LABEL", "coe-1", help="Label of the current e-COE key pair in the token (a new label rotates)"
    )
    coe_pin_file: str = setting("ZAIRYU_COE_PIN_FILE", "", help="File holding the token's user PIN")
    coe_demo_key_file: str = setting(
        "ZAIRYU_COE_DEMO_KEY_FILE",
        "var/embedded/demo/coe-demo-key.pem",
        help="The embedded run's DEMO software key (used only there, when no token is configured)",
    )
    # The access log's tree heads are signed by a key pair of their own in the same token (issue 22).
    access_log_key_label: str = setting(
        "ZAIRYU_ACCESS_LOG_KEY_LABEL",
        "access-log-1",
        help="Label of the key pair in the e-COE token that signs the access log's tree heads",
    )
    access_log_demo_key_file: str = setting(
        "ZAIRYU_ACCESS_LOG_DEMO_KEY_FILE",
        "var/embedded/demo/access-log-demo-key.pem",
        help="The embedded run's DEMO software key for tree heads (only there, without a token)",
    )
    hash_key: str = setting(
        "ZAIRYU_REVIEW_HASH_KEY",
        "",
        help="Key of the keyed hash that indexes each case's filing organisation (cases.filer_lookup: an organisation's "
        "other applications). Unset: ZAIRYU_SECRET_KEY; set it to that value before the session key first rotates, "
        "or rebuild the index with `zairyu-review index-filers --all` after changing it",
        secret=True,
    )
    session_cookie_secure: bool = setting(
        "ZAIRYU_REVIEW_SECURE_COOKIES", False, help="Mark session cookies Secure (true behind TLS)"
    )

    @property
    def hashing_key(self) -> str:
        """What cases.filer_lookup is made with: it never rotates with the session key."""
        return self.hash_key or self.secret_key or "embedded-only"

    def targets(self) -> dict[str, int]:
        """ZAIRYU_REVIEW_TARGET_DAYS over the defaults: days per procedure."""
        return limits_by_name("ZAIRYU_REVIEW_TARGET_DAYS", self.target_days, TARGET_DAYS)[0]

    def validate(self) -> list[str]:
        problems: list[str] = super().validate()
        return problems + limits_by_name("ZAIRYU_REVIEW_TARGET_DAYS", self.target_days, TARGET_DAYS)[1]
