"""The National Tax Agency's corporate numbers, from the files an operator ships (ZAIRYU_CORPORATE_NUMBER_EXTRACT).

The setting names one CSV file, or a directory whose ``*.csv`` files are read together (a monthly full file and the
daily difference files after it: a corporation designated since the month's end is found in them). Files are read
once, in the background when the web front starts (``warm``; a look-up meanwhile waits), and again when one of them
changes (size or modification time); each number's newest
record wins (domain/corporate_number_list.py). Kept in memory as two sorted arrays: about 9 bytes a number (the whole
country, about 5 million numbers, is some 45 MB per process). Never real data in the repository: tests use a small
sample made for them.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from intake.domain import corporate_number_list as nta

log = logging.getLogger("intake.corporate_numbers")


@dataclass(frozen=True)
class Listing:
    state: str  # listed | closed | deleted | unknown (not in the files)
    as_of: date | None  # the newest update date the files hold (how current they are)


def _text(path: Path) -> io.TextIOBase:
    """UTF-8 (the NTA's "Unicode" files) or Shift-JIS (CP932), told apart by whether the bytes decode as UTF-8."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    try:
        head.decode("utf-8")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as exc:
        encoding = "utf-8-sig" if exc.start > len(head) - 4 else "cp932"  # a character cut at the 64 KiB edge
    return io.TextIOWrapper(path.open("rb"), encoding=encoding, newline="")


class CorporateNumberExtract:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._numbers = array("q")
        self._states = array("b")
        self._as_of: date | None = None

    def files(self) -> list[Path]:
        if self.path.is_dir():
            return sorted(p for p in self.path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
        return [self.path]

    def _current_signature(self) -> tuple:
        return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in self.files())

    def _load(self) -> None:
        packed = array("q")
        newest: date | None = None
        for path in self.files():
            with _text(path) as fh:
                for cells in csv.reader(fh):
                    rec = nta.record(cells)
                    if rec is None:
                        continue
                    packed.append(nta.packed(rec))
                    newest = rec.updated if newest is None or rec.updated > newest else newest
        numbers, states = array("q"), array("b")
        previous = -1
        for value in sorted(packed):  # per number, its records oldest first: the last one stands
            number = nta.unpacked_number(value)
            state = value & 3
            if number == previous:
                states[-1] = state
            else:
                numbers.append(number)
                states.append(state)
                previous = number
        self._numbers, self._states, self._as_of = numbers, states, newest

    def _ready(self) -> None:
        signature = self._current_signature()  # OSError when the configured path is missing: loud, not "unknown"
        if signature != self._signature:
            with self._lock:
                if signature != self._signature:
                    self._load()
                    self._signature = signature

    def warm(self) -> threading.Thread:
        """Read the files in a background thread (a look-up meanwhile waits for them); a failure is logged and
        comes back at the look-up."""

        def read() -> None:
            try:
                self._ready()
            except Exception:
                log.exception("the corporate number extract %s could not be read", self.path)

        thread = threading.Thread(target=read, name="corporate-number-extract", daemon=True)
        thread.start()
        return thread

    def lookup(self, number: str) -> Listing:
        self._ready()
        key = int(number)
        at = bisect_left(self._numbers, key)
        if at < len(self._numbers) and self._numbers[at] == key:
            return Listing(nta.STATE_OF_CODE[self._states[at]], self._as_of)
        return Listing(nta.UNKNOWN, self._as_of)

    def __len__(self) -> int:
        self._ready()
        return len(self._numbers)
