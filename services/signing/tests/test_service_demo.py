"""The embedded run's demo: seeded test PKI the verifier trusts, /demo/sign, and signer redeem."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re
import sys
import threading
from pathlib import Path

import pytest
from flask import Flask, jsonify, request
from service_support import DATA_KEY, sign
from werkzeug.serving import make_server

from signing.adapters.verifier_factory import build
from signing.entrypoints import demo, signer_cli
from signing.entrypoints.service import definition
from signing.entrypoints.web import create_app
from signing.testpki import create_test_pki, load_test_pki
from zairyu_shared.runtime import Runtime

DOCUMENT = "申請内容: 在留期間更新 / extension of period of stay, 3 years".encode()


def demo_runtime(demo_dir: Path, **overrides) -> Runtime:
    env = demo.demo_environment(demo_dir / "pki")
    return Runtime.from_env(
        definition,
        environ={**env, "ZAIRYU_DEMO_DIR": str(demo_dir)},
        database_url=f"sqlite:///{demo_dir}/signing.db",
        amqp_url=f"memory://{demo_dir.name}",
        embedded=True,
        data_keys=(DATA_KEY,),
        **overrides,
    )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    demo_dir = tmp_path_factory.mktemp("demo")
    rt = demo_runtime(demo_dir)
    rt.migrate()
    out = io.StringIO()
    sys_stdout, sys.stdout = sys.stdout, out
    try:
        definition.seed_demo(rt)
    finally:
        sys.stdout = sys_stdout
    yield rt, out.getvalue()
    rt.stop()


@pytest.fixture(scope="module")
def client(seeded):
    return create_app(seeded[0]).test_client()


def test_signer_redeem_says_what_is_signed_in_the_applicants_language(seeded, monkeypatch, capsys):
    """Issue 18: the request's summary (intake's, in the applicant's language) is what the person reads, not
    the stored English description; an English terminal changes nothing."""
    rt, _ = seeded
    pki = demo.demo_cards(rt).pki
    holder = pki.first("valid")
    monkeypatch.setattr(sys, "stdin", io.StringIO(holder.password + "\n"))
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    vi = "Bạn ký đơn của mình, đúng như bạn đã xem lại, cùng các tệp đính kèm."
    with FakeIntake(DOCUMENT, summary=vi) as intake:
        assert signer_cli.main(["--simulated", str(pki.root), "redeem", "CODE-43", "--server", intake.url]) == 0
    shown = capsys.readouterr().out
    assert shown.splitlines()[0] == vi
    assert "Extension application" not in shown and "You are about to sign" not in shown
    # the signer's own lines too: the digest's and the answer's, no English left
    assert (
        shown.splitlines()[1] == f"SHA-256 (dấu vân tay của nội dung được ký): {hashlib.sha256(DOCUMENT).hexdigest()}"
    )
    assert re.search(r"^đã gửi chữ ký \(\d+ byte\)", shown, re.M) and "signature sent" not in shown


def test_signer_redeem_asks_in_the_applicants_language(seeded, monkeypatch, capsys):
    """The confirmation and its answer follow the request's language too, on an English terminal."""
    import argparse

    from signing.entrypoints import redeem

    asked = []

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "n")
    vi = "Bạn ký đơn của mình, đúng như bạn đã xem lại, cùng các tệp đính kèm."
    with FakeIntake(DOCUMENT, summary=vi) as intake:
        args = argparse.Namespace(codes=["CODE-44"], server=intake.url, yes=False)
        assert redeem.run(args, signer=None, lang="en", read_secret=None) == 1
        assert intake.signatures == {}  # nothing signed
    assert asked == ["Ký nội dung này bằng thẻ My Number của bạn? [y/N] "]
    assert capsys.readouterr().out.splitlines()[-1] == "Chưa ký."


