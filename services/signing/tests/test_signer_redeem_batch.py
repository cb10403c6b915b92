"""``zairyu-signer redeem CODE CODE ...``: one card session for many signing requests (issue 21, an organisation's
staff signing a batch). Every request is listed before the password is asked, once; each is signed separately
over its own bytes; nothing is signed when one code cannot be fetched, and a wrong password stops the batch."""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import threading

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
