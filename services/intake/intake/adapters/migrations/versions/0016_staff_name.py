"""organisation_staff.name: the staff member's name, encrypted like the e-mail address (EncryptedText), so that an
application they file without a card, or a correction or withdrawal they send, names them to the officer; NULL for
members from before, and for those who have not given it

Revision ID: 0016_staff_name
Revises: 0015_org_draft_changed
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_staff_name"
down_revision = "0015_org_draft_changed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organisation_staff", sa.Column("name", sa.LargeBinary(), nullable=True))  # EncryptedText


def downgrade() -> None:
    op.drop_column("organisation_staff", "name")
