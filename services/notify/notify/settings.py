"""Notify settings: environment variables, validated at start."""

from __future__ import annotations

from dataclasses import dataclass

from zairyu_shared.config import CommonSettings, setting
from zairyu_shared.events.contracts import BUREAUS


@dataclass(frozen=True)
class NotifySettings(CommonSettings):
    public_url: str = setting(
        "ZAIRYU_NOTIFY_URL", "http://127.0.0.1:8002", help="Where this service's web front is reached"
    )
    portal_url: str = setting(
        "ZAIRYU_PORTAL_URL", "http://127.0.0.1:8000", help="The applicants' site, linked from every notice"
    )
    review_url: str = setting(
        "ZAIRYU_REVIEW_URL", "http://127.0.0.1:8001", help="The officers' console, linked from notices to bureaus"
    )
    smtp_host: str = setting("ZAIRYU_SMTP_HOST", "127.0.0.1", help="SMTP relay host")
    smtp_port: int = setting(
        "ZAIRYU_SMTP_PORT", 25, help="SMTP relay port (587 with starttls, 465 with ssl)", minimum=1
    )
    smtp_security: str = setting(
        "ZAIRYU_SMTP_SECURITY", "none", choices=("none", "starttls", "ssl"), help="Transport security towards the relay"
    )
    smtp_ca_file: str = setting(
        "ZAIRYU_SMTP_CA_FILE", "", help="CA bundle that verifies the relay's certificate (empty: the system's CAs)"
    )
    smtp_username: str = setting("ZAIRYU_SMTP_USERNAME", "", help="SMTP AUTH user (empty: no AUTH)")
    smtp_password: str = setting("ZAIRYU_SMTP_PASSWORD", "", help="SMTP AUTH password", secret=True)
    smtp_timeout: float = setting(
        "ZAIRYU_SMTP_TIMEOUT", 15.0, help="Seconds before an SMTP command counts as a transient failure", minimum=0.1
    )
    mail_from: str = setting(
        "ZAIRYU_MAIL_FROM", "Zairyu <no-reply@zairyu.example.jp>", help="From header of every mail"
    )
    message_id_domain: str = setting(
        "ZAIRYU_MAIL_MESSAGE_ID_DOMAIN", "", help="Right-hand side of Message-IDs (default: the From domain)"
    )
    bureau_mailboxes: tuple = setting(
        "ZAIRYU_BUREAU_MAILBOXES", (), help="Officers' mailbox per bureau: tokyo=review-tokyo@example.jp,osaka=..."
    )
    send_rate: float = setting(
        "ZAIRYU_NOTIFY_SEND_RATE",
        5.0,
        help="Mails per second towards the relay (token bucket; 0 = no limit)",
        minimum=0,
    )
    send_burst: int = setting(
        "ZAIRYU_NOTIFY_SEND_BURST", 10, help="Mails that may leave at once after a quiet spell", minimum=1
    )
    retry_base_seconds: float = setting(
        "ZAIRYU_NOTIFY_RETRY_BASE_SECONDS",
        30.0,
        help="First retry delay after a transient SMTP failure (doubles each time)",
        minimum=0,
    )
    retry_max_seconds: float = setting("ZAIRYU_NOTIFY_RETRY_MAX_SECONDS", 3600.0, help="Longest retry delay", minimum=0)
    max_attempts: int = setting(
        "ZAIRYU_NOTIFY_MAX_ATTEMPTS", 20, help="Transient failures before a mail is recorded as failed", minimum=1
    )
    sender_threads: int = setting(
        "ZAIRYU_NOTIFY_SENDER_THREADS",
        2,
        help="Sender threads per consume process, each with its own SMTP connection (PostgreSQL only; SQLite uses one)",
        minimum=1,
    )
    claim_batch: int = setting("ZAIRYU_NOTIFY_CLAIM_BATCH", 50, help="Mails one sender claims per round", minimum=1)
    claim_lease_seconds: float = setting(
        "ZAIRYU_NOTIFY_CLAIM_LEASE_SECONDS",
        300.0,
        help="A 'sending' claim older than this is taken to be from a dead sender and retried",
        minimum=1,
    )
    mail_drop: str = setting(
        "ZAIRYU_NOTIFY_MAIL_DROP",
        "",
        help="Embedded run only: write mails as .eml files into this folder instead of SMTP",
    )
    sender_with_web: bool = setting(
        "ZAIRYU_NOTIFY_SENDER_WITH_WEB",
        False,
        help="Embedded run only: run the sender loop in the web process (the embedded supervisor has no consume process)",
    )
    poll_seconds: float = setting("ZAIRYU_NOTIFY_POLL_SECONDS", 1.0, help="Sender's idle poll interval", minimum=0.01)

    def mailboxes(self) -> dict[str, str]:
        """ZAIRYU_BUREAU_MAILBOXES as {bureau: address}."""
        return dict(entry.split("=", 1) for entry in self.bureau_mailboxes)

    def validate(self) -> list[str]:
        problems = super().validate()
        for entry in self.bureau_mailboxes:
            key, _, address = entry.partition("=")
            if key not in BUREAUS or "@" not in address:
                problems.append(
                    f"ZAIRYU_BUREAU_MAILBOXES entry {entry!r}: expected <bureau>=<address>, bureau one of {', '.join(BUREAUS)}"
                )
        if (self.mail_drop or self.sender_with_web) and not self.embedded:
            problems.append("ZAIRYU_NOTIFY_MAIL_DROP and ZAIRYU_NOTIFY_SENDER_WITH_WEB are for the embedded run only")
        if self.smtp_password and not self.smtp_username:
            problems.append("ZAIRYU_SMTP_PASSWORD is set but ZAIRYU_SMTP_USERNAME is empty")
        return problems
