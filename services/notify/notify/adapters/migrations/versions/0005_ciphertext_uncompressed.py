"""Ciphertext stored out of line without a compression attempt (PostgreSQL STORAGE EXTERNAL): it never compresses

Revision ID: 0005_ciphertext_uncompressed
Revises: 0004_subject_keys
"""

from zairyu_shared.migrations import store_compressible, store_uncompressed

revision = "0005_ciphertext_uncompressed"
down_revision = "0004_subject_keys"
branch_labels = None
depends_on = None

# Every column holding ciphertext when this revision was written (zairyu_shared.migrations.ciphertext_columns);
# tests/contracts/test_ciphertext_storage.py fails for one added later without it.
CIPHERTEXT = (
    ("applicants", ("email", "display_name")),
    ("notices", ("subject", "body_text", "body_html", "address", "attachment")),
    ("outbox", ("body",)),
)


def upgrade() -> None:
    store_uncompressed(CIPHERTEXT)


def downgrade() -> None:
    store_compressible(CIPHERTEXT)
