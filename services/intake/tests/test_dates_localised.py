"""Dates on the applicant's pages are Japan's, written the way each language writes them (issue 18).

Before: every language saw 2026-12-06 09:38 (ISO, strftime).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from babel.dates import format_skeleton
from journey import fill_draft, register, worker_fields

from intake.adapters.tables import drafts
from intake.application.common import JST


@pytest.mark.parametrize(
    "lang, babel_locale, marker",
    [
        ("vi", "vi", "thg"),
        ("ne", "ne", "डिसेम्बर"),
        ("ja", "ja", "年"),
        ("pt_BR", "pt_BR", " de "),
        ("tl", "fil", ""),
    ],
)
def test_the_draft_list_writes_the_date_in_the_person_s_language(client, rt, lang, babel_locale, marker):
    register(client, rt)
    draft_id = fill_draft(client, photo=False)
    saved = datetime(2026, 12, 5, 7, 30, tzinfo=UTC)  # 16:30 in Japan
    with rt.engine.begin() as conn:
        conn.execute(drafts.update().where(drafts.c.id == draft_id).values(updated_at=saved))
    client.get(f"/?lang={lang}")
    page = client.get("/drafts").get_data(as_text=True)
    expected = f"{format_skeleton('yMMMd', saved, tzinfo=JST, locale=babel_locale)} 16:30"
    assert expected in page and marker in expected
    assert "2026-12-05" not in page
    # The day the draft is deleted unsubmitted (retention draft_unsubmitted, 180 days after its last change): shown
    # beside it since 2026-12-07 (the retention rule said "the draft page says so"; it did not).
    until = format_skeleton("yMMMd", datetime(2027, 6, 3, 7, 30, tzinfo=UTC), tzinfo=JST, locale=babel_locale)
    assert until in page, (until, page[page.find("saved") - 200 : page.find("saved") + 400])


@pytest.mark.parametrize("lang, marker", [("vi", "thg"), ("ne", "मार्च"), ("ja", "1994年3月15日")])
def test_the_date_of_birth_and_the_form_s_dates_are_not_iso_on_the_account_and_review_pages(client, rt, lang, marker):
    """The card's date of birth (kept as 1994-03-15) and the draft's date answers (period_expiry, contract_from)
    were shown as ISO on the account and review pages while every other date spoke the language."""
    register(client, rt)
    draft_id = fill_draft(client, fields={**worker_fields(), "contract_from": "2024-04-01"})
    client.get(f"/?lang={lang}")
    dob = format_skeleton("yMMMd", date(1994, 3, 15), locale=lang)  # one form on every page
    account = client.get("/account").get_data(as_text=True)
    assert dob in account and marker in dob
    review = client.get(f"/apply/{draft_id}/review").get_data(as_text=True)
    assert dob in review and format_skeleton("yMMMd", date(2024, 4, 1), locale=lang) in review
    for page in (account, review):
        assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b", page), re.findall(r"\b(?:19|20)\d\d-\d\d-\d\d\b", page)


@pytest.mark.parametrize("lang", ["vi", "ne", "ja"])
def test_the_data_export_writes_days_kept_as_iso_in_the_language(app, lang):
    """The personal-data export listed the date of birth and the form's dates as 1994-03-15."""
    from intake.entrypoints.data_export import _value

    with app.test_request_context(f"/?lang={lang}"):
        assert _value("date_of_birth", "1994-03-15") == format_skeleton("yMMMd", date(1994, 3, 15), locale=lang)
        assert _value("phone", "03-1234-5678") == "03-1234-5678"  # not a day: as written
