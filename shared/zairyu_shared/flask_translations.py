"""Flask-Babel reading the catalogs from folders named by the contract's codes (translations/tl, not fil_PH).

Flask-Babel looks a catalog up by the Babel locale (``tl`` parses as ``fil_PH``); the web services' locale
selectors answer contract codes and their catalogs live under those codes, so the domain maps the locale back
(``zairyu_shared.translations.language_code``) before it opens the folder. Dates and numbers still use the
Babel locale. Needs Flask-Babel, which the services with web pages depend on (shared does not).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path

import flask_babel
from babel.dates import format_skeleton
from babel.support import NullTranslations, Translations

from zairyu_shared import translations
from zairyu_shared.japan_time import JAPAN


class ContractDomain(flask_babel.Domain):  # type: ignore[misc]  # flask_babel has no annotations
    def get_translations(self) -> NullTranslations:
        locale = flask_babel.get_locale()
        if locale is None:
            return NullTranslations()
        code = translations.language_code(str(locale)) or str(locale)
        key = (code, self.domain[0])
        if key not in self.cache:
            found = [translations.load(Path(directory), code) for directory in self.translation_directories]
            catalogs = [catalog for catalog in found if isinstance(catalog, Translations)]
            merged: NullTranslations = catalogs[0] if catalogs else NullTranslations()
            for more in catalogs[1:]:  # as Flask-Babel does: a later directory's message wins
                catalogs[0].merge(more)
            self.cache[key] = merged
        result: NullTranslations = self.cache[key]
        return result


class ContractBabel(flask_babel.Babel):  # type: ignore[misc]
    @cached_property
    def domain_instance(self) -> ContractDomain:
        return ContractDomain(domain=self.domain)


def install(app: object, locale_selector: Callable[[], str | None] | None = None) -> ContractBabel:
    """Flask-Babel on ``app`` (BABEL_TRANSLATION_DIRECTORIES), the selector answering contract codes."""
    return ContractBabel(app, locale_selector=locale_selector)


def page_language(default: str = "ja") -> str:
    """The request's language as a contract code (``tl``, where ``str(get_locale())`` says ``fil_PH``)."""
    locale = flask_babel.get_locale()
    return (translations.language_code(str(locale)) if locale else None) or default


def calendar_day(value: object) -> str:
    """A day as the request's language writes it, one form on every page and document (Babel/CLDR's
    ``yMMMd``: 2027年5月31日, May 31, 2027, 31 thg 5, 2027, 2027 मे 31). A moment is read in Japan time
    (the legal calendar: a receipt date is Japan's); an ISO string (dates of birth and form answers are
    kept so) is read as a date; anything else (a free-text answer) is returned as written."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # stored in UTC
        value = moment.astimezone(JAPAN).date()
    if not isinstance(value, date):
        return str(value)
    return str(format_skeleton("yMMMd", value, locale=flask_babel.get_locale() or "ja"))
