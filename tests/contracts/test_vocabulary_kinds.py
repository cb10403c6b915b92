"""Every kind an applicant can give a file in intake has a Japanese name the officer's case page shows
(zairyu_shared.events.vocabulary: the bureau's DOCUMENT_KINDS and the applicants' UPLOAD_KINDS). Issue 18: the
case page showed 'passport' and 'residence_card' as codes."""

from __future__ import annotations

from intake.application.drafting import DOCUMENT_KINDS as INTAKE_UPLOAD_KINDS
from zairyu_shared.events.vocabulary import DOCUMENT_KINDS, UPLOAD_KINDS


def test_every_upload_kind_has_a_japanese_name():
    named = {**UPLOAD_KINDS, **DOCUMENT_KINDS}
    assert [kind for kind in INTAKE_UPLOAD_KINDS if kind not in named] == []
    assert all(ja and en for ja, en in named.values())


def test_an_upload_kind_is_not_also_a_kind_the_bureau_asks_for():
    assert set(UPLOAD_KINDS).isdisjoint(DOCUMENT_KINDS)  # one name per code
