"""``zairyu-signer redeem CODE CODE ...``: one card session for many signing requests (issue 21, an organisation's
staff signing a batch; up to 50 codes a fetch, signatures ten a post, a 429 waited out as the site asks). Every request is listed before the password is asked, once; each is signed separately
over its own bytes; nothing is signed when one code cannot be fetched, and a wrong password stops the batch."""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import threading

import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from signing.entrypoints import signer_cli


class BatchIntake:
    """intake's signing-request endpoints with one document per code."""

    def __init__(self, documents: dict[str, bytes]):
        self.documents = documents
        self.signatures: dict[str, bytes] = {}
        app = Flask("batch_intake")

        @app.get("/api/v1/signing-requests/<code>")
        def get(code):
            if code not in self.documents:
                return jsonify(error="signing.unknown_code", message="unknown code"), 404
            content = self.documents[code]
            return jsonify(
                content_b64=base64.b64encode(content).decode(),
                description=f"Application {code}",
                digest=hashlib.sha256(content).hexdigest(),
            )

        @app.post("/api/v1/signing-requests/<code>/signature")
        def post(code):
            self.signatures[code] = base64.b64decode(request.get_json()["signature_b64"])
            return jsonify(status="done")

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.server.app = app
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


DOCS = {f"CODE-{n}": f"申請 {n}: 在留期間更新 / extension, person {n}".encode() for n in (1, 2, 3)}


def _run(pki, holder, codes, stdin, server):
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return signer_cli.main(["--simulated", str(pki.root), "redeem", *codes, "--server", server])
    finally:
        sys.stdin = old


def test_three_requests_are_listed_then_signed_separately_with_one_password(test_pki, capsys):
    holder = test_pki.first("valid")
    with BatchIntake(DOCS) as intake:
        # One line on stdin: the password is read once for the three.
        assert _run(test_pki, holder, list(DOCS), holder.password + "\n", intake.url) == 0
        assert set(intake.signatures) == set(DOCS)
    shown = capsys.readouterr().out
    for n, code in enumerate(DOCS, start=1):
        assert f"[{n}/3] {code}: You are about to sign: Application {code}" in shown
        assert f"[{n}/3] {code}: signature sent" in shown
    # Everything is listed before the first signature goes.
    assert shown.index("[3/3] CODE-3: You are about to sign") < shown.index("[1/3] CODE-1: signature sent")
    # Each signature covers its own document only (a detached CMS whose digest is that document's).
    digests = {code: hashlib.sha256(doc).digest() for code, doc in DOCS.items()}
    for code, signature in intake.signatures.items():
        assert digests[code] in signature and all(d not in signature for c, d in digests.items() if c != code)


def test_one_unknown_code_and_nothing_is_signed(test_pki, capsys):
    holder = test_pki.first("valid")
    with BatchIntake(DOCS) as intake:
        assert _run(test_pki, holder, ["CODE-1", "CODE-9", "CODE-2"], holder.password + "\n", intake.url) == 3
        assert intake.signatures == {}
    assert "CODE-9" in capsys.readouterr().err


def test_a_wrong_password_stops_the_batch_before_anything_is_sent(test_pki):
    holder = test_pki.first("valid")
    with BatchIntake(DOCS) as intake:
        assert _run(test_pki, holder, list(DOCS), "WRONG1\n", intake.url) == 2
        assert intake.signatures == {}


class IntakeWithBatches(BatchIntake):
    """intake with the batch endpoints: up to 50 codes a fetch, signatures posted together; ``refuse`` answers
    the next requests 429 with that Retry-After."""

    def __init__(self, documents: dict[str, bytes], used=()):
        super().__init__(documents)
        self.used = set(used)
        self.requests: list[str] = []
        self.refuse: list[str] = []  # Retry-After values for the next requests
        app = self.server.app

        @app.before_request
        def count():
            self.requests.append(request.path)
            if self.refuse:
                return (
                    jsonify(error="signing.too_many_codes", message="too many"),
                    429,
                    {"Retry-After": self.refuse.pop(0)},
                )
            return None

        @app.post("/api/v1/signing-requests/batch")
        def batch():
            assert request.headers.get("X-Zairyu-Api") == "1"
            out = []
            for code in request.get_json()["codes"]:
                if code in self.used:
                    out.append({"code": code, "error": "signing.already_used", "message": "used", "http_status": 409})
                elif code not in self.documents:
                    out.append({"code": code, "error": "signing.unknown_code", "message": "?", "http_status": 404})
                else:
                    content = self.documents[code]
                    out.append(
                        {
                            "code": code,
                            "content_b64": base64.b64encode(content).decode(),
                            "description": f"Application {code}",
                            "digest": hashlib.sha256(content).hexdigest(),
                        }
                    )
            return jsonify(requests=out)

        @app.post("/api/v1/signing-requests/signatures")
        def signatures():
            results = []
            for item in request.get_json()["signatures"]:
                self.signatures[item["code"]] = base64.b64decode(item["signature_b64"])
                results.append({"code": item["code"], "http_status": 200, "status": "done", "ok": True})
            return jsonify(results=results)


