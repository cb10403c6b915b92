"""The message catalogue: one Babel catalog per language, each notice a Jinja2 subject and body.

notify/translations/<code>/LC_MESSAGES/messages.po (compiled to messages.mo, which is what is read): the msgid
is the template's key (``common.greeting``, ``procedures.coe``, ``notice.<type>.subject``/``.body``) and the
msgstr its Jinja2 source; the English catalog holds the English. <code> is the contract's language code.

A body is rendered twice from the same source: as plain text, and HTML-escaped into the HTML
layout. Undefined placeholders raise (StrictUndefined): a template that names something the
notice does not provide fails in the tests and in the consumer, never as a blank in a mail.
A language without the notice falls back to Japanese + English in one bilingual notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, meta, pass_context
from markupsafe import Markup, escape

from notify.domain import formatting
from zairyu_shared import glossary, translations
from zairyu_shared.events.contracts import LANGUAGES

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"  # the HTML layout
CATALOGS = Path(__file__).resolve().parents[1] / "translations"
FALLBACK = ("ja", "en")
BILINGUAL = "ja+en"
LANGUAGE_SEPARATOR = "\n\n==========\n\n"


@dataclass(frozen=True)
class Rendered:
    language: str  # a language code, or "ja+en" for the fallback
    subject: str
    text: str
    html: str

    @property
    def in_account_text(self) -> str:
        """The text without the mail's signature ("-- ": replies are not read, the site's address): a notice in
        the account is read on the site itself, where those lines said something false or nothing."""
        parts = self.text.split(LANGUAGE_SEPARATOR)  # the fallback: Japanese, then English, each signed
        return LANGUAGE_SEPARATOR.join(part.split("\n-- \n", 1)[0].rstrip() for part in parts) + "\n"


def _lang_filter(fn):
    @pass_context
    def apply(ctx, value):
        return fn(value, ctx["lang"])

    return apply


def _environment(html: bool) -> Environment:
    env = Environment(
        undefined=StrictUndefined,
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        loader=FileSystemLoader(str(TEMPLATES)),
        keep_trailing_newline=False,
    )
    env.filters.update(
        date=_lang_filter(formatting.long_date),
        datetime=_lang_filter(formatting.date_time),
        yen=_lang_filter(formatting.yen),
        number=_lang_filter(formatting.number),
        link=(lambda url: Markup('<a href="{0}">{0}</a>').format(url)) if html else (lambda url: url),
    )
    return env


class Catalogue:
    def __init__(self, directory: Path = CATALOGS):
        present = translations.languages(directory)
        self.catalogs: dict[str, NullTranslations] = {
            lang: translations.load(directory, lang) for lang in LANGUAGES if lang in present
        }
        self.text_env = _environment(html=False)
        self.html_env = _environment(html=True)
        self.layout = self.html_env.get_template("mail.html")
        # (source, language, portal URL): the text and HTML of a piece naming nothing else (_piece)
        self._fixed: dict[tuple[str, str, str], tuple[str, list[Markup]]] = {}

    def message(self, language: str, key: str) -> str:
        """The Jinja2 source of ``key`` in ``language``'s catalog; KeyError if that catalog lacks it."""
        found = self.catalogs[language].gettext(key) if language in self.catalogs else key
        if found == key:  # gettext answers an untranslated msgid with the msgid itself
            raise KeyError(f"{language}: {key}")
        return found

    def has(self, language: str | None, notice_type: str) -> bool:
        if language is None:
            return False
        try:
            self.message(language, f"notice.{notice_type}.subject")
            self.message(language, f"notice.{notice_type}.body")
        except KeyError:
            return False
        return True

    def render(
        self,
        notice_type: str,
        language: str | None,
        context: dict,
        *,
        name: str | None,
        portal_url: str,
        audience: str = "applicant",
    ) -> Rendered:
        if language is not None and self.has(language, notice_type):
            parts = [self._one(notice_type, language, context, name, portal_url, audience)]
            lang = language
        else:
            parts = [self._one(notice_type, fb, context, name, portal_url, audience) for fb in FALLBACK]
            lang = BILINGUAL
        subject = " / ".join(p["subject"] for p in parts)
        text = LANGUAGE_SEPARATOR.join(p["text"] for p in parts)
        html = self.layout.render(parts=parts, subject=subject, lang=parts[0]["lang"])
        return Rendered(lang, subject, text, html)

    def _one(self, notice_type, lang, context, name, portal_url, audience) -> dict:
        def say(key: str) -> str:
            return self.message(lang, key)

        ctx = dict(context, lang=lang, portal_url=portal_url, name=name)
        if context.get("procedure"):
            ctx["procedure_name"] = say(f"procedures.{context['procedure']}")
        if context.get("receiving_office"):  # a district office that received the application (横オン ...)
            ctx["bureau_name"] = say(f"receiving_offices.{context['receiving_office']}")
        elif context.get("bureau"):
            ctx["bureau_name"] = say(f"bureaus.{context['bureau']}")
        if context.get("advice"):
            ctx["advice_text"] = say(f"advice.{context['advice']}")
        if context.get("return_reason"):  # the post office's reason by its code; else its words as recorded
            ctx["reason"] = say(f"return_reasons.{context['return_reason']}")
        # The bureau's coded words in the reader's language (zairyu_shared.glossary); older events' free text
        # (v1 items, v2 decisions) passes through as written.
        if "documents" in context:
            ctx["items"] = [
                glossary.document_kind_name(d["kind"], lang) if d.get("kind") else d["description"]
                for d in context["documents"]
            ]
        if "reason_codes" in context:  # the grounds of a refusal; a code outside the vocabulary is not shown bare
            named = (glossary.refusal_reason_name(code, lang) for code in context["reason_codes"])
            ctx["reasons"] = [reason for reason in named if reason]
        if context.get("granted_status"):
            ctx["granted_status"] = glossary.status_name(context["granted_status"], lang)
        if context.get("period_of_stay"):
            ctx["period_of_stay"] = glossary.period_name(context["period_of_stay"], lang)
        if audience == "bureau":
            greeting_src = say("common.greeting_officers")
        else:
            greeting_src = say("common.greeting") if name else say("common.greeting_anonymous")
        entry = {"subject": say(f"notice.{notice_type}.subject"), "body": say(f"notice.{notice_type}.body")}
        subject = self._text(entry["subject"], ctx).strip()
        greeting, greeting_html = self._piece(greeting_src, ctx)
        body, body_html = self._piece(entry["body"], ctx)
        footer_src = say("common.footer_officers") if audience == "bureau" else say("common.footer")
        footer, footer_html = self._piece(footer_src, ctx)
        text = f"{greeting}\n\n{body}\n\n-- \n{footer}\n"
        return {
            "lang": lang.replace("_", "-"),
            "subject": subject,
            "text": text,
            "greeting": greeting_html,
            "body": body_html,
            "footer": footer_html,
        }

    def _piece(self, source: str, ctx: dict) -> tuple[str, list[Markup]]:
        """A greeting's, body's or footer's text and its HTML paragraphs. A piece naming nothing but what is the same
        for every notice in its language (the footer: the portal's address) is rendered once per language and kept
        (issue 24: two of a notice's eight renders were its footer's, the same each time)."""
        if not _names_only_fixed(self.text_env, source):
            return self._text(source, ctx).strip(), _paragraphs(self._html(source, ctx))
        key = (source, ctx["lang"], ctx["portal_url"])
        piece = self._fixed.get(key)
        if piece is None:
            piece = self._fixed[key] = (self._text(source, ctx).strip(), _paragraphs(self._html(source, ctx)))
        return piece

    def _text(self, source: str, ctx: dict) -> str:
        return _compiled(self.text_env, source).render(ctx)

    def _html(self, source: str, ctx: dict) -> Markup:
        return Markup(_compiled(self.html_env, source).render(ctx).strip())


@lru_cache(maxsize=4096)
def _compiled(env: Environment, source: str):
    return env.from_string(source)


# What a notice's context holds that is the same for every notice in one language (the filters read the language).
FIXED_NAMES = frozenset({"lang", "portal_url"})


@lru_cache(maxsize=4096)
def _names_only_fixed(env: Environment, source: str) -> bool:
    return meta.find_undeclared_variables(env.parse(source)) <= FIXED_NAMES


def _paragraphs(html: Markup) -> list[Markup]:
    """Blank lines separate paragraphs; single newlines become <br> (content already escaped, so plain string work:
    a Markup made and escaped for every line cost a fifth of a notice's rendering, issue 24)."""
    return [Markup(block.replace("\n", "<br>\n")) for block in str(html).split("\n\n") if block.strip()]


__all__ = ["Catalogue", "Rendered", "BILINGUAL", "CATALOGS", "escape"]
