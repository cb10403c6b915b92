"""The new card's validity (Immigration Control Act art. 19-5): what the decision granted, kept on the case until the
card is issued, and each issued card's last valid day for the public check

Revision ID: 0010_card_validity
Revises: 0009_receipt_number
"""

import sqlalchemy as sa
from alembic import op

from zairyu_shared.crypto import EncryptedText

revision = "0010_card_validity"
down_revision = "0009_receipt_number"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_cases") as batch:
        batch.add_column(sa.Column("granted_status", sa.String(40), nullable=True))
        batch.add_column(sa.Column("period_of_stay", sa.String(12), nullable=True))
        batch.add_column(sa.Column("stay_expiry_before", sa.Date, nullable=True))
        batch.add_column(sa.Column("holder_birth_date", EncryptedText, nullable=True))
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("valid_until", sa.Date, nullable=True))
        batch.add_column(sa.Column("runs_to_stay_expiry", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("runs_to_stay_expiry")
        batch.drop_column("valid_until")
    with op.batch_alter_table("delivery_cases") as batch:
        batch.drop_column("holder_birth_date")
        batch.drop_column("stay_expiry_before")
        batch.drop_column("period_of_stay")
        batch.drop_column("granted_status")
