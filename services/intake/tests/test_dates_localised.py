"""Dates on the applicant's pages are Japan's, written the way each language writes them (issue 18).

Before: every language saw 2026-12-06 09:38 (ISO, strftime).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel.dates import format_skeleton
from journey import fill_draft, register

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
