"""The carrier CSV reader: good rows parsed, bad rows reported by line with the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from card_delivery.domain.carrier_report import JST, parse


def test_good_rows_parse_with_zones_and_bad_rows_are_reported_by_line():
    text = (
        "\ufefftracking_number,status,timestamp,reason\n"
        "1234-5678-9012,delivered,2026-11-20T14:03:00+09:00,\n"
        "123456789013,Returned,2026/11/21 10:00,宛所不明\n"
        "\n"
        "12AB,lost,yesterday,\n"
        "123456789014,delivered\n"
    )
    rows, errors = parse(text)
    assert [(r.line, r.tracking_number, r.status) for r in rows] == [
        (2, "123456789012", "delivered"),
        (3, "123456789013", "returned"),
    ]
    assert rows[0].at == datetime(2026, 11, 20, 5, 3, tzinfo=UTC)
    assert rows[1].at == datetime(2026, 11, 21, 10, 0, tzinfo=JST) and rows[1].reason == "宛所不明"
    assert [e.line for e in errors] == [5, 6]
    assert "is not 11–13 digits" in errors[0].message and "not delivered or returned" in errors[0].message
    assert "not ISO 8601" in errors[0].message
    assert errors[1].message == "expected 4 columns, found 2"


def test_a_file_without_the_header_is_refused_as_a_whole():
    rows, errors = parse("123456789012,delivered,2026-11-20T14:03:00+09:00\n")
    assert rows == [] and errors[0].line == 1 and "missing" in errors[0].message


def test_empty_file():
    assert parse("")[1][0].message == "the file is empty"


def test_naive_timestamps_are_japan_time():
    rows, _ = parse("tracking_number,status,timestamp\n123456789012,delivered,2026-11-20 09:00\n")
    assert rows[0].at.utcoffset() == timedelta(hours=9)
