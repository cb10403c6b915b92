"""The bureau's words are codes in the contracts (issue 18): application.documents_requested v2 names kinds of
documents, application.decided v3 the granted status and period of stay; every language's glossary names each
of them, so no applicant reads an officer's Japanese label or an internal code."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from marshmallow import ValidationError

from zairyu_shared import glossary
from zairyu_shared.events.contracts import LANGUAGES
from zairyu_shared.events.registry import latest_version, spec_for
from zairyu_shared.events.vocabulary import (
    DOCUMENT_KINDS,
    INDUSTRIES,
    PERIODS_OF_STAY,
    REFUSAL_REASONS,
    STATUSES_OF_RESIDENCE,
    period_name_ja,
)

REQUEST = {
    "application_id": "a",
    "applicant_id": "p",
    "request_id": "r",
    "deadline": "2026-04-01",
    "items": [{"code": "tax_certificate", "description": "住民税の課税証明書"}],
    "message": "令和7年度分",
}
DECIDED = {
    "application_id": "a",
    "applicant_id": "p",
    "outcome": "approved",
    "procedure": "extension",
    "bureau": "tokyo",
    "granted_status": "engineer_humanities",
    "period_of_stay": "P1Y3M",
    "fee_yen": 4000,
    "card_by_mail": True,
    "decided_at": datetime(2026, 3, 5, tzinfo=UTC).isoformat(),
}


def test_documents_are_requested_by_kind_and_the_note_is_japanese():
    assert latest_version("application.documents_requested") == 2
    loaded = spec_for("application.documents_requested", 2).validator().load(REQUEST)
    assert loaded["message_language"] == "ja" and loaded["deadline"] == date(2026, 4, 1)
    with pytest.raises(ValidationError):
        spec_for("application.documents_requested", 2).validator().load(
            {**REQUEST, "items": [{"code": "tax", "description": "課税証明書"}]}
        )
    # v1 (free text) still loads for events already on the bus.
    spec_for("application.documents_requested", 1).validator().load(
        {**REQUEST, "items": [{"code": "x", "description": "y"}]}
    )


def test_the_granted_status_and_period_are_codes():
    assert latest_version("application.decided") == 5  # v4: v3 with the receipt number; v5: the holder's birth date
    spec_for("application.decided", 3).validator().load(DECIDED)
    spec_for("application.decided", 4).validator().load({**DECIDED, "receipt_number": "東オン-2026-000001"})
    with pytest.raises(ValidationError):
        spec_for("application.decided", 4).validator().load({**DECIDED, "receipt_number": ""})
    with pytest.raises(ValidationError):  # v3 does not know the number
        spec_for("application.decided", 3).validator().load({**DECIDED, "receipt_number": "東オン-2026-000001"})
    for wrong in ({"granted_status": "Engineer"}, {"period_of_stay": "3 years"}):
        with pytest.raises(ValidationError):
            spec_for("application.decided", 3).validator().load({**DECIDED, **wrong})
    spec_for("application.decided", 2).validator().load({**DECIDED, "period_of_stay": "3 years"})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_names_every_kind_status_and_period(lang):
    for code in DOCUMENT_KINDS:
        name = glossary.document_kind_name(code, lang)
        assert name and name != code and (lang == "ja" or name != DOCUMENT_KINDS[code][0])
    for code in STATUSES_OF_RESIDENCE:
        name = glossary.status_name(code, lang)
        assert name and name != code
    if lang not in ("ja", "en"):  # the language's own names, not a fallback to English
        own = tomllib.loads((Path(glossary.__file__).parent / f"{lang}.toml").read_text("utf-8"))
        assert set(own["statuses"]) == set(STATUSES_OF_RESIDENCE) and set(own["document_kinds"]) == set(DOCUMENT_KINDS)
        assert set(own["industries"]) == set(INDUSTRIES)
        assert set(own["refusal_reasons"]) == set(REFUSAL_REASONS)  # session 20
    for code in REFUSAL_REASONS:
        name = glossary.refusal_reason_name(code, lang)
        assert name and (lang == "ja" or name != REFUSAL_REASONS[code][0])
    for code in PERIODS_OF_STAY:
        assert glossary.period_name(code, lang) not in ("", code)
    assert glossary.period_name("3 years", lang) == "3 years"  # older decisions' free text as written


def test_periods_read_as_the_card_writes_them():
    assert [period_name_ja(c) for c in ("P5Y", "P1Y3M", "P90D", "indefinite")] == ["5年", "1年3月", "90日", "無期限"]
    assert glossary.period_name("P1Y3M", "en") == "1 year 3 months"
    assert glossary.period_name("P4Y3M", "pt_BR") == "4 anos e 3 meses"


def _catalog(path: Path) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id and isinstance(m.id, str)}


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_a_bureau_has_one_name_in_the_pages_and_the_mails(lang):
    """The same applicant read "Rehiyonal na Kawanihan ng Imigrasyon ng Tokyo" on intake's pages and "Tokyo Regional
    Immigration Services Bureau" in notify's Tagalog mail (Vietnamese, Portuguese and Nepali differed too)."""
    root = Path(__file__).resolve().parents[2] / "services"
    mails = _catalog(root / f"notify/notify/translations/{lang}/LC_MESSAGES/messages.po")
    english = _catalog(root / "notify/notify/translations/en/LC_MESSAGES/messages.po")
    pages = _catalog(root / f"intake/intake/entrypoints/translations/{lang}/LC_MESSAGES/messages.po")
    keys = [k for k in english if k.startswith("bureaus.")]
    assert len(keys) == 8
    assert {k: mails[k] for k in keys} == {k: pages.get(english[k]) for k in keys}
