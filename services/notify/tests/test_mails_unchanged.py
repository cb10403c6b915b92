"""The mails read exactly as they did when the catalogue was TOML files (before the move to Babel catalogs).

mail_digests.json holds, for every notice type in every language (and the bilingual fallback), with the
variants that pick other catalog entries (each procedure, bureau, advice, counter reason, document kind,
anonymous greeting), a SHA-256 of the language, subject, plain text and HTML the TOML catalogue rendered. A changed
byte in any mail fails here. When a text changes on purpose, rewrite the digests and review the diff of the
catalogs, not of this file:  ZAIRYU_WRITE_MAIL_DIGESTS=1 pytest services/notify/tests/test_mails_unchanged.py
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
import samples

from notify.adapters.catalogue import Catalogue
from notify.domain.notices import ApplicationInfo, plan
from zairyu_shared.events.contracts import LANGUAGES

DIGESTS = Path(__file__).with_name("mail_digests.json")
INFO = ApplicationInfo(
    samples.APPLICATION, samples.APPLICANT, "tokyo", "extension", samples.PROVISIONAL, samples.RECEIPT
)
PROCEDURES = ("coe", "change", "extension", "acquisition", "employment_certificate")
BUREAUS = ("sapporo", "sendai", "tokyo", "nagoya", "osaka", "hiroshima", "takamatsu", "fukuoka")
ADVICE = ("revoked", "expired", "holder_mismatch", "other")


def cases() -> dict[str, tuple[str, str | None, dict, str | None, str]]:
    """name -> (notice type, language, context, person's name, audience)."""
    plans = {p.notice_type: p for e in samples.all_notice_events() for p in plan(e.type, e.data, INFO)}
    variants: dict[str, list[dict]] = {
        "application_received": [{"procedure": p, "bureau": b} for p, b in zip(PROCEDURES, BUREAUS[:5], strict=True)]
        + [{"bureau": b} for b in BUREAUS[5:]],
        "signature_rejected": [{"advice": a} for a in ADVICE],
        "card_held_at_counter": [{"reason": "address_unconfirmed"}],
        "document_dispatched": [{"kind": "employment_certificate"}],
        "decision_approved": [{"fee_yen": 0, "card_by_mail": False, "granted_status": None, "period_of_stay": None}],
        "fee_paid": [{"demo": False}],
        # the sample turns two-step login off; every other change, the e-mail address's with the new one masked
        "sign_in_changed": [{"change": "email_changed", "new_address": "ne***@example.jp"}]
        + [{"change": c} for c in ("password_changed", "card_linked", "card_unlinked", "two_step_on")]
        + [{"change": "card_renewed"}],
    }
    out = {}
    for notice_type, p in sorted(plans.items()):
        base = dict(p.context, review_url="https://review.example.jp")
        for lang in (*LANGUAGES, None):
            out[f"{notice_type}/{lang}"] = (notice_type, lang, base, "NGUYEN VAN AN", p.audience)
            out[f"{notice_type}/{lang}/anonymous"] = (notice_type, lang, base, None, p.audience)
            for i, change in enumerate(variants.get(notice_type, [])):
                out[f"{notice_type}/{lang}/{i}"] = (
                    notice_type,
                    lang,
                    dict(base, **change),
                    "NGUYEN VAN AN",
                    p.audience,
                )
    return out


def digest(catalogue: Catalogue, case: tuple[str, str | None, dict, str | None, str]) -> str:
    """One short SHA-256 of what the mail says: its language, subject, plain text and HTML."""
    notice_type, lang, context, name, audience = case
    r = catalogue.render(
        notice_type, lang, context, name=name, portal_url="https://zairyu.example.jp", audience=audience
    )
    return hashlib.sha256(json.dumps([r.language, r.subject, r.text, r.html]).encode()).hexdigest()[:24]


def rendered_now() -> dict[str, str]:
    catalogue = Catalogue()
    return {name: digest(catalogue, case) for name, case in cases().items()}


def test_every_mail_reads_as_it_did_before_the_move_to_babel_catalogs():
    now = rendered_now()
    if os.environ.get("ZAIRYU_WRITE_MAIL_DIGESTS"):
        DIGESTS.write_text(json.dumps(now, indent=0, sort_keys=True) + "\n", "utf-8")
        pytest.skip("digests written")
    before = json.loads(DIGESTS.read_text("utf-8"))
    assert len(before) > 600  # every type x 8 languages + fallback, with variants
    assert set(now) == set(before)
    changed = sorted(name for name in before if now[name] != before[name])
    assert not changed, f"{len(changed)} mails differ, e.g. {changed[:8]}"
