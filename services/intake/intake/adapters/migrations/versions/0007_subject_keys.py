"""subject_keys, erased_subjects: one data key per applicant (erasure that reaches backups)

Revision ID: 0007_subject_keys
Revises: 0007_draft_deleted_at
"""
from zairyu_shared.subject_keys import create_subject_key_tables, drop_subject_key_tables

revision = "0007_subject_keys"
down_revision = "0007_draft_deleted_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_subject_key_tables()


def downgrade() -> None:
    drop_subject_key_tables()
