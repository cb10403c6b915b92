"""Flask-Babel reading the catalogs from folders named by the contract's codes (translations/tl, not fil_PH).

Flask-Babel looks a catalog up by the Babel locale (``tl`` parses as ``fil_PH``); the web services' locale
selectors answer contract codes and their catalogs live under those codes, so the domain maps the locale back
(``zairyu_shared.translations.language_code``) before it opens the folder. Dates and numbers still use the
Babel locale. Needs Flask-Babel, which the services with web pages depend on (shared does not).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path

import flask_babel
from babel.support import NullTranslations, Translations

from zairyu_shared import translations


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
