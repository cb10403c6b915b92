"""receipt_reservations (receipt numbers seen elsewhere, taken back after a restore); subject_keys and
erased_subjects (one data key per applicant: erasure that reaches backups) (issue 20)

Revision ID: 0011_receipt_reservations
Revises: 0010_organisation_use
"""
import sqlalchemy as sa
from alembic import op

from zairyu_shared.subject_keys import create_subject_key_tables, drop_subject_key_tables

revision = "0011_receipt_reservations"
down_revision = "0010_organisation_use"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipt_reservations",
        sa.Column("application_id", sa.String(36), primary_key=True),
        sa.Column("receipt_number", sa.String(40), nullable=False, unique=True),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
    )
    create_subject_key_tables()


def downgrade() -> None:
    drop_subject_key_tables()
    op.drop_table("receipt_reservations")
