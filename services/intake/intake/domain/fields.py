"""Field kinds of the application form: how each is normalised and validated.

``clean(kind, raw)`` returns (value, error key | None). Errors are message keys; the web layer
translates them. Input is normalised (NFKC) first, so full-width input is never refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from zairyu_shared.events.vocabulary import INDUSTRIES, PERIODS_OF_STAY, period_parts

from . import countries, normalise, timing

_DATE_RES = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
CARD_NUMBER_RE = re.compile(r"^[A-Z]{2}[0-9]{8}[A-Z]{2}$")
PASSPORT_RE = re.compile(r"^[A-Z0-9]{6,12}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9-]{8,15}[0-9]$")
MIN_YEAR, MAX_YEAR = 1900, 2200
# A licensed agent's (申請取次) notification or registration number: letters and digits.
AGENT_NUMBER_RE = re.compile(r"^[A-Z0-9]{3,20}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | multiline | date | choice | yesno | country | period | industry | integer | phone | passport | card_number | corporate_number | agent_number
    required: bool = True
    max_length: int = 200
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    default: str | None = None  # a choice with a sensible default is never blank (and never "required" to the user)


def parse_date(raw: str) -> date | None:
    value = normalise.text(raw).replace(" ", "")
    for pattern in _DATE_RES:
        m = pattern.match(value)
        if m:
            year = int(m.group(1))
            if not MIN_YEAR <= year <= MAX_YEAR:  # also keeps month arithmetic away from year 1 / 9999
                return None
            try:
                return date(year, int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def _period_code(text: str) -> tuple[str, str | None]:
    """A period typed as text in an older draft, as the legal list's code when it is one of them."""
    if text.strip() in ("無期限", "indefinite", "Indefinite"):
        return "indefinite", None
    months = timing.period_months(text)
    days = [int(n) for n in re.findall(r"(\d+)\s*(?:days?|日)", normalise.text(text))]
    for code in PERIODS_OF_STAY[:-1]:
        y, m, d = period_parts(code)
        if (d and days == [d]) or (not d and not days and months == 12 * y + m):
            return code, None
    return text, "error.choice"


def corporate_number_ok(number: str) -> bool:
    """Japan's 13-digit corporate number: the first digit checks the other twelve (NTA rule)."""
    if not re.fullmatch(r"\d{13}", number):
        return False
    body = [int(c) for c in number[1:]]
    # Weights: 1 for odd positions counted from the right, 2 for even ones.
    total = sum(d * (1 if i % 2 else 2) for i, d in enumerate(reversed(body), start=1))
    return int(number[0]) == 9 - (total % 9)


def clean(f: Field, raw: str | None) -> tuple[object, str | None]:
    """Normalise one submitted value; return it with an error key or None."""
    if f.kind == "multiline":
        value = normalise.multiline(raw)
    elif f.kind in ("passport", "card_number", "agent_number"):
        value = normalise.code(raw)
    elif f.kind in ("integer", "corporate_number"):
        value = normalise.digits(raw)
    elif f.kind == "phone":
        value = normalise.phone(raw)
    else:
        value = normalise.text(raw)
    if value == "" and f.default is not None:
        value = f.default
    if value == "":
        return (None, "error.required") if f.required else (None, None)
    if len(value) > f.max_length:
        return value, "error.too_long"
    if f.kind == "date":
        parsed = parse_date(value)
        return (parsed, None) if parsed else (value, "error.date")
    if f.kind == "country":  # ISO 3166 code; a name typed in an older draft is recognised where unambiguous
        code = countries.code_for(value)
        return (code, None) if code else (value, "error.choice")
    if f.kind == "period":  # vocabulary.PERIODS_OF_STAY; an older draft's "3 years" / "1年3月" becomes its code
        return (value, None) if value in PERIODS_OF_STAY else _period_code(value)
    if f.kind == "industry":
        return (value.upper(), None) if value.upper() in INDUSTRIES else (value, "error.choice")
    if f.kind in ("choice", "yesno"):
        choices = f.choices or (("yes", "no") if f.kind == "yesno" else ())
        return (value, None) if value in choices else (value, "error.choice")
    if f.kind == "integer":
        if not value.isdigit():
            return value, "error.integer"
        number = int(value)
        if f.minimum is not None and number < f.minimum:
            return number, "error.too_small"
        if f.maximum is not None and number > f.maximum:
            return number, "error.too_large"
        return number, None
    if f.kind == "phone":
        return (value, None) if PHONE_RE.match(value) else (value, "error.phone")
    if f.kind == "passport":
        return (value, None) if PASSPORT_RE.match(value) else (value, "error.passport")
    if f.kind == "card_number":
        return (value, None) if CARD_NUMBER_RE.match(value) else (value, "error.card_number")
    if f.kind == "corporate_number":
        return (value, None) if corporate_number_ok(value) else (value, "error.corporate_number")
    if f.kind == "agent_number":
        return (value, None) if AGENT_NUMBER_RE.match(value) else (value, "error.agent_number")
    if f.kind == "email":
        return (value, None) if EMAIL_RE.match(value) else (value, "error.email")
    return value, None
