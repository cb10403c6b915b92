"""subject_keys, erased_subjects: one data key per applicant (erasure that reaches backups, issue 20)

Revision ID: 0004_subject_keys
Revises: 0003_attachment
"""
from zairyu_shared.subject_keys import create_subject_key_tables, drop_subject_key_tables

revision = "0004_subject_keys"
down_revision = "0003_attachment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_subject_key_tables()


def downgrade() -> None:
    drop_subject_key_tables()
