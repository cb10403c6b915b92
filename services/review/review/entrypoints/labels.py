"""Words shown from data in the page's language: the marked words (label_markers.py), statuses of residence,
nationalities, periods and industries by name."""

from .label_markers import CHOICES, LABELS

STATUS_FIELDS = ("current_status", "desired_status", "supporter_status")
# Coded values from the shared vocabulary: ISO 3166 nationalities (names from CLDR via Babel), periods of
# stay as ISO 8601 durations (named as the card writes them, 1年3月), the JSIC industry letter.
NATIONALITY_FIELDS = ("nationality", "supporter_nationality", "invitee_nationality")
PERIOD_FIELDS = ("period_of_stay", "desired_period")
INDUSTRY_FIELDS = ("industry",)


def page_language() -> str:
    """The request's language, looked up once (a queue page asks on every row); kept in ``g`` beside
    Flask-Babel's own choice of locale, so both live exactly as long."""
    from flask import g
    from flask_babel import get_locale

    language = g.get("page_language")
    if language is None:
        language = g.page_language = str(get_locale() or "ja")
    return language


def status_label(code: str | None) -> str:
    """A status of residence by its official name (English in the English UI), never by code."""
    from zairyu_shared.events.vocabulary import status_name

    return status_name(code, page_language())


def choice_labels() -> dict[str, dict[str, str]]:
    """{field: {signed code: what the officer reads}} in the page's language; statuses of residence by
    their official names (the contract's vocabulary)."""
    from flask_babel import gettext

    from zairyu_shared.events.vocabulary import STATUSES_OF_RESIDENCE

    out = {field: {code: gettext(label) for code, label in codes.items()} for field, codes in CHOICES.items()}
    for field in STATUS_FIELDS:
        out[field] = {**{code: status_label(code) for code in STATUSES_OF_RESIDENCE}, **out.get(field, {})}
    out.update(_coded_values(page_language()))
    return out


class _CountryNames(dict[str, str]):
    """{ISO code: name}; ``get`` also finds the name of a nationality an older application carries as the
    applicant typed it ("Viet Nam", "ベトナム": zairyu_shared.countries), so the officer reads ベトナム either way."""

    def get(self, key, default=None):  # type: ignore[override]
        found = super().get(key)
        if found is None and isinstance(key, str):
            from zairyu_shared.countries import code_for

            code = code_for(key)
            found = super().get(code) if code else None
        return default if found is None else found


_CODED: dict[str, dict[str, dict[str, str]]] = {}


def country_name(value: str | None) -> str:
    """A nationality by its name in the page's language: an ISO code (as applications carry it) or a name an
    older application carries as typed; what names no country stays as written."""
    if not value:
        return ""
    return _coded_values(page_language())["nationality"].get(value, value)


def _coded_values(language: str) -> dict[str, dict[str, str]]:
    """Nationality, period and industry codes by name in ``language`` (built once per language)."""
    found = _CODED.get(language)
    if found is None:
        from babel import Locale

        from zairyu_shared.events.vocabulary import INDUSTRIES, PERIODS_OF_STAY, period_name_ja

        japanese = language.startswith("ja")
        countries = _CountryNames(
            (code, name)
            for code, name in Locale.parse("ja" if japanese else "en").territories.items()
            if len(code) == 2 and code.isalpha()  # ISO 3166-1 alpha-2, not CLDR's numeric regions
        )
        periods = {code: period_name_ja(code) for code in PERIODS_OF_STAY}
        industries = {code: (ja if japanese else en) for code, (ja, en) in INDUSTRIES.items()}
        found = _CODED[language] = {
            **dict.fromkeys(NATIONALITY_FIELDS, countries),
            **dict.fromkeys(PERIOD_FIELDS, periods),
            **dict.fromkeys(INDUSTRY_FIELDS, industries),
        }
    return found


# The catalogues are compiled files that do not change while the process runs: one dict per language.
_TRANSLATED: dict[str, dict[str, str]] = {}


def translated() -> dict[str, str]:
    """All data words in the page's language (read-only), built once per language instead of per page."""
    language = page_language()
    words = _TRANSLATED.get(language)
    if words is None:
        from flask_babel import gettext

        words = _TRANSLATED[language] = {key: gettext(key) for key in LABELS}
    return words
