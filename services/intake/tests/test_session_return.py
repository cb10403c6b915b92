"""After the session ends, signing in again brings the person back to the draft they were on (issue 18).

Before: autosave kept answering "✓" while the login page came back instead of a save; a form posted after
the session ended sent the person, after login, to an endpoint without a page (405); card login always
went to the list of applications.
"""

from __future__ import annotations

from journey import fill_draft, login, register, review_key
from test_accounts_card import _nonce, _token

HOST = "http://localhost"


def _end_session(client) -> None:
    with client.session_transaction() as s:  # the cookie outlived its 2 hours, as far as the server knows
        s.clear()


def test_autosave_after_the_session_ended_says_not_saved_instead_of_a_login_page(client, rt):
    register(client, rt)
    draft_id = fill_draft(client)
    _end_session(client)
    answer = client.post(f"/drafts/{draft_id}/autosave", data={"occupation": "teacher"})
    assert answer.status_code == 401  # the script shows "not saved, log in in a new tab"; no redirect to follow
    login(client)
    page = client.get(f"/apply/{draft_id}/step/0", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-expired="Your session has ended' in page and 'data-login="/login"' in page


def test_a_form_posted_after_the_session_ended_returns_to_its_page_after_login(client, rt):
    register(client, rt)
    draft_id = fill_draft(client)
    key = review_key(client, draft_id)
    _end_session(client)
    sent = client.post(
        f"/apply/{draft_id}/sign", data={"idempotency_key": key}, headers={"Referer": f"{HOST}/apply/{draft_id}/review"}
    )
    assert sent.status_code == 302 and sent.headers["Location"] == f"/login?next=/apply/{draft_id}/review"
    back = client.post(
        "/login",
        data={"email": "an@example.jp", "password": "correct horse battery", "next": f"/apply/{draft_id}/review"},
    )
    assert back.headers["Location"] == f"/apply/{draft_id}/review"
    _end_session(client)
    elsewhere = client.post(
        f"/apply/{draft_id}/sign",
        data={"idempotency_key": key},
        headers={"Referer": "https://evil.example/apply/x/review"},
    )
    assert elsewhere.headers["Location"] == f"/login?next=/apply/{draft_id}/sign"  # never another site's page


def test_card_login_returns_to_the_draft_too(client, rt):
    register(client, rt)
    nonce = _nonce(client.get("/account/card-login").data.decode())
    linked = client.post(
        "/account/card-login",
        data={"password": "correct horse battery", "nonce": nonce, "token": _token("http://intake.test", nonce)},
    )
    assert linked.status_code == 302
    draft_id = fill_draft(client)
    _end_session(client)
    to_login = client.get(f"/apply/{draft_id}/step/1")
    assert to_login.headers["Location"] == f"/login?next=/apply/{draft_id}/step/1"
    login_page = client.get(to_login.headers["Location"]).get_data(as_text=True)
    assert f'href="/login/card?next=/apply/{draft_id}/step/1"' in login_page  # the card path keeps it too
    card_page = client.get(f"/login/card?next=/apply/{draft_id}/step/1").get_data(as_text=True)
    nonce = _nonce(card_page)
    done = client.post(
        f"/login/card?next=/apply/{draft_id}/step/1",
        data={"nonce": nonce, "token": _token("http://intake.test", nonce)},
    )
    assert done.status_code == 302 and done.headers["Location"] == f"/apply/{draft_id}/step/1"
    evil = client.post(
        "/login/card?next=https://evil.example/",
        data={
            "nonce": _nonce(client.get("/login/card").get_data(as_text=True)),
            "token": _token("http://intake.test", "x"),
        },
    )
    assert "evil.example" not in evil.headers.get("Location", "")
