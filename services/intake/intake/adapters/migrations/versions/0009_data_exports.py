"""data_exports, data_export_parts: a person's request for everything the system holds about them (issue 20)

Revision ID: 0009_data_exports
Revises: 0008_organisations
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_data_exports"
down_revision = "0008_organisations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ts = lambda: sa.DateTime(timezone=True)  # noqa: E731
    op.create_table(
        "data_exports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("applicant_id", sa.String(36), sa.ForeignKey("applicants.id"), nullable=False, index=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("requested_at", ts(), nullable=False),
        sa.Column("completed_at", ts(), nullable=True),
    )
    op.create_table(
        "data_export_parts",
        sa.Column("export_id", sa.String(36), sa.ForeignKey("data_exports.id"), primary_key=True),
        sa.Column("service", sa.String(20), primary_key=True),
        sa.Column("applicant_id", sa.String(36), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),  # EncryptedText: JSON of the service's records
        sa.Column("received_at", ts(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("data_export_parts")
    op.drop_table("data_exports")
