"""access_log_redact(): the access log's leaves past their retention lose their content and keep their hash (issue 20)

Revision ID: 0015_access_log_redact
Revises: 0014_filer_lookup

The access log (0009) is an RFC 9162 Merkle tree: a leaf cannot go without breaking every signed tree head after
it, every later leaf's inclusion proof and every consistency proof. What its retention (``access_entry``: 10 years
from the 特定日 after the access, zairyu_shared.retention) takes is a leaf's content: the entry (which case, which
officer, what and why) and the columns copied from it are emptied; ``leaf_index``, ``leaf_hash`` and ``at`` stay,
so the tree hashes as before. The table stays append-only for the application's role, and the trigger still
refuses every change for everyone but one: ``access_log_redact(cutoff, max_rows)`` (SECURITY DEFINER, which the
application's role may call) empties up to ``max_rows`` of the oldest leaves made before ``cutoff`` and more than
10 years ago by the database's own clock, about a case file review no longer holds; the trigger lets such an UPDATE through only while that function runs
(``zairyu.access_redact``) and only when it keeps the leaf's index, hash and time and empties all the rest. An
index on ``at`` finds the expired leaves (and serves the supervisors' monitor).
"""

from alembic import op

revision = "0015_access_log_redact"
down_revision = "0014_filer_lookup"
branch_labels = None
depends_on = None

APP_ROLE = "zairyu_review_app"

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
END $$ LANGUAGE plpgsql"""  # as 0013 made it

REFUSE_BUT_TRIM_AND_REDACT = """
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_log' THEN
    IF OLD.seq <= coalesce(nullif(current_setting('zairyu.audit_trim_through', true), '')::bigint, 0)
       AND OLD.at::timestamptz < now() - interval '10 years' THEN
      RETURN OLD;
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'access_log' THEN
    IF coalesce(current_setting('zairyu.access_redact', true), '') = 'on'
       AND OLD.at < now() - interval '10 years'
       AND NEW.leaf_index = OLD.leaf_index AND NEW.leaf_hash = OLD.leaf_hash AND NEW.at = OLD.at
       AND NEW.entry = '' AND NEW.application_id = '' AND NEW.applicant_id IS NULL AND NEW.officer_id = ''
       AND NEW.officer_bureau IS NULL AND NEW.officer_office IS NULL AND NEW.case_bureau = ''
       AND NEW.case_office IS NULL AND NEW.kind = '' AND NEW.purpose = '' THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql"""

REDACT = """
CREATE OR REPLACE FUNCTION access_log_redact(cutoff timestamptz, max_rows integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  done integer;
BEGIN
  PERFORM set_config('zairyu.access_redact', 'on', true);
  UPDATE access_log
     SET entry = '', application_id = '', applicant_id = NULL, officer_id = '', officer_bureau = NULL,
         officer_office = NULL, case_bureau = '', case_office = NULL, kind = '', purpose = ''
   WHERE leaf_index IN (SELECT leaf_index FROM access_log
                         WHERE entry <> '' AND at < least(cutoff, now() - interval '10 years')
                           AND NOT EXISTS (SELECT 1 FROM cases WHERE cases.application_id = access_log.application_id)
                         ORDER BY leaf_index LIMIT max_rows);
  GET DIAGNOSTICS done = ROW_COUNT;
  PERFORM set_config('zairyu.access_redact', '', true);
  RETURN done;
END $$"""


def upgrade() -> None:
    op.create_index("ix_access_log_at", "access_log", ["at"])
    if op.get_bind().dialect.name != "postgresql":
        return  # the embedded SQLite run has no roles or triggers
    op.execute(REFUSE_BUT_TRIM_AND_REDACT)
    op.execute(REDACT)
    op.execute("REVOKE ALL ON FUNCTION access_log_redact(timestamptz, integer) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION access_log_redact(timestamptz, integer) TO {APP_ROLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS access_log_redact(timestamptz, integer)")
        op.execute(REFUSE_BUT_TRIM)
    op.drop_index("ix_access_log_at", table_name="access_log")
