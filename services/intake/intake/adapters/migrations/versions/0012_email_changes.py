"""email_changes: an applicant changes the account's e-mail address, confirmed by a link sent to the new one

Revision ID: 0012_email_changes
Revises: 0011_org_filed
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_email_changes"
down_revision = "0011_org_filed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_changes",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("applicant_id", sa.String(36), sa.ForeignKey("applicants.id"), nullable=False),
        sa.Column("email", sa.LargeBinary(), nullable=False),
        sa.Column("email_lookup", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_email_changes_applicant_id", "email_changes", ["applicant_id"])


def downgrade() -> None:
    op.drop_index("ix_email_changes_applicant_id", "email_changes")
    op.drop_table("email_changes")
