"""Error pages read in the visitor's language: a 400, a 405 or a 500 was Werkzeug's English page whatever the
visitor had chosen."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "lang, unreadable, broken",
    [
        ("vi", "Chúng tôi không đọc được yêu cầu này", "Đã xảy ra lỗi từ phía chúng tôi"),
        ("ne", "हामीले यो अनुरोध पढ्न सकेनौं", "हाम्रो तर्फबाट केही गडबड भयो"),
        ("ja", "このリクエストを読み取れませんでした", "こちらのシステムで問題が発生しました"),
    ],
)
def test_a_wrong_method_a_bad_request_and_our_own_failure_speak_the_visitors_language(rt, lang, unreadable, broken):
    from flask import abort

    from intake.entrypoints.web import create_app

    app = create_app(rt)
    app.config.update(PROPAGATE_EXCEPTIONS=False)  # as in production: the failure becomes a 500 page

    @app.get("/__boom")
    def boom():
        raise RuntimeError("a bug of ours")

    @app.get("/__bad")
    def bad():
        abort(400)

    @app.post("/__post_only")
    def post_only():
        return "posted"

    client = app.test_client()
    headers = {"Accept-Language": lang}
    for path, status, text in (
        ("/__post_only", 405, unreadable),
        ("/__bad", 400, unreadable),
        ("/__boom", 500, broken),
    ):
        method = client.put if status == 405 else client.get
        page = method(path, headers=headers)
        body = page.get_data(as_text=True)
        assert page.status_code == status and text in body, (path, body[-800:])
        assert "Method Not Allowed" not in body and "Internal Server Error" not in body and "Bad Request" not in body
    api = client.get("/__boom", headers={**headers, "Accept": "application/json"})
    assert api.status_code == 500
