"""An organisation's batch of 50 signing codes is signed within the signer's per-address limits (issue 21).

The signer's endpoints allow 30 requests a minute per address; a batch may hold 50 codes. `zairyu-signer redeem`
fetches the whole batch in one request (POST /api/v1/signing-requests/batch) and posts the signatures ten at a
time (POST /api/v1/signing-requests/signatures); intake serves its real web front over HTTP here and the signer's
own client and command run against it (the signature is the fake signing service's, as in every intake test).
Guessing stays refused: unknown codes, one at a time or in batches, draw on one budget of 30 a minute per address.
"""

from __future__ import annotations

import argparse
import io
import re
import threading
from datetime import UTC, datetime

import pytest
import time_machine
from intake_testkit import HOLDERS, fake_signature, outbox_events
from journey import API, register
from test_organisation_filing import a_draft, codes_on, fake_signing, sign_batch, with_photo
from test_organisation_people import add_person, signed_in_org
from werkzeug.serving import make_server

from signing.adapters import signing_requests as client_api
from signing.entrypoints import redeem

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)  # the rows' stays end 2027-02-01: within the extension's window


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def org(app, rt, _clock):
    return signed_in_org(app, rt)


def consenting_people(org, app, rt, count):
    """``count`` people on the roster, each consenting from their own account (registered from their own address:
    registration has its own per-address limit)."""
    out = []
    for i in range(1, count + 1):
        card = f"AB{i:08d}CD"
        pid = add_person(org, card=card, name=f"PERSON {i}")
        link = org.post(f"/org/people/{pid}/consent-link")
        path = re.search(rb"http://intake\.test(/org/consent/[\w-]+)", link.data).group(1).decode()
        person = app.test_client()
        person.environ_base["REMOTE_ADDR"] = f"10.20.{i // 200}.{i % 200 + 1}"
        fake_signing(rt).holders[card] = {**HOLDERS["nguyen"], "name": f"PERSON {i}"}
        register(person, rt, holder=card, email=f"p{i}@example.jp")
        assert person.post(path).status_code == 200
        out.append((pid, card))
    return out


