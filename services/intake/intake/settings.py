"""Intake settings: environment variables, validated at start."""

from __future__ import annotations

from dataclasses import dataclass

from zairyu_shared.config import FrontSettings, setting

# "" resolves to demo in the embedded run and to none elsewhere; a real PSP adapter adds its name here.
PAYMENT_PROVIDERS = ("", "none", "demo")


@dataclass(frozen=True)
class IntakeSettings(FrontSettings):
    public_url: str = setting(
        "ZAIRYU_INTAKE_URL",
        "http://127.0.0.1:8000",
        help="Where this service's web front is reached (links in e-mails, QR codes, the card-login origin)",
    )
    signing_url: str = setting(
        "ZAIRYU_SIGNING_URL",
        "http://127.0.0.1:8004",
        help="Base URL of the signing service's internal verification API",
    )
    store_dir: str = setting(
        "ZAIRYU_INTAKE_STORE",
        "var/intake-store",
        help="Directory of the content-addressed attachment store (files named by SHA-256)",
    )
    geo_gate: bool = setting(
        "ZAIRYU_GEO_GATE", True, help="Refuse visitors whose IP address is not Japanese (off in the embedded demo)"
    )
    gate_allow: tuple = setting(
        "ZAIRYU_GEO_ALLOW",
        ("127.0.0.0/8", "::1/128"),
        help="IPs/CIDRs always let through the geo gate (health checks, operators)",
    )
    internal_networks: tuple = setting(
        "ZAIRYU_INTERNAL_NETWORKS",
        ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
        help="Peers allowed to call /internal/ (the review service); requests relayed by a proxy are refused",
    )
    max_upload_bytes: int = setting(
        "ZAIRYU_INTAKE_MAX_UPLOAD",
        25 * 1024 * 1024,
        help="Total attachment size per application (photo included)",
        minimum=1,
    )
    lockout_after: int = setting(
        "ZAIRYU_LOGIN_LOCKOUT_AFTER", 5, help="Failed password logins before the account locks for a while", minimum=1
    )
    lockout_minutes: int = setting(
        "ZAIRYU_LOGIN_LOCKOUT_MINUTES", 15, help="How long a locked account stays locked", minimum=1
    )
    signing_code_minutes: int = setting(
        "ZAIRYU_SIGNING_CODE_MINUTES", 15, help="Lifetime of a one-time signing code", minimum=1
    )
    payment_provider: str = setting(
        "ZAIRYU_PAYMENT_PROVIDER",
        "",
        choices=PAYMENT_PROVIDERS,
        help="Payment service provider for online fees: none (applicants pay with revenue stamps), or demo (the DEMO provider, no money moves: embedded run only). Unset: demo in the embedded run, none otherwise",
    )
    payment_secret: str = setting(
        "ZAIRYU_PAYMENT_SECRET",
        "",
        help="Shared secret signing the provider's notifications (HMAC-SHA256); required with a provider outside the embedded run",
        secret=True,
    )
    payment_reconcile_minutes: float = setting(
        "ZAIRYU_PAYMENT_RECONCILE_MINUTES",
        5.0,
        minimum=0,
        help="How often the consume process asks the provider about payments pending over 10 minutes with no notification (0: never)",
    )
    organisation_reminder_minutes: float = setting(
        "ZAIRYU_ORGANISATION_REMINDER_MINUTES",
        60.0,
        minimum=0,
        help="How often the consume process sends organisations' reminders 90/60/30 days before a person's stay expires (each once; 0: never)",
    )
    organisation_webhook_minutes: float = setting(
        "ZAIRYU_ORGANISATION_WEBHOOK_MINUTES",
        1.0,
        minimum=0,
        help="How often the consume process queues organisations' approval-lapsing webhooks and attempts the due ones (retried with backoff for 24 h; 0: never)",
    )
    corporate_number_extract: str = setting(
        "ZAIRYU_CORPORATE_NUMBER_EXTRACT",
        "",
        help="The National Tax Agency's published corporate numbers (法人番号公表サイト CSV, Shift-JIS or Unicode): one file, or a directory of them (the monthly full file and the daily difference files). An application for use whose corporate number it lacks, or lists as closed, is refused. Unset: format and check digit only",
    )
    hash_key: str = setting(
        "ZAIRYU_INTAKE_HASH_KEY",
        "",
        help="Key of the stored keyed hashes (e-mail and card-holder look-ups) and of the e-receipt check codes. Unset: ZAIRYU_SECRET_KEY; set it to that value before the session key first rotates (docs/operations.md)",
        secret=True,
    )
    payment_tolerance: int = setting(
        "ZAIRYU_PAYMENT_TOLERANCE",
        300,
        help="Seconds a provider notification's timestamp may differ from our clock",
        minimum=30,
    )

    def __post_init__(self) -> None:
        if self.payment_provider == "":
            # The DEMO checkout takes a public test card as payment: only the demo may have it by default.
            object.__setattr__(self, "payment_provider", "demo" if self.embedded else "none")

    @property
    def hashing_key(self) -> str:
        """What the stored keyed hashes and receipt codes are made with: it never rotates with the session
        key (a rotated hash key would orphan every stored e-mail look-up and void every printed code)."""
        return self.hash_key or self.secret_key or "embedded-only"

    def validate(self) -> list[str]:
        problems = super().validate()
        if not self.signing_url.startswith(("http://", "https://")):
            problems.append("ZAIRYU_SIGNING_URL must be an http(s):// URL")
        if not self.embedded and self.payment_provider == "demo":
            problems.append(
                "ZAIRYU_PAYMENT_PROVIDER=demo is only for the embedded run (its checkout takes a public "
                "test card as payment): use none until a real provider is configured"
            )
        if not self.embedded and self.payment_provider != "none" and len(self.payment_secret) < 32:
            problems.append(
                "ZAIRYU_PAYMENT_SECRET must be at least 32 characters with a payment provider outside the embedded run"
            )
        return problems
