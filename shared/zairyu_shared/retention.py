"""How long each kind of record is kept, and the purge that deletes what has expired.

One table for the whole system (``RULES``): a data kind, how long it is kept and from which event,
and the legal basis. Each service names, per kind, which of its rows have expired (``PurgeStep``);
``purge`` deletes them in batches, logs and counts them, and says only how many went, never which.

Sources (README "Retention" table repeats them with links):
- Public Records Management Act (公文書等の管理に関する法律) art. 5 and its Cabinet Order (施行令) art. 8:
  every administrative document has a retention period, counted from the 特定日, the April 1 after the
  document was made or the matter ended (the next fiscal year's first day).
- The ISA's standard retention schedule (出入国在留管理庁 標準文書保存期間基準, under its 行政文書管理規則
  art. 17): applications for a permission are kept "5 years from the 特定日 after the permission lapses"
  (許認可等の効力が消滅する日に係る特定日以後5年); a decision on them "5 years from the 特定日 after the
  decision" (処分がされる日に係る特定日以後5年).
- APPI, part on public bodies (個人情報保護法 第5章): art. 61 (hold personal information only as far as
  the duties need it), art. 65 (keep it accurate), art. 76 (disclosure), art. 90 (correction), art. 98
  (suspension / erasure of what is held beyond the purpose). What is not an administrative document
  (a draft never submitted, a refused registration) has no retention period of its own: art. 61 says
  delete it once it serves nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from prometheus_client import Counter
from sqlalchemy.orm import Session, sessionmaker

from .japan_time import JAPAN

log = logging.getLogger(__name__)

PURGED_ROWS = Counter(
    "zairyu_purged_rows_total", "Rows deleted by the retention purge, by data kind", ["service", "kind"]
)


@dataclass(frozen=True)
class Period:
    """A retention period: ``days`` after the event, or ``years`` counted from the 特定日 (the April 1
    after the event, 公文書管理法施行令 art. 8) when ``from_fiscal_year`` is set."""

    days: int = 0
    years: int = 0
    from_fiscal_year: bool = False

    def expires(self, event: datetime) -> datetime:
        """When a record whose period starts at ``event`` may be deleted."""
        event = _aware(event)
        if not self.from_fiscal_year:
            return event + timedelta(days=self.days + 365 * self.years)
        local = event.astimezone(JAPAN)
        fiscal_year = local.year if local.month >= 4 else local.year - 1
        return datetime(fiscal_year + 1 + self.years, 4, 1, tzinfo=JAPAN).astimezone(UTC) + timedelta(days=self.days)

    def cutoff(self, now: datetime) -> datetime:
        """Records whose event is strictly before this instant have expired at ``now`` (UTC)."""
        now = _aware(now)
        if not self.from_fiscal_year:
            return (now - timedelta(days=self.days + 365 * self.years)).astimezone(UTC)
        # Expired when April 1 of (fiscal year of the event + 1 + years) has come, i.e. when the event's
        # fiscal year is at most (fiscal year of now - years - 1): before April 1 of (now's FY - years).
        local = (now - timedelta(days=self.days)).astimezone(JAPAN)
        fiscal_year = local.year if local.month >= 4 else local.year - 1
        return datetime(fiscal_year - self.years, 4, 1, tzinfo=JAPAN).astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Rule:
    kind: str
    keep: Period | None  # None: kept, never purged by the job (see basis)
    starts: str  # the event the period runs from
    basis: str  # the legal source, or why we chose the period


# The retention table. The README's "Retention" table is this one in prose; a test keeps them in step.
RULES: dict[str, Rule] = {
    r.kind: r
    for r in (
        # Not an administrative document until submitted (公文書管理法 art. 2(4)); APPI art. 61. Half a year
        # lets a person come back to an application they began; the draft page says so. The same holds for a draft
        # an organisation prepared for a person and never signed (intake organisation_drafts): 180 days after it
        # was made or last corrected, with its uploads.
        Rule(
            "draft_unsubmitted",
            Period(days=180),
            "last change of the draft",
            "APPI art. 61 (no retention period: never became an administrative document)",
        ),
        # A registration whose card signature failed or which was abandoned: kept a month for the help desk.
        Rule(
            "registration_refused",
            Period(days=30),
            "the refusal / the code's expiry",
            "APPI art. 61 (no retention period: no account was opened)",
        ),
        # Single-use challenges and e-mail / reset links: technical, useless after use or expiry.
        Rule("login_token", Period(days=1), "use or expiry", "APPI art. 61"),
        # Uploaded files of a draft never submitted go with the draft (an applicant's or an organisation's; while the
        # draft lives they stay, however old); those of an application with its case. This rule takes the uploads
        # no live draft names (its draft deleted), 180 days after the upload.
        Rule("attachment_unsubmitted", Period(days=180), "upload", "APPI art. 61 (part of a draft; never submitted)"),
        # The case file. A refusal / withdrawal: 処分がされる日に係る特定日以後5年. A grant: 5 years from the
        # 特定日 after the permission lapses; the longest period of stay is 5 years (入管法施行規則 別表第二), so
        # 10 years from the 特定日 after the decision covers every grant except permanent residence, whose
        # permission never lapses: those files are never purged by the job (transfer or disposal is decided
        # with the National Archives, 公文書管理法 art. 8).
        Rule(
            "case_closed",
            Period(years=10, from_fiscal_year=True),
            "the decision or withdrawal (特定日: next April 1)",
            "ISA 標準文書保存期間基準: 許認可等の効力が消滅する日に係る特定日以後5年 / 処分がされる日に係る特定日以後5年",
        ),
        Rule(
            "case_permanent_residence",
            None,
            "the decision",
            "permission never lapses; kept until transfer/disposal under 公文書管理法 art. 8",
        ),
        # A signature verdict is evidence in the case file; signing does not know when the case closes, so
        # it keeps the verdict as long as the longest case file could be kept.
        Rule(
            "signature_verdict",
            Period(years=11, from_fiscal_year=True),
            "verification",
            "part of the case file (case_closed), counted from the verification, a year of margin for the examination",
        ),
        # Notices and mails are copies; the decision itself is in the case file (review). Copies whose
        # original is kept elsewhere may be kept under a year (行政文書の管理に関するガイドライン, 別表第1 備考);
        # we keep them one year so a person can still read what they were told.
        Rule(
            "notice",
            Period(years=1),
            "sending",
            "copy of the case file's decision (ガイドライン: 写し, original kept in review)",
        ),
        # The card's delivery record: the issuance of the residence card is a 許認可 consequence; its
        # delivery record follows the decision's 5-year rule.
        Rule(
            "card_delivery",
            Period(years=5, from_fiscal_year=True),
            "delivery or closing",
            "ISA 標準文書保存期間基準: 処分がされる日に係る特定日以後5年",
        ),
        # Review's hash-chained audit log. An entry about a case records how the file was handled: part of the
        # permission's process record (経緯, 公文書管理法 art. 4), kept as long as the case file (case_closed, 10
        # years from the 特定日). The others (sign-ins, accounts, purges) record the system's operation, which
        # the MOJ's standard schedules keep 5 years (業務システムの運用に関すること: 5年, e.g. 法務省矯正局
        # 更生支援管理官 標準文書保存期間基準, 2024-04-01: https://www.moj.go.jp/content/001330936.pdf); the PPC's
        # guideline for public bodies asks only for "一定の期間" (http://mynumber-consul.com/news/4966/). No ISA
        # schedule entry for a system's audit log was found. A hash chain can only be cut at its start, so one period for every entry: the longer one. The
        # cut also waits for any case file review still holds (review/adapters/audit.py trim) and leaves a
        # signed trim anchor (count and span, not content) from which the rest still verifies.
        Rule(
            "audit_entry",
            Period(years=10, from_fiscal_year=True),
            "the entry (特定日: next April 1)",
            "公文書管理法 art. 4-5: the case file's 経緯 (case_closed: 10 years from the 特定日); system operation "
            "records 5 years in the MOJ's standard schedules; cut only from the chain's start, after a signed anchor",
        ),
        # The access log (issue 22): review's RFC 9162 Merkle tree, one leaf per officer's read, decision, hand-over
        # or export of a case, and intake's copy of each leaf for its applicant. Like the audit chain's entries about
        # a case, a leaf records how the file was handled (経緯, 公文書管理法 art. 4) and answers the applicant's
        # disclosure request (APPI art. 76) about who used their file: kept as long as the case file it is about
        # (case_closed: 10 years from the 特定日), counted from the access and never while the case file is held.
        # A Merkle tree cannot lose a leaf without breaking every later signed head and proof: what goes is the
        # leaf's content (the entry: case, officer's pseudonym, office, action, purpose; review/adapters/access_log.py
        # redact_expired, migration 0015), its hash and time stay. The signed tree heads (size, root hash, time,
        # signature) hold no personal data and every later head is checked against them: kept with the log.
        # Intake's copies go with their application (case_closed), or at this period's end if it is gone already.
        Rule(
            "access_entry",
            Period(years=10, from_fiscal_year=True),
            "the access (特定日: next April 1)",
            "公文書管理法 art. 4-5: the case file's 経緯, as long as case_closed (as audit_entry); APPI art. 61, 76; "
            "the content goes, the leaf hash stays so the signed tree heads still verify",
        ),
        # Sessions of officers with their IP address: for investigating misuse within the period an
        # incident is typically found; the audit log keeps the IPs of what they did.
        Rule(
            "ip_address",
            Period(days=90),
            "the session's expiry",
            "APPI art. 61 and art. 66 (security measures need a recent window, not a history)",
        ),
        # Relayed outbox rows and consumed inbox rows: technical, no legal record (the state change is the record).
        Rule(
            "outbox_sent",
            Period(days=1),
            "publication",
            "technical (no record of its own); the relay also deletes these (OutboxRelay.purge_sent)",
        ),
        Rule(
            "inbox_processed",
            Period(days=30),
            "consumption",
            "technical: longer than any redelivery the broker can make; APPI art. 61",
        ),
        # An organisation's application for use (利用申出) and the bureau's approval or refusal: an administrative
        # document of the bureau. The ISA's schedule keeps the comparable registrations (監理団体許可申請書,
        # 登録支援機関の登録申請) "5 years from the 特定日 after the permission lapses" and decisions refusing
        # them 5 years from the 特定日 after the decision (在留管理課's 標準文書保存期間基準). With the
        # organisation go its staff, roster, drafts, tokens and webhooks (intake) and its request (review).
        Rule(
            "organisation_use",
            Period(years=5, from_fiscal_year=True),
            "the approval's last day, or the refusal (特定日: next April 1)",
            "ISA 標準文書保存期間基準 (在留管理課): 許認可等の効力が消滅する日に係る特定日以後5年 / "
            "処分がされる日に係る特定日以後5年",
        ),
        # A person the organisation removed from its roster, or whose consent they withdrew: the organisation may
        # do nothing more for them; the row stays a quarter as the record of what it was allowed until when (for
        # the person's and the bureau's questions), then goes. Applications filed stay the person's (case_closed).
        Rule(
            "roster_entry_ended",
            Period(days=90),
            "removal from the roster or withdrawal of consent",
            "APPI art. 61 (held only while the duties need it) and art. 98 (use stopped on withdrawal)",
        ),
        # A staff member the organisation switched off: their sign-in and contact details, likewise.
        Rule(
            "organisation_staff_removed",
            Period(days=90),
            "the staff member's removal",
            "APPI art. 61",
        ),
        # A person's copy of their data, assembled from every service's answer: theirs to download for a month.
        Rule("data_export", Period(days=30), "the request", "APPI art. 61 (a copy; the originals stay where they are)"),
        # Application logs (stdout, kept by the log platform): the platform's retention, see docs/operations.md.
        Rule(
            "log_line", Period(days=90), "the line", "APPI art. 66 (security); set in the log platform, not by this job"
        ),
    )
}


@dataclass(frozen=True)
class PurgeStep:
    """Which rows of a service's table hold ``kind`` data that has expired.

    ``where(cutoff)`` selects the expired rows given ``RULES[kind].keep.cutoff(now)``. ``before`` runs in
    the batch's transaction with the keys about to go (delete dependent rows, unlink files). ``run``, when
    given, replaces the batched DELETE for what it cannot do (review's audit chain: a signed anchor first,
    then the cut): ``run(session_factory, cutoff, dry_run, batch)`` deletes (dry: counts) in its own
    transactions and returns how many rows."""

    kind: str
    table: sa.Table
    key: sa.Column[Any]
    where: Callable[[datetime], sa.ColumnElement[bool]]
    before: Callable[[Session, list[object]], None] | None = None
    label: str = ""  # distinguishes two steps of one kind in logs
    run: Callable[[sessionmaker[Session], datetime, bool, int], int] | None = None

    @property
    def name(self) -> str:
        return self.label or f"{self.kind}:{self.table.name}"


@dataclass
class PurgeReport:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, kind: str, count: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + count


def purge(
    service: str,
    session_factory: sessionmaker[Session],
    steps: Sequence[PurgeStep],
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    batch: int = 500,
    after: Callable[[Session, PurgeReport], None] | None = None,
) -> PurgeReport:
    """Delete every expired row of ``steps``, ``batch`` rows per transaction. A dry run counts only.

    ``after`` runs in a last transaction with the report (e.g. an audit entry saying how many went)."""
    started = time.monotonic()
    now = _aware(now or datetime.now(UTC))
    report = PurgeReport(dry_run)
    for step in steps:
        rule = RULES[step.kind]
        if rule.keep is None:
            raise ValueError(f"{step.kind} is kept: no purge step may delete it")
        if step.run is not None:
            total = step.run(session_factory, rule.keep.cutoff(now), dry_run, batch)
            if not dry_run:
                PURGED_ROWS.labels(service, step.kind).inc(total)
                if total:
                    log.info("purged expired rows", extra={"kind": step.kind, "step": step.name, "count": total})
            report.add(step.kind, total)
            continue
        condition = step.where(rule.keep.cutoff(now))
        if dry_run:
            with session_factory() as session:
                count = session.execute(
                    sa.select(sa.func.count()).select_from(step.table).where(condition)
                ).scalar_one()
            report.add(step.kind, count)
            continue
        total = 0
        while True:
            with session_factory() as session, session.begin():
                keys = list(session.execute(sa.select(step.key).where(condition).distinct().limit(batch)).scalars())
                if not keys:
                    break
                if step.before is not None:
                    step.before(session, keys)
                # The condition again: a key need not be unique (the inbox's event id, one row per consumer).
                result = session.execute(sa.delete(step.table).where(step.key.in_(keys), condition))
                deleted = cast("sa.CursorResult[Any]", result).rowcount
            PURGED_ROWS.labels(service, step.kind).inc(deleted)
            total += deleted
            if len(keys) < batch:
                break
        report.add(step.kind, total)
        if total:
            log.info("purged expired rows", extra={"kind": step.kind, "step": step.name, "count": total})
    report.seconds = round(time.monotonic() - started, 3)
    if after is not None and not dry_run and any(report.counts.values()):
        with session_factory() as session, session.begin():
            after(session, report)
    log.info(
        "retention purge done",
        extra={"service": service, "dry_run": dry_run, "counts": report.counts, "seconds": report.seconds},
    )
    return report


def messaging_steps(outbox: sa.Table, inbox: sa.Table) -> list[PurgeStep]:
    """Every service's relayed outbox rows and consumed inbox rows."""
    return [
        PurgeStep(
            "outbox_sent",
            outbox,
            outbox.c.seq,
            lambda cutoff: sa.and_(outbox.c.sent_at.is_not(None), outbox.c.sent_at < cutoff),
        ),
        PurgeStep("inbox_processed", inbox, inbox.c.event_id, lambda cutoff: inbox.c.processed_at < cutoff),
    ]


def kinds(steps: Iterable[PurgeStep]) -> list[str]:
    return sorted({step.kind for step in steps})
