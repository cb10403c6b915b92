"""audit_log_trim(): the one way to cut the audit chain's start, after a signed trim anchor (issue 20)

Revision ID: 0013_audit_trim
Revises: 0012_attachment_names

The chain stays append-only (0003): the application's role still may not UPDATE, DELETE or TRUNCATE it, and the
trigger refuses every change, for everyone, except one: deleting, from the start of the chain, entries that a trim
anchor covers and that are older than 10 years by the database's own clock (the shortest the ``audit_entry``
retention period can be: 10 years from the 特定日 after the entry). ``audit_log_trim(anchor_seq, max_rows)`` (a
SECURITY DEFINER function the application's role may call) reads the anchor entry named, and deletes up to
``max_rows`` of the oldest entries it covers; the trigger lets those through only while that function runs
(``zairyu.audit_trim_through``, set for the transaction). A made-up anchor lets nothing younger than 10 years go,
and its signature does not verify with the audit key (`zairyu-review audit verify` says so). An index on
``action`` finds the anchors.
"""

from alembic import op

revision = "0013_audit_trim"
down_revision = "0012_attachment_names"
branch_labels = None
depends_on = None

APP_ROLE = "zairyu_review_app"

REFUSE = """
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql"""  # as 0003 made it

REFUSE_BUT_TRIM = """
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_log' THEN
    IF OLD.seq <= coalesce(nullif(current_setting('zairyu.audit_trim_through', true), '')::bigint, 0)
       AND OLD.at::timestamptz < now() - interval '10 years' THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql"""

TRIM = """
CREATE OR REPLACE FUNCTION audit_log_trim(anchor_seq bigint, max_rows integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  through bigint;
  done integer;
BEGIN
  SELECT (detail::jsonb -> 'anchor' ->> 'through_seq')::bigint INTO through
    FROM audit_log WHERE seq = anchor_seq AND action = 'audit.trimmed';
  IF through IS NULL OR through >= anchor_seq THEN
    RAISE EXCEPTION 'audit_log_trim: seq % is not a trim anchor', anchor_seq USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM set_config('zairyu.audit_trim_through', through::text, true);
  DELETE FROM audit_log WHERE seq IN (SELECT seq FROM audit_log WHERE seq <= through ORDER BY seq LIMIT max_rows);
  GET DIAGNOSTICS done = ROW_COUNT;
  PERFORM set_config('zairyu.audit_trim_through', '', true);
  RETURN done;
END $$"""


def upgrade() -> None:
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    if op.get_bind().dialect.name != "postgresql":
        return  # the embedded SQLite run has no roles or triggers
    op.execute(REFUSE_BUT_TRIM)
    op.execute(TRIM)
    op.execute("REVOKE ALL ON FUNCTION audit_log_trim(bigint, integer) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION audit_log_trim(bigint, integer) TO {APP_ROLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_trim(bigint, integer)")
        op.execute(REFUSE)
    op.drop_index("ix_audit_log_action", table_name="audit_log")
