"""cases, officers, sessions, audit log

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ["cases", "receipt_serials", "case_history", "notes", "document_requests", "corrections", "proposals",
          "signature_rejections", "officers", "officer_sessions", "audit_log"]


def upgrade() -> None:
    # The tables exactly as tables.py declares them at this revision (with their indexes).
    from review.adapters.tables import metadata

    bind = op.get_bind()
    metadata.create_all(bind, tables=[metadata.tables[t] for t in TABLES])


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
