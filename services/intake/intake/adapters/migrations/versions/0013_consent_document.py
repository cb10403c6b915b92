"""organisation_people: a consent document's type and last day, and the account holding what is filed on it

Revision ID: 0013_consent_document
Revises: 0012_email_changes
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_consent_document"
down_revision = "0012_email_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organisation_people", sa.Column("consent_document_type", sa.String(40), nullable=True))
    op.add_column("organisation_people", sa.Column("consent_document_until", sa.Date(), nullable=True))
    op.add_column("organisation_people", sa.Column("held_applicant_id", sa.String(36), nullable=True))


def downgrade() -> None:
    op.drop_column("organisation_people", "held_applicant_id")
    op.drop_column("organisation_people", "consent_document_until")
    op.drop_column("organisation_people", "consent_document_type")
