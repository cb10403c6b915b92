"""verdicts: personal fields under a key per retention day (issue 20: erasure that reaches backups)

data_key names the key (verdicts-YYYY-MM-DD, the day the verdict's retention ends) its sealed_evidence and holder are
sealed under; evidence (plain JSON) is left null by new rows and kept for the rows stored before, which
``zairyu-signing rotate-keys`` moves under their day's key.

Revision ID: 0004_verdict_keys
Revises: 0003_subject_keys
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_verdict_keys"
down_revision = "0003_subject_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("verdicts") as batch:
        batch.add_column(sa.Column("data_key", sa.String(80), nullable=True))
        # EncryptedText stores its tokens as bytes.
        batch.add_column(sa.Column("sealed_evidence", sa.LargeBinary(), nullable=True))
        batch.alter_column("evidence", existing_type=sa.Text(), nullable=True)
    op.create_index("ix_verdicts_data_key", "verdicts", ["data_key"])


def downgrade() -> None:
    # Only for verdicts still stored plain (rotate-keys sealed the others: their evidence is not plain any more).
    op.drop_index("ix_verdicts_data_key", table_name="verdicts")
    with op.batch_alter_table("verdicts") as batch:
        batch.alter_column("evidence", existing_type=sa.Text(), nullable=False)
        batch.drop_column("sealed_evidence")
        batch.drop_column("data_key")
