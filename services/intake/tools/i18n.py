"""Maintain the intake catalogs: extract, merge new strings into every language, compile.

    .venv/bin/python services/intake/tools/i18n.py            # extract + update + compile
    .venv/bin/python services/intake/tools/i18n.py --check    # exit 1 if any catalog lacks a string

New strings arrive empty in each messages.po; translate them there (tests/test_i18n.py fails until
every catalog is complete), then run this again to compile the .mo files.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from zairyu_shared.events.contracts import LANGUAGES

PACKAGE = Path(__file__).resolve().parents[1] / "intake"
TRANSLATIONS = PACKAGE / "entrypoints" / "translations"
PYBABEL = str(Path(sys.executable).with_name("pybabel"))
# One folder per contract language code (tl too: zairyu_shared.flask_translations reads it for Babel's fil_PH).
DIRS = {code: code for code in LANGUAGES}


def run(*args: str) -> None:
    subprocess.run([PYBABEL, *args], check=True, cwd=PACKAGE, capture_output=True)


def main() -> int:
    pot = TRANSLATIONS / "messages.pot"
    run(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        "--no-location",
        "--project=zairyu-intake",
        "--version=1",
        "-o",
        str(pot),
        ".",
    )
    if "--check" not in sys.argv:
        for directory in DIRS.values():
            run(
                "update",
                "-i",
                str(pot),
                "-d",
                str(TRANSLATIONS),
                "-l",
                directory,
                "--no-fuzzy-matching",
                "--ignore-obsolete",
            )
        run("compile", "-d", str(TRANSLATIONS), "--use-fuzzy")
    from babel.messages.pofile import read_po

    with pot.open("rb") as fh:
        wanted = [m.id for m in read_po(fh) if m.id]
    incomplete = 0
    for lang, directory in DIRS.items():
        with (TRANSLATIONS / directory / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            po = read_po(fh)
        missing = [m for m in wanted if not (po.get(m) and po.get(m).string)]
        if missing:
            incomplete += 1
            print(f"{lang}: {len(missing)} untranslated: {missing[:5]}")
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
