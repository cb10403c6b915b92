"""Reading the National Tax Agency's published corporate numbers (法人番号公表サイト, 基本3情報ダウンロード).

The NTA publishes, per prefecture and for the whole country, a monthly full file (全件データ: every corporation's
latest record at the month's end, closed ones included) and daily difference files (差分データ: new designations,
changes of name or address, closures), as CSV without a header row, in Shift-JIS or Unicode (UTF-8), one record a
line, 30 columns in the order of its resource definition (リソース定義書; houjin-bangou.nta.go.jp/download/).
Of those this reads:

  column 2   法人番号 corporate number (13 digits)
  column 3   処理区分 process: "99" 削除 = the designation was deleted (the number is not a corporation's)
  column 5   更新年月日 update date (YYYY-MM-DD): the newest record of a number wins across files
  column 19  登記記録の閉鎖等年月日 date the registration was closed (liquidation finished, merged away...): set =
             the corporation no longer exists as such

An application for use names its corporation by this number; a number the list does not have, or has as closed or
deleted, is not an organisation that can apply (issue 21: "checked (format and check digit; against a shipped
extract where one is configured)").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

NUMBER, PROCESS, UPDATED, CLOSED_ON = 1, 2, 4, 18  # 0-based column indexes of the resource definition
COLUMNS = 30
DELETED_PROCESS = "99"

LISTED, CLOSED, DELETED, UNKNOWN = "listed", "closed", "deleted", "unknown"
_STATE_CODES = {LISTED: 1, CLOSED: 2, DELETED: 3}
STATE_OF_CODE = {v: k for k, v in _STATE_CODES.items()}


@dataclass(frozen=True)
class Record:
    number: str
    updated: date
    state: str  # listed | closed | deleted


def record(cells: Sequence[str]) -> Record | None:
    """One CSV record, or None for a line that is not one (too few columns, not a 13-digit number, no date)."""
    if len(cells) < CLOSED_ON + 1:
        return None
    number = cells[NUMBER].strip()
    if len(number) != 13 or not number.isdigit():
        return None
    try:
        updated = date.fromisoformat(cells[UPDATED].strip())
    except ValueError:
        return None
    if cells[PROCESS].strip() == DELETED_PROCESS:
        state = DELETED
    elif cells[CLOSED_ON].strip():
        state = CLOSED
    else:
        state = LISTED
    return Record(number, updated, state)


_EPOCH = date(2015, 10, 5).toordinal()  # the first designations (番号法 施行日); earlier dates count as this day


def packed(rec: Record) -> int:
    """The record as one sortable integer: number, then update day, then state (the newest sorts last)."""
    day = max(rec.updated.toordinal() - _EPOCH, 0)
    return (int(rec.number) << 17 | min(day, (1 << 15) - 1)) << 2 | _STATE_CODES[rec.state]


def unpacked_number(value: int) -> int:
    return value >> 19


def unpacked_state(value: int) -> str:
    return STATE_OF_CODE[value & 3]
