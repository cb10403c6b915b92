"""An organisation's standing says its application for use was approved (承認) or refused (不承認), in words of its own:
it shared the msgid "Approved" with the decisions on applications, so the Japanese page said 許可 (permission), the
word of a foreign national's application, for the organisation's approval (issue 21)."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from test_organisation_people import make_org, sign_in

from intake.entrypoints import labels
from intake.entrypoints.blueprints.organisations import STANDING_LABELS


@pytest.mark.parametrize(
    "lang, approved, refused, decision",
    [("ja", "承認", "不承認", "許可"), ("ko", "승인", "불승인", "허가"), ("zh_Hans", "已批准", "未获批准", "许可")],
)
def test_the_organisations_approval_is_not_a_permission(app, lang, approved, refused, decision):
    with app.test_request_context(), force_locale(lang):
        assert (str(STANDING_LABELS["approved"]), str(STANDING_LABELS["refused"])) == (approved, refused)
        assert str(labels.TIMELINE["approved"]) == decision  # an application's decision keeps its word


def test_the_dashboard_says_approved_in_japanese(app, rt):
    client = app.test_client()
    _org_id, secret = make_org(client, rt)
    assert sign_in(client, "admin@sample.example", secret).status_code == 302
    page = client.get("/org/?lang=ja").get_data(as_text=True)
    standing = re.search(r'<p class="standing standing-approved"><strong>(.*?)</strong>', page).group(1)
    assert standing == "承認"
