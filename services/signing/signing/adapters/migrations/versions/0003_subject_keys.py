"""subject_keys, erased_subjects: signing's outbox bodies under a key per day (erasure that reaches backups, issue 20)

Revision ID: 0003_subject_keys
Revises: 0002
"""

from zairyu_shared.subject_keys import create_subject_key_tables, drop_subject_key_tables

revision = "0003_subject_keys"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_subject_key_tables()


def downgrade() -> None:
    drop_subject_key_tables()
