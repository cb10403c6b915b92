"""verdicts: one row per signature verdict on a submitted application

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verdicts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("application_id", sa.String(80), nullable=False),
        sa.Column("applicant_id", sa.String(80), nullable=False),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(60), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        # EncryptedText stores Fernet tokens as bytes.
        sa.Column("holder", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_verdicts_application_id", "verdicts", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_verdicts_application_id", table_name="verdicts")
    op.drop_table("verdicts")