FIFTY = {f"C{n:03d}-ABCD-EFGH": f"申請 {n}: 在留期間更新, person {n}".encode() for n in range(1, 51)}


def test_fifty_codes_are_one_fetch_and_five_posts_each_signed_over_its_own_document(test_pki, capsys):
    holder = test_pki.first("valid")
    with IntakeWithBatches(FIFTY) as intake:
        assert _run(test_pki, holder, list(FIFTY), holder.password + "\n", intake.url) == 0
        assert intake.requests == ["/api/v1/signing-requests/batch"] + ["/api/v1/signing-requests/signatures"] * 5
        assert set(intake.signatures) == set(FIFTY)
    digests = {code: hashlib.sha256(doc).digest() for code, doc in FIFTY.items()}
    for code, signature in intake.signatures.items():
        assert digests[code] in signature and sum(d in signature for d in digests.values()) == 1
    shown = capsys.readouterr().out
    assert shown.index("[50/50] C050-ABCD-EFGH: You are about to sign") < shown.index(
        "[1/50] C001-ABCD-EFGH: signature"
    )
    assert shown.count("signature sent") == 50


def test_a_429_is_waited_out_as_the_site_asks_with_a_message(test_pki, capsys, monkeypatch):
    from signing.entrypoints import redeem

    waited = []
    monkeypatch.setattr(redeem, "_sleep", waited.append)
    holder = test_pki.first("valid")
    with IntakeWithBatches(DOCS) as intake:
        intake.refuse = ["7"]  # the fetch, once
        assert _run(test_pki, holder, list(DOCS), holder.password + "\n", intake.url) == 0
        assert set(intake.signatures) == set(DOCS)
    assert waited == [7]
    assert "waiting 7 s as it asks, then continuing" in capsys.readouterr().err


def test_a_429_asking_for_too_long_stops_with_when_to_run_again_and_nothing_is_signed(test_pki, capsys, monkeypatch):
    from signing.entrypoints import redeem

    monkeypatch.setattr(redeem, "_sleep", lambda s: pytest.fail("waited"))
    holder = test_pki.first("valid")
    with IntakeWithBatches(DOCS) as intake:
        intake.refuse = ["3600"]
        assert _run(test_pki, holder, list(DOCS), holder.password + "\n", intake.url) == 3
        assert intake.signatures == {}
    err = capsys.readouterr().err
    assert "error [rate_limited]" in err and "Run the same command again in 3600 s" in err


def test_codes_signed_by_an_earlier_run_are_skipped_the_rest_signed(test_pki, capsys):
    holder = test_pki.first("valid")
    with IntakeWithBatches(DOCS, used={"CODE-1"}) as intake:
        assert _run(test_pki, holder, list(DOCS), holder.password + "\n", intake.url) == 0
        assert set(intake.signatures) == {"CODE-2", "CODE-3"}
    out = capsys.readouterr().out
    assert "CODE-1: this code was already used" in out and "[2/2] CODE-3: signature sent" in out


def test_an_unknown_code_in_a_batch_signs_nothing(test_pki, capsys):
    holder = test_pki.first("valid")
    with IntakeWithBatches(DOCS) as intake:
        assert _run(test_pki, holder, ["CODE-1", "CODE-9"], holder.password + "\n", intake.url) == 3
        assert intake.signatures == {} and intake.requests == ["/api/v1/signing-requests/batch"]
    assert "CODE-9: server answered 404" in capsys.readouterr().err
