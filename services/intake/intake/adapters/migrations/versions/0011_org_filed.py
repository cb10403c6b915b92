"""organisation_drafts: which application a draft became, and when (issue 21: an organisation signs and files)

Revision ID: 0011_org_filed
Revises: 0010_access_log
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_org_filed"
down_revision = "0010_access_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organisation_drafts", sa.Column("submitted_application_id", sa.String(36), nullable=True))
    op.add_column("organisation_drafts", sa.Column("submitted_by", sa.String(36), nullable=True))
    op.add_column("organisation_drafts", sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_organisation_drafts_submitted_application_id", "organisation_drafts", ["submitted_application_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_organisation_drafts_submitted_application_id", "organisation_drafts")
    op.drop_column("organisation_drafts", "submitted_at")
    op.drop_column("organisation_drafts", "submitted_by")
    op.drop_column("organisation_drafts", "submitted_application_id")