class Counted:
    """The intake app behind a real HTTP server, counting the requests the signer makes to it."""

    def __init__(self, app):
        self.paths: list[str] = []
        inner = app.wsgi_app

        def counting(environ, start_response):
            self.paths.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
            return inner(environ, start_response)

        self.server = make_server("127.0.0.1", 0, counting, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class FakeCard:
    """The staff member's card as the fake signing service knows it (SILVA MARIA, HR)."""

    def __init__(self):
        self.signed: list[bytes] = []

    def sign(self, content: bytes, password: str) -> bytes:
        assert password == "card password"
        self.signed.append(content)
        return fake_signature(content, "silva")


def _redeem(codes, url, card, out):
    args = argparse.Namespace(codes=codes, server=url, yes=True)
    return redeem.run(args, card, "en", lambda *_: "card password", out=out)


def test_a_batch_of_50_codes_is_signed_in_a_handful_of_requests_and_every_application_is_filed(org, app, rt):
    people = consenting_people(org, app, rt, 50)
    drafts = [a_draft(rt, org, pid, card) for pid, card in people]
    for d in drafts:
        with_photo(org, d)
    batch_page = org.get(sign_batch(org, drafts).headers["Location"])
    codes = codes_on(batch_page.data)
    assert len(codes) == 50
    served = Counted(app)
    try:
        out = io.StringIO()
        card = FakeCard()
        assert _redeem(codes, served.url, card, out) == 0, out.getvalue()
    finally:
        served.close()
    # One fetch for the 50 and five posts of ten: within 30 a minute per address, where 50 fetches were refused
    # from the 31st (HTTP 429) before anything was signed.
    assert served.paths == ["POST /api/v1/signing-requests/batch"] + ["POST /api/v1/signing-requests/signatures"] * 5
    shown = out.getvalue()
    assert shown.count("signature sent") == 50 and "[50/50]" in shown
    assert len(card.signed) == 50 and len(set(card.signed)) == 50  # each application its own signature
    assert len(outbox_events(rt, "application.submitted")) == 50
    done = org.get(batch_page.request.path).get_data(as_text=True)
    assert done.count("Filed. Provisional number") == 50


def test_running_the_batch_again_skips_the_codes_already_signed(org, app, rt):
    people = consenting_people(org, app, rt, 3)
    drafts = [a_draft(rt, org, pid, card) for pid, card in people]
    for d in drafts:
        with_photo(org, d)
    codes = codes_on(org.get(sign_batch(org, drafts).headers["Location"]).data)
    served = Counted(app)
    try:
        assert _redeem(codes[:1], served.url, FakeCard(), io.StringIO()) == 0  # cut short after the first
        out, card = io.StringIO(), FakeCard()
        assert _redeem(codes, served.url, card, out) == 0, out.getvalue()
    finally:
        served.close()
    assert f"{codes[0]}: this code was already used" in out.getvalue()
    assert len(card.signed) == 2 and len(outbox_events(rt, "application.submitted")) == 3


def _guess(client, codes):
    return client.post("/api/v1/signing-requests/batch", json={"codes": codes}, headers=API)


def wrong(n, start=0):
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return [f"ZZZZ-{alphabet[(i // 32) % 32]}{alphabet[i % 32]}ZZ-ZZZZ" for i in range(start, start + n)]


def test_guessing_codes_in_batches_is_refused_after_30_wrong_codes_a_minute(org, app, rt):
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    first = _guess(guesser, wrong(20))
    assert first.status_code == 200
    assert [r["error"] for r in first.json["requests"]] == ["signing.unknown_code"] * 20
    # The next 20: the budget runs out at the 11th; the request is refused as a whole (no answer for any of them).
    second = _guess(guesser, wrong(20, 20))
    assert second.status_code == 429 and "requests" not in second.json
    assert second.json["error"] == "signing.too_many_codes" and 1 <= int(second.headers["Retry-After"]) <= 61
    assert _guess(guesser, wrong(1, 40)).status_code == 429
    # Signatures for made-up codes draw on the same budget.
    posted = guesser.post(
        "/api/v1/signing-requests/signatures",
        json={"signatures": [{"code": c, "signature_b64": "c2ln"} for c in wrong(2, 50)]},
        headers=API,
    )
    assert posted.status_code == 429
    # Wrong codes asked one at a time spend it too (each endpoint also keeps its 30 requests a minute).
    single = app.test_client()
    single.environ_base["REMOTE_ADDR"] = "203.0.113.10"
    for code in wrong(30, 100):
        assert single.get(f"/api/v1/signing-requests/{code}").status_code == 404
    assert _guess(single, wrong(1, 200)).status_code == 429
    # Another address is not affected; a batch over 50 codes is not taken at all.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.11"
    assert _guess(other, wrong(1, 300)).status_code == 200
    assert _guess(other, wrong(51, 400)).status_code == 422
    # An hour later (the budget is per minute) the first address is answered again.
    with time_machine.travel(datetime(2026, 12, 6, 4, tzinfo=UTC), tick=False):
        assert _guess(guesser, wrong(1, 500)).status_code == 200


def test_codes_that_exist_cost_nothing_from_the_guessing_budget(org, app, rt):
    people = consenting_people(org, app, rt, 2)
    drafts = [a_draft(rt, org, pid, card) for pid, card in people]
    for d in drafts:
        with_photo(org, d)
    codes = codes_on(org.get(sign_batch(org, drafts).headers["Location"]).data)
    staff = app.test_client()
    staff.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for _ in range(10):  # the same two real codes, 20 look-ups: none is a guess
        got = _guess(staff, codes)
        assert got.status_code == 200 and all("content_b64" in r for r in got.json["requests"])
    thirty = _guess(staff, wrong(30))
    assert thirty.status_code == 200 and len(thirty.json["requests"]) == 30  # the whole budget is still there
    assert _guess(staff, wrong(1, 30)).status_code == 429


def test_the_signer_waits_as_long_as_the_site_asks_and_then_goes_on(org, app, rt, monkeypatch):
    """The address has spent its wrong-code budget (someone at the office mistyped): the site answers 429 with
    Retry-After; the signer says so, waits that long and fetches again (the clock is moved instead of sleeping)."""
    people = consenting_people(org, app, rt, 2)
    drafts = [a_draft(rt, org, pid, card) for pid, card in people]
    for d in drafts:
        with_photo(org, d)
    codes = codes_on(org.get(sign_batch(org, drafts).headers["Location"]).data)
    neighbour = app.test_client()  # the test server's peer is 127.0.0.1, as the signer's requests are
    neighbour.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    assert [_guess(neighbour, wrong(1, n)).status_code for n in range(31)][-1] == 429
    waited: list[int] = []

    def sleep(seconds):
        waited.append(seconds)
        traveller.shift(seconds)

    served = Counted(app)
    try:
        with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
            monkeypatch.setattr(redeem, "_sleep", sleep)
            err = io.StringIO()
            monkeypatch.setattr("sys.stderr", err)
            assert _redeem(codes, served.url, FakeCard(), io.StringIO()) == 0
    finally:
        served.close()
    assert len(waited) == 1 and 1 <= waited[0] <= 61
    assert f"waiting {waited[0]} s as it asks" in err.getvalue()
    assert len(outbox_events(rt, "application.submitted")) == 2
    assert client_api.retry_after_seconds("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412480.0) == 30
