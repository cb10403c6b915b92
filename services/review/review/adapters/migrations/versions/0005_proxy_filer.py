"""cases.filer: who filed on the applicant's behalf (application.submitted's optional filer), encrypted

Revision ID: 0004_proxy
Revises: 0004_offices
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_proxy"
down_revision = "0004_offices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: the applicant filed themself (every case before proxy filing).
    op.add_column("cases", sa.Column("filer", sa.LargeBinary(), nullable=True))  # EncryptedText (JSON)


def downgrade() -> None:
    op.drop_column("cases", "filer")
