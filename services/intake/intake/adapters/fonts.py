"""The fonts every applicant-facing PDF needs, and a check that they are installed.

Each PDF embeds subsets of Noto fonts found through fontconfig (what WeasyPrint itself uses): Noto Sans
for Latin and Vietnamese, Noto Sans Devanagari for Nepali, Noto Sans CJK for Japanese, Chinese and Korean.
When one is missing, fontconfig silently substitutes another family and the PDF prints boxes; we refuse
instead and name the Debian package to install.
"""

from __future__ import annotations

import functools

# family -> the Debian package that ships it
REQUIRED = {
    "Noto Sans": "fonts-noto-core",
    "Noto Sans Devanagari": "fonts-noto-core",
    "Noto Sans CJK JP": "fonts-noto-cjk",
    "Noto Sans CJK SC": "fonts-noto-cjk",
    "Noto Sans CJK KR": "fonts-noto-cjk",
}


class FontsMissing(RuntimeError):
    """Fonts the PDFs need are not installed; the message says which package brings them."""

    def __init__(self, missing: dict[str, str]):
        self.missing = missing
        packages = sorted(set(missing.values()))
        super().__init__(
            f"fonts missing for the PDFs: {', '.join(sorted(missing))}; install the Debian package(s) "
            f"{' '.join(packages)} (apt-get install {' '.join(packages)}), or the same Noto families for fontconfig"
        )


def resolved_family(family: str) -> str:
    """The family fontconfig actually gives for ``family`` (another one when it is not installed)."""
    from weasyprint.text.ffi import ffi, fontconfig

    config = fontconfig.FcInitLoadConfigAndFonts()
    pattern = fontconfig.FcPatternCreate()
    try:
        fontconfig.FcPatternAddString(pattern, b"family", family.encode())
        fontconfig.FcConfigSubstitute(config, pattern, fontconfig.FcMatchPattern)
        fontconfig.FcDefaultSubstitute(pattern)
        result = ffi.new("FcResult *")
        match = fontconfig.FcFontMatch(config, pattern, result)
        if match == ffi.NULL:
            return ""
        try:
            out = ffi.new("FcChar8 **")
            if fontconfig.FcPatternGetString(match, b"family", 0, out) != fontconfig.FcResultMatch:
                return ""
            return ffi.string(out[0]).decode()
        finally:
            fontconfig.FcPatternDestroy(match)
    finally:
        fontconfig.FcPatternDestroy(pattern)
        fontconfig.FcConfigDestroy(config)


def missing(required: dict[str, str] | None = None) -> dict[str, str]:
    """{family: package} for each required family fontconfig cannot give."""
    wanted = REQUIRED if required is None else required
    return {
        family: package for family, package in wanted.items() if resolved_family(family).casefold() != family.casefold()
    }


@functools.lru_cache(maxsize=1)
def _checked() -> bool:
    gone = missing()
    if gone:
        raise FontsMissing(gone)
    return True


def require() -> None:
    """Raise FontsMissing unless every required font is installed (checked once per process when present)."""
    _checked()
