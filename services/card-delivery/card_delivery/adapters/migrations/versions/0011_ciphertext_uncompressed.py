"""Ciphertext stored out of line without a compression attempt (PostgreSQL STORAGE EXTERNAL): it never compresses

Revision ID: 0011_ciphertext_uncompressed
Revises: 0010_card_validity
"""

from zairyu_shared.migrations import store_compressible, store_uncompressed

revision = "0011_ciphertext_uncompressed"
down_revision = "0010_card_validity"
branch_labels = None
depends_on = None

# Every column holding ciphertext when this revision was written (zairyu_shared.migrations.ciphertext_columns);
# tests/contracts/test_ciphertext_storage.py fails for one added later without it.
CIPHERTEXT = (
    ("delivery_cases", ("name", "postal_code", "mailing_address", "certificate_address", "holder_birth_date")),
    ("officers", ("totp_secret",)),
    ("outbox", ("body",)),
)


def upgrade() -> None:
    store_uncompressed(CIPHERTEXT)


def downgrade() -> None:
    store_compressible(CIPHERTEXT)
