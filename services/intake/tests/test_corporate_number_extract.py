"""The corporate number of an application for use checked against the National Tax Agency's published list, where
the operator ships one (issue 21; ZAIRYU_CORPORATE_NUMBER_EXTRACT): the NTA's CSV layout read (no header, 30 columns,
UTF-8 or Shift-JIS), a monthly full file and a later difference file read together (the newest record of a number
wins), and the application refused for a number the list lacks or lists as closed or deleted. Unset: format and
check digit only, as before. The sample is made up (tests/data/README.md)."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from intake_testkit import make_runtime

from intake.adapters.corporate_number_extract import CorporateNumberExtract
from intake.bootstrap import ports
from intake.domain import corporate_number_list as nta

SAMPLE = Path(__file__).parent / "data" / "corporate_numbers_sample.csv"
LISTED, CLOSED, DELETED, SPLIT_NAME, NEW = (
    "7123456789012",
    "6010001000001",
    "5010001000002",
    "4010001000003",
    "3010001000004",
)


def test_the_nta_layout_is_read_record_by_record():
    rows = list(csv.reader(SAMPLE.open(encoding="utf-8")))
    states = {r.number: r.state for r in map(nta.record, rows) if r}
    assert states == {LISTED: "listed", CLOSED: "closed", DELETED: "deleted", SPLIT_NAME: "listed"}
    assert rows[3][6] == "テスト合同会社, 東京支店"  # a comma inside a quoted name does not move the columns
    assert nta.record(["1", "123", "01", "0", "2025-04-01"] + [""] * 25) is None  # not a 13-digit number
    assert nta.record(["1", LISTED, "01"]) is None  # too short
    assert nta.record(["1", LISTED, "01", "0", "yesterday"] + [""] * 25) is None


def diff_file(folder: Path, encoding: str) -> None:
    """A later difference file (差分): SPLIT_NAME closed since, NEW designated since the month's end."""
    lines = [
        '1,4010001000003,21,0,2025-05-10,2025-05-09,"テスト合同会社",,305,"東京都","新宿区","架空町２丁目３",,13,104,'
        "1600001,,,2025-05-09,01,,,2015-10-05,1,,,,,,0",
        '2,3010001000004,01,0,2025-05-12,2025-05-12,"新設テスト株式会社",,301,"大阪府","大阪市北区","架空町３丁目４",,27,'
        "127,5300001,,,,,,,2025-05-12,1,,,,,,0",
    ]
    (folder / "zz_diff_20250512.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_a_full_file_and_a_later_difference_file_are_read_together(tmp_path, encoding):
    shutil.copy(SAMPLE, tmp_path / "13_tokyo_all_20250430.csv")
    extract = CorporateNumberExtract(tmp_path)
    assert [extract.lookup(n).state for n in (LISTED, SPLIT_NAME, NEW)] == ["listed", "listed", "unknown"]
    assert extract.lookup(LISTED).as_of == date(2025, 4, 1) and len(extract) == 4
    diff_file(tmp_path, encoding)  # dropped in beside it: read again on the next look-up
    assert [extract.lookup(n).state for n in (LISTED, SPLIT_NAME, NEW)] == ["listed", "closed", "listed"]
    assert extract.lookup(CLOSED).state == "closed" and extract.lookup(DELETED).state == "deleted"
    assert extract.lookup(NEW).as_of == date(2025, 5, 12) and len(extract) == 5


def test_a_missing_extract_is_an_error_not_an_unknown_number(tmp_path):
    with pytest.raises(OSError):
        CorporateNumberExtract(tmp_path / "nowhere.csv").lookup(LISTED)


def apply(client, number):
    return client.post(
        "/org/apply",
        data={
            "name": "サンプル商事株式会社",
            "kind": "employer",
            "address": "東京都港区港南5-5-30",
            "corporate_number": number,
            "email": f"admin{number}@sample.example",
            "password": "correct horse battery",
        },
    )


def test_an_application_for_use_is_refused_for_a_number_the_list_lacks_or_closed(app, rt):
    ports(rt).corporate_numbers = CorporateNumberExtract(SAMPLE)
    client = app.test_client()
    assert apply(client, "7123-4567-89012").status_code == 200  # listed (typed with hyphens)
    for number, message in (
        (NEW, "published list. Check it on the Corporate Number Publication Site"),
        (DELETED, "published list. Check it on the Corporate Number Publication Site"),
        (CLOSED, "lists this corporation as closed"),
    ):
        r = apply(client, number)
        assert r.status_code == 400 and message in r.get_data(as_text=True), number
    r = apply(client, "7123456789013")  # a wrong check digit: refused for that, before any list
    assert r.status_code == 400 and "check the first digit" in r.get_data(as_text=True)


def test_without_an_extract_the_format_and_check_digit_decide_as_before(app, rt):
    assert ports(rt).corporate_numbers is None
    assert apply(app.test_client(), NEW).status_code == 200


def test_the_setting_names_the_extract_and_the_web_front_reads_it_at_start(tmp_path):
    from intake.entrypoints.web import create_app

    rt = make_runtime(tmp_path, corporate_number_extract=str(SAMPLE))
    try:
        extract = ports(rt).corporate_numbers
        from zairyu_shared.testing import wait_until

        assert extract._signature is None
        create_app(rt)  # starts reading it in the background
        wait_until(lambda: extract._signature is not None, timeout=10)  # read before any look-up
        assert extract.lookup(CLOSED).state == "closed"
    finally:
        rt.stop()