class FakeIntake:
    """intake's signing-request endpoints, enough to redeem a code."""

    def __init__(self, content: bytes, digest: str | None = None, summary: str | None = None):
        self.content = content
        self.digest = digest or hashlib.sha256(content).hexdigest()
        self.summary = summary  # intake's sentence in the applicant's language (None: an older intake)
        self.signatures: dict[str, bytes] = {}
        app = Flask("fake_intake")

        @app.get("/api/v1/signing-requests/<code>")
        def get(code):
            extra = {"summary": self.summary, "language": "vi"} if self.summary else {}
            return jsonify(
                content_b64=base64.b64encode(self.content).decode(),
                description="Extension application",
                digest=self.digest,
                **extra,
            )

        @app.post("/api/v1/signing-requests/<code>/signature")
        def post(code):
            self.signatures[code] = base64.b64decode(request.get_json()["signature_b64"])
            return jsonify(status="signed")

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


def verify(client, content: bytes, signature: bytes) -> dict:
    return client.post(
        "/internal/v1/verifications/cms",
        json={"content_b64": base64.b64encode(content).decode(), "signature_b64": base64.b64encode(signature).decode()},
    ).get_json()


def test_seed_creates_a_trusted_demo_pki_and_prints_the_secrets(seeded):
    rt, printed = seeded
    pki = load_test_pki(Path(rt.settings.demo_dir) / "pki")
    holder = pki.first("valid")
    assert f"signature password {holder.password}" in printed and f"PIN {holder.pin}" in printed
    assert "WARNING" not in printed  # the settings above are the ones the demo needs
    # Seeding again reuses the PKI (same secrets), it does not replace it.
    definition.seed_demo(rt)
    assert load_test_pki(pki.root).first("valid").password == holder.password


