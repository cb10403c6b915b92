"""audit_log_locked_head(): the audit chain's advisory lock taken and its head read in one statement (issue 24)

A transaction appending to the chain took the lock (``SELECT pg_advisory_xact_lock``) and then read the head (the
last entry's seq and hash): two statements in every such transaction, one received case's among them. This
function runs both. It is VOLATILE, so its second query takes a snapshot of its own after the lock is granted and
sees the entry the lock's previous holder committed (PostgreSQL's manual, "Function Volatility Categories": a
VOLATILE function obtains a fresh snapshot at the start of each query it executes); a single SELECT calling the
lock would not. The key is review's (adapters/audit.py ``_LOCK_KEY``, 0x52455649), as a bigint like the callers'.
Invoker's rights: the application's role reads audit_log already.

Revision ID: 0016_audit_locked_head
Revises: 0015_access_log_redact
"""

from alembic import op

revision = "0016_audit_locked_head"
down_revision = "0015_access_log_redact"
branch_labels = None
depends_on = None

LOCKED_HEAD = """
CREATE OR REPLACE FUNCTION audit_log_locked_head() RETURNS TABLE (seq bigint, hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1380275785::bigint);
  RETURN QUERY SELECT a.seq, a.hash FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
END $$"""  # PL/pgSQL keeps its queries' plans for the session (a SQL function's are made again on every call)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # SQLite: no advisory locks (its write lock serialises)
        op.execute(LOCKED_HEAD)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_locked_head()")
