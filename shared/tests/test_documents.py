"""Sealed documents (the e-COE format): any changed byte, an expired one, an unknown key, a rotated key."""

from __future__ import annotations

from datetime import date

import pytest

from zairyu_shared import documents
from zairyu_shared.testing import SoftKey

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PAYLOAD = {
    "document_id": "COE-0123456789ABCDEF",
    "holder": {"name": "TRAN THI BINH"},
    "status": "spouse_japanese",
    "valid_until": "2027-03-05",
}
TODAY = date(2026, 12, 6)


def test_a_sealed_document_verifies_and_says_what_it_certifies():
    key = SoftKey()
    sealed = documents.seal(PDF, PAYLOAD, key)
    verdict = documents.verify(sealed, TODAY)
    assert verdict.valid and verdict.payload == PAYLOAD and verdict.kid == key.kid and verdict.trusted is None
    assert sealed.startswith(PDF)  # a PDF reader still reads it as the PDF


def test_any_changed_byte_breaks_it():
    sealed = documents.seal(PDF, PAYLOAD, SoftKey())
    for i in range(len(sealed)):
        changed = bytearray(sealed)
        changed[i] ^= 0x01
        assert not documents.verify(bytes(changed), TODAY).valid, i
    assert not documents.verify(sealed[:-5], TODAY).valid and not documents.verify(PDF, TODAY).valid


def test_an_expired_document_is_refused_from_the_day_after_its_last_day():
    sealed = documents.seal(PDF, PAYLOAD, SoftKey())
    assert documents.verify(sealed, date(2027, 3, 5)).valid
    assert documents.verify(sealed, date(2027, 3, 6)).reason == "expired"


def test_only_published_keys_are_trusted_and_a_rotation_keeps_older_documents_valid():
    old, new, stranger = SoftKey(), SoftKey(), SoftKey()
    published = {old.kid: old.public_key_der, new.kid: new.public_key_der}  # both stay published after rotation
    assert documents.verify(documents.seal(PDF, PAYLOAD, old), TODAY, published).trusted is True
    assert documents.verify(documents.seal(PDF, PAYLOAD, new), TODAY, published).valid
    forged = documents.verify(documents.seal(PDF, PAYLOAD, stranger), TODAY, published)
    assert not forged.valid and forged.reason == "unknown_key"


def test_a_demo_key_says_so():
    assert documents.verify(documents.seal(PDF, PAYLOAD, SoftKey(demo=True)), TODAY).demo


@pytest.mark.parametrize(
    "garbage", [b"", b"not a pdf", PDF + documents.MARK + b"@@@\n", PDF + documents.MARK + b"e30=\n"]
)
def test_garbage_is_refused_without_an_exception(garbage):
    assert not documents.verify(garbage, TODAY).valid
