"""access_entries, access_tree_heads: who at the bureau opened the applicant's file, with proofs (issue 22)

Revision ID: 0010_access_log
Revises: 0009_data_exports
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_access_log"
down_revision = "0009_data_exports"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "access_entries",
        sa.Column("leaf_index", BIG, primary_key=True, autoincrement=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("applicant_id", sa.String(36), nullable=False, index=True),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("inclusion_proof", sa.Text, nullable=False),
    )
    op.create_table(
        "access_tree_heads",
        sa.Column("tree_size", BIG, primary_key=True, autoincrement=False),
        sa.Column("timestamp", sa.String(40), nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("kid", sa.String(40), nullable=False),
        sa.Column("signature", sa.String(120), nullable=False),
        sa.Column("public_key", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("access_tree_heads")
    op.drop_table("access_entries")
