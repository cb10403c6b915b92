"""access_log, tree_heads, access_purposes: who opened a file and why, as an RFC 9162 log (issue 22)

Revision ID: 0009_access_log
Revises: 0008_coe_documents

access_log and tree_heads are append-only like audit_log (0003): the application role may not UPDATE or
DELETE them and a trigger refuses it for everyone. Only someone who drops the trigger can rewrite them, and
then the signed tree heads already published no longer match (zairyu-audit verify says so).
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_access_log"
down_revision = "0008_coe_documents"
branch_labels = None
depends_on = None

APP_ROLE = "zairyu_review_app"
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("leaf_index", BIG, primary_key=True, autoincrement=False),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("leaf_hash", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("application_id", sa.String(80), nullable=False, index=True),
        sa.Column("applicant_id", sa.String(80), nullable=True),
        sa.Column("officer_id", sa.String(80), nullable=False),
        sa.Column("officer_bureau", sa.String(20), nullable=True),
        sa.Column("officer_office", sa.String(40), nullable=True),
        sa.Column("case_bureau", sa.String(20), nullable=False),
        sa.Column("case_office", sa.String(40), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("purpose", sa.String(30), nullable=False),
    )
    op.create_table(
        "tree_heads",
        sa.Column("tree_size", BIG, primary_key=True, autoincrement=False),
        sa.Column("timestamp", sa.String(40), nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("kid", sa.String(40), nullable=False),
        sa.Column("signature", sa.String(120), nullable=False),
        sa.Column("public_key_der", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "access_purposes",
        sa.Column("token_sha256", sa.String(64), sa.ForeignKey("officer_sessions.token_sha256", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("application_id", sa.String(80), primary_key=True),
        sa.Column("purpose", sa.String(30), nullable=False),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("access_log", "tree_heads"):
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE}")
        op.execute(f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                       FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()""")
        op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("access_log", "tree_heads"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.drop_table("access_purposes")
    op.drop_table("tree_heads")
    op.drop_table("access_log")
