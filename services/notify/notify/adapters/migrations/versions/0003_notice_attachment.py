"""notices.attachment: a file mailed with the notice (the sealed e-COE), encrypted like the bodies

Revision ID: 0003_attachment
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

from zairyu_shared.crypto import EncryptedText

revision = "0003_attachment"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("attachment", EncryptedText(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("attachment")
