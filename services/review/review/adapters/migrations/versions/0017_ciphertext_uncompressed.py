"""Ciphertext stored out of line without a compression attempt (PostgreSQL STORAGE EXTERNAL): it never compresses

Revision ID: 0017_ciphertext_uncompressed
Revises: 0016_audit_locked_head
"""

from zairyu_shared.migrations import store_compressible, store_uncompressed

revision = "0017_ciphertext_uncompressed"
down_revision = "0016_audit_locked_head"
branch_labels = None
depends_on = None

# Every column holding ciphertext when this revision was written (zairyu_shared.migrations.ciphertext_columns);
# tests/contracts/test_ciphertext_storage.py fails for one added later without it.
CIPHERTEXT = (
    ("cases", ("attachment_names", "form", "evidence", "withdrawal_reason", "address_mismatch", "filer")),
    ("coe_documents", ("sealed",)),
    ("officers", ("totp_secret",)),
    ("organisation_requests", ("name", "address")),
    ("outbox", ("body",)),
    ("case_history", ("detail",)),
    ("corrections", ("message", "signed_content_b64")),
    ("document_requests", ("items", "message", "answer_message", "answer_attachment_names")),
    ("notes", ("body",)),
    ("proposals", ("explanation",)),
)


def upgrade() -> None:
    store_uncompressed(CIPHERTEXT)


def downgrade() -> None:
    store_compressible(CIPHERTEXT)
