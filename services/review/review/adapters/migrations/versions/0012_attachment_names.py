"""cases.attachment_names, document_requests.answer_attachment_names: the files' names as the applicants named
them, encrypted apart from the hashes (issue 18: the officer reads the name beside the kind)

Revision ID: 0012_attachment_names
Revises: 0011_receipt_reservations
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_attachment_names"
down_revision = "0011_receipt_reservations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("attachment_names", sa.LargeBinary, nullable=True))  # EncryptedText
    op.add_column(
        "document_requests", sa.Column("answer_attachment_names", sa.LargeBinary, nullable=True)
    )  # EncryptedText


def downgrade() -> None:
    op.drop_column("document_requests", "answer_attachment_names")
    op.drop_column("cases", "attachment_names")
