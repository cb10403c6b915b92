"""JPKI holder attributes: otherName decoding, era-coded birth dates, NFKC comparison."""

from __future__ import annotations

import datetime as dt

import pytest
import verify_pki as pki

from signing.domain.holder_attributes import (
    ApplicantRecord,
    HolderAttributes,
    compare_holder,
    decode_date_of_birth,
    decode_other_name_value,
    holder_attributes,
    normalise,
)
from signing.domain.verdict import Reason, VerificationFailure


@pytest.mark.parametrize(
    "raw,date,era",
    [
        ("119000101", dt.date(1900, 1, 1), "meiji"),
        ("219200505", dt.date(1920, 5, 5), "taisho"),
        ("319641010", dt.date(1964, 10, 10), "showa"),
        ("420000229", dt.date(2000, 2, 29), "heisei"),
        ("520200101", dt.date(2020, 1, 1), "reiwa"),
        ("019700101", dt.date(1970, 1, 1), None),
    ],
)
def test_era_coded_dates(raw, date, era):
    assert decode_date_of_birth(raw) == (date, era)


@pytest.mark.parametrize(
    "raw",
    [
        "19900115",
        "619900115",
        "4199001150",
        "419900230",
        "4199O0115",
        "4199\uff190101",
        "4\u0661\u0669\u0669\u0669\u0660\u0661\u0660\u0661",
    ],
)
def test_bad_dates_rejected(raw):
    with pytest.raises(ValueError):
        decode_date_of_birth(raw)


def test_decode_from_certificate():
    root = pki.make_root(slot=10)
    cert, _ = pki.issue(
        root,
        slot=20,
        holder={"1": "ＮＧＵＹＥＮ　ＶＡＮ　ＡＮ", "3": "2", "4": "319880229", "5": "東京都新宿区大久保１－２－３"},
    )
    attrs = holder_attributes(cert)
    assert attrs.name == "ＮＧＵＹＥＮ　ＶＡＮ　ＡＮ" and attrs.sex == "2"
    assert attrs.date_of_birth == dt.date(1988, 2, 29) and attrs.era == "showa"
    assert attrs.to_dict()["sex_label"] == "female"
    broken, _ = pki.issue(root, slot=21, holder={"4": "1988-02-29"})
    with pytest.raises(VerificationFailure) as info:
        holder_attributes(broken)
    assert info.value.reason == Reason.MALFORMED


@pytest.mark.parametrize(
    "der, text",
    [
        ("東京都".encode(), "東京都"),
    ],
)
def test_holder_attribute_string_types(der, text):
    """UTF8String as J-LIS writes it, with or without the EXPLICIT [0]; the other string types read as before."""
    utf8 = b"\x0c" + bytes([len(der)]) + der
    assert decode_other_name_value(utf8) == text
    assert decode_other_name_value(b"\xa0" + bytes([len(utf8)]) + utf8) == text
    assert decode_other_name_value(b"\x13\x03ABC") == "ABC"  # PrintableString
    assert decode_other_name_value(b"\x16\x03abc") == "abc"  # IA5String
    assert decode_other_name_value(b"\x1e\x04\x67\x71\x4e\xac") == "東京"  # BMPString


@pytest.mark.parametrize(
    "der",
    [
        b"\x0c\x02ab\x00\x00",  # a second element after the string (asn1crypto's load ignored it)
        b"\xa0\x04\x0c\x02ab\x05\x00",  # inside the [0]: the string and more
        b"\x02\x01\x05",  # an INTEGER, not a string
        b"\x0c\x02\xff\xfe",  # not UTF-8
        b"\x0c\x05ab",  # runs past its end
    ],
)
def test_holder_attribute_not_one_string_is_refused(der):
    with pytest.raises(ValueError):
        decode_other_name_value(der)


def test_nfkc_comparison():
    attrs = HolderAttributes(
        name="ＮＧＵＹＥＮ　ＶＡＮ　ＡＮ",
        date_of_birth=dt.date(1988, 2, 29),
        sex="1",
        address="東京都新宿区大久保１－２－３",
    )
    assert normalise("ＮＧＵＹＥＮ　ＶＡＮ　ＡＮ") == normalise("Nguyen  Van An")
    compare_holder(
        attrs,
        ApplicantRecord(name="NGUYEN VAN AN", date_of_birth="1988-02-29", sex="1", address="東京都新宿区大久保1-2-3"),
    )
    with pytest.raises(VerificationFailure) as info:
        compare_holder(attrs, ApplicantRecord(name="NGUYEN VAN BINH", address="東京都新宿区大久保1-2-4"))
    assert info.value.reason == Reason.HOLDER_MISMATCH
    assert info.value.detail.endswith("name, address")
    with pytest.raises(VerificationFailure):
        compare_holder(HolderAttributes(), ApplicantRecord(name="X"))  # no attributes: cannot match
