"""officers.locked_until: the one lockout policy of zairyu_shared.credentials (a lock that ends by itself)

Revision ID: 0006_officer_lockout
Revises: 0005_card_contents
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_officer_lockout"
down_revision = "0005_card_contents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("officers") as batch:
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("locked_until")