def test_demo_sign_bytes_gives_a_signature_the_service_accepts(client, seeded):
    rt, _ = seeded
    resp = client.post(
        "/demo/sign",
        json={"bytes_b64": base64.b64encode(DOCUMENT).decode(), "password": demo.demo_cards(rt).holder(None).password},
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["demo"] is True and body["posted"] is False
    verdict = verify(client, DOCUMENT, base64.b64decode(body["signature_b64"]))
    assert verdict["verdict"] == "valid", verdict
    assert verdict["evidence"]["certificate_serial"] == body["certificate"]["serial"]


def test_demo_sign_redeems_a_code_and_a_revoked_demo_card_is_refused(client, seeded):
    rt, _ = seeded
    cards = demo.demo_cards(rt)
    revoked = cards.pki.first("revoked")
    with FakeIntake(DOCUMENT) as intake:
        resp = client.post(
            "/demo/sign",
            json={
                "code": "ａｂｃｄ-1234 ",
                "server": intake.url,  # as typed with an IME
                "holder": revoked.id,
                "password": revoked.password,
            },
        )
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["posted"] is True and resp.get_json()["server_answer"] == {"status": "signed"}
        verdict = verify(client, DOCUMENT, intake.signatures["abcd-1234"])
    assert (verdict["verdict"], verdict["reason"]) == ("invalid", "revoked")


def test_demo_sign_refuses_content_that_does_not_match_the_stated_digest(client, seeded):
    rt, _ = seeded
    with FakeIntake(DOCUMENT, digest="00" * 32) as intake:
        resp = client.post(
            "/demo/sign",
            json={"code": "ABCD-1234", "server": intake.url, "password": demo.demo_cards(rt).holder(None).password},
        )
        assert resp.status_code == 502 and "digest" in resp.get_json()["message"]
        assert intake.signatures == {}


def test_wrong_demo_password_counts_down_like_a_card(client, seeded):
    rt, _ = seeded
    holder = demo.demo_cards(rt).pki.holders_of_kind("valid")[1]
    resp = client.post("/demo/sign", json={"bytes_b64": "AAAA", "holder": holder.id, "password": "WRONG123"})
    assert resp.status_code == 422
    assert resp.get_json()["code"] == "wrong_pin" and resp.get_json()["tries_left"] == 4
    bad = client.post("/demo/sign", json={"bytes_b64": "AAAA", "code": "ABCD-1234", "password": "x"})
    assert bad.status_code == 400 and "_schema" in bad.get_json()["fields"]


def test_demo_form_needs_its_csrf_token(client, seeded):
    rt, _ = seeded
    page = client.get("/demo/sign")
    assert page.status_code == 200 and b"DEMO" in page.data
    linked = client.get("/demo/sign?code=K7QM-2HXD-9PZA").data  # intake's link carries its code (issue 18)
    assert b'name="code" autocomplete="off" inputmode="text" value="K7QM-2HXD-9PZA"' in linked
    assert b'value="&lt;b&gt;"' in client.get("/demo/sign?code=<b>").data  # escaped, never markup
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    password = demo.demo_cards(rt).holder(None).password
    with FakeIntake(DOCUMENT) as intake:
        no_token = client.post("/demo/sign", data={"code": "FORM-0001", "server": intake.url, "password": password})
        assert no_token.status_code == 400 and intake.signatures == {}
        ok = client.post(
            "/demo/sign", data={"csrf_token": token, "code": "FORM-0001", "server": intake.url, "password": password}
        )
        assert ok.status_code == 200 and b"Signed" in ok.data
        assert "FORM-0001" in intake.signatures
        by_url = client.post(
            "/demo/sign", json={"url": f"{intake.url}/api/v1/signing-requests/URL-0002", "password": password}
        )
        assert by_url.status_code == 200 and "URL-0002" in intake.signatures


def test_demo_routes_do_not_exist_outside_the_embedded_run(tmp_path):
    pki_dir = tmp_path / "pki"
    create_test_pki(pki_dir)
    rt = Runtime.from_env(
        definition,
        environ=demo.demo_environment(pki_dir),
        database_url=f"sqlite:///{tmp_path}/s.db",
        amqp_url="amqp://guest:guest@127.0.0.1:5672/unused",
        embedded=False,
        secret_key="s" * 40,
        data_keys=(DATA_KEY,),
        allow_test_pki=True,
    )
    client = create_app(rt).test_client()
    assert client.get("/demo/sign").status_code == 404
    assert client.post("/demo/sign", json={"bytes_b64": "AAAA", "password": "x"}).status_code == 404
    rt.stop()


def test_stale_demo_crls_are_reissued_when_the_embedded_app_starts(tmp_path):
    old = create_test_pki(tmp_path / "pki", now=dt.datetime.now(dt.UTC) - dt.timedelta(days=3))
    rt = demo_runtime(tmp_path)
    rt.migrate()
    holder = old.first("valid")
    signature = sign(old, holder, DOCUMENT)
    before = build(rt.settings)
    assert (
        before.verifier.verify_cms(DOCUMENT, signature, profile=before.sign_profile).reason.value == "revocation_stale"
    )
    client = create_app(rt).test_client()  # zairyu-run seeds once; each start re-issues near-stale CRLs
    assert verify(client, DOCUMENT, signature)["verdict"] == "valid"
    revoked = old.first("revoked")
    assert verify(client, DOCUMENT, sign(old, revoked, DOCUMENT))["reason"] == "revoked"  # still listed
    rt.stop()


def test_signer_redeem_fetches_signs_and_posts(seeded, monkeypatch, capsys):
    rt, _ = seeded
    pki = demo.demo_cards(rt).pki
    holder = pki.first("valid")
    monkeypatch.setattr(sys, "stdin", io.StringIO(holder.password + "\n"))
    with FakeIntake(DOCUMENT) as intake:
        code = signer_cli.main(["--simulated", str(pki.root), "redeem", "CODE-42", "--server", intake.url])
        assert code == 0
        assert "CODE-42" in intake.signatures
        client = create_app(rt).test_client()
        assert verify(client, DOCUMENT, intake.signatures["CODE-42"])["verdict"] == "valid"
    shown = capsys.readouterr().out
    assert "Extension application" in shown and DOCUMENT.decode() in shown
    assert hashlib.sha256(DOCUMENT).hexdigest() in shown
