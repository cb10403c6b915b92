"""zairyu-signer commands and the browser native messaging host."""

from __future__ import annotations

import base64
import io
import json
import os
import struct
import subprocess
import sys

import pytest

from signing.adapters.inprocess_card import inprocess_signer
from signing.domain.signer_messages import pick_language, text
from signing.entrypoints import native_host
from signing.entrypoints.signer_cli import main
from signing.testpki.card import card_for

NONCE = base64.b64encode(b"\x07" * 32).decode()


def run_cli(monkeypatch, capsys, args, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_info_sign_and_auth_with_simulated_card(test_pki, tmp_path, monkeypatch, capsys):
    holder = test_pki.first()
    base = ["--simulated", str(test_pki.root), "--holder", holder.id]
    code, out, _ = run_cli(monkeypatch, capsys, base + ["info"])
    assert code == 0 and "signature password tries left: 5/5" in out and "My Number Card" in out
    (tmp_path / "form.pdf").write_bytes(b"%PDF form")
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        base + ["sign", "--in", str(tmp_path / "form.pdf"), "--out", str(tmp_path / "form.pdf.p7s")],
        stdin=holder.password.lower() + "\n",
    )
    assert code == 0, err
    assert (tmp_path / "form.pdf.p7s").read_bytes()[:1] == b"\x30"
    code, out, _ = run_cli(
        monkeypatch,
        capsys,
        base + ["auth", "--challenge", NONCE, "--origin", "https://zairyu.example"],
        stdin=holder.pin + "\n",
    )
    token = json.loads(out)
    assert code == 0 and token["format"] == "web-eid:1.0"


def test_errors_have_a_code_and_a_message_in_the_chosen_language(test_pki, tmp_path, monkeypatch, capsys):
    holder = test_pki.first()
    base = ["--simulated", str(test_pki.root), "--holder", holder.id]
    (tmp_path / "f").write_bytes(b"x")
    sign = ["sign", "--in", str(tmp_path / "f"), "--out", str(tmp_path / "f.p7s")]
    code, _, err = run_cli(monkeypatch, capsys, base + ["--lang", "ja"] + sign, stdin="WRONG77\n")
    assert code == 2 and "[wrong_pin]" in err and "あと4回" in err
    # --simulated loads a fresh card per run, so the counter starts at 5 again.
    code, out, _ = run_cli(monkeypatch, capsys, base + ["--json"] + sign, stdin="WRONG77\n")
    error = json.loads(out)["error"]
    assert error["code"] == "wrong_pin" and error["tries_left"] == 4 and "4 tries left" in error["message"]
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    code, _, err = run_cli(monkeypatch, capsys, base + sign, stdin="x\n")
    assert "[bad_pin_format]" in err and "形式" in err
    assert not (tmp_path / "f.p7s").exists()


def test_language_selection(monkeypatch):
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    assert pick_language() == "en"
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert pick_language() == "ja" and pick_language("en") == "en"
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    assert pick_language() == "vi"
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert pick_language() == "en"  # a language we don't have: English, not a crash
    assert "市区町村" in text("pin_blocked", "ja", pin="sign")
    assert "municipal office" in text("pin_blocked", "en", pin="auth")


def test_no_reader_message(monkeypatch, capsys):
    pytest.importorskip("smartcard")
    code, _, err = run_cli(monkeypatch, capsys, ["--reader", "No Such Reader 42", "--wait", "0", "info"])
    assert code == 2 and "[no_reader]" in err and "card reader" in err


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return struct.pack("=I", len(body)) + body


def unframe_all(raw: bytes) -> list[dict]:
    out = []
    while raw:
        (length,) = struct.unpack("=I", raw[:4])
        out.append(json.loads(raw[4 : 4 + length]))
        raw = raw[4 + length :]
    return out


def test_native_host_ops_and_origin_from_the_browser(test_pki):
    holder = test_pki.first()
    signer = inprocess_signer(card_for(test_pki, holder))
    stdin = io.BytesIO(
        frame({"id": 1, "origin": "https://zairyu.example", "request": {"op": "info"}})
        + frame(
            {
                "id": 2,
                "origin": "https://zairyu.example",
                "request": {"op": "sign", "data": base64.b64encode(b"form").decode(), "password": holder.password},
            }
        )
        + frame(
            {
                "id": 3,
                "origin": "https://zairyu.example",
                "request": {"op": "auth", "challenge": NONCE, "pin": holder.pin, "origin": "https://evil.example"},
            }
        )
        + frame(
            {
                "id": 4,
                "request": {"op": "auth", "challenge": NONCE, "pin": holder.pin, "origin": "https://evil.example"},
            }
        )
        + frame({"id": 5, "origin": "https://zairyu.example", "request": {"op": "format-card"}})
        + frame(
            {
                "id": 6,
                "origin": "https://zairyu.example",
                "lang": "ja",
                "request": {"op": "sign", "data": base64.b64encode(b"form").decode(), "password": "WRONG11"},
            }
        )
    )
    stdout = io.BytesIO()
    assert native_host.serve(signer, "en", ["chrome-extension://abc/"], stdin, stdout) == 0
    replies = unframe_all(stdout.getvalue())
    assert [r["id"] for r in replies] == [1, 2, 3, 4, 5, 6]
    assert replies[0]["ok"] and replies[0]["info"]["sign_password_tries_left"] == 5
    assert replies[1]["ok"] and base64.b64decode(replies[1]["signature"])[:1] == b"\x30"
    assert replies[2]["ok"]
    import hashlib

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    signed = hashlib.sha256(b"https://zairyu.example").digest() + hashlib.sha256(NONCE.encode()).digest()
    holder.auth.cert.public_key().verify(
        base64.b64decode(replies[2]["token"]["signature"]), signed, padding.PKCS1v15(), hashes.SHA256()
    )  # not evil.example
    assert not replies[3]["ok"] and replies[3]["error"]["code"] == "bad_request"
    assert not replies[4]["ok"] and replies[4]["error"]["code"] == "bad_request"
    assert replies[5]["error"]["code"] == "wrong_pin" and "あと4回" in replies[5]["error"]["message"]


def test_native_host_hello_answers_without_the_card_and_speaks_the_pages_language(test_pki):
    """The extension's "hello" (is zairyu-signer installed?) must not need a card: pages ask it on load."""

    class NoCard:
        def __getattr__(self, name):
            raise AssertionError(f"hello touched the card ({name})")

    stdin = io.BytesIO(
        frame({"id": "h", "origin": "https://zairyu.example", "lang": "vi", "request": {"op": "hello"}})
        + frame({"id": "v", "origin": "https://zairyu.example", "lang": "vi", "request": {"op": "format-card"}})
        # The extension's own code for Chinese (background.js) reaches the zh_Hans catalog.
        + frame({"id": "z", "origin": "https://zairyu.example", "lang": "zh", "request": {"op": "format-card"}})
    )
    stdout = io.BytesIO()
    assert native_host.serve(NoCard(), "en", ["chrome-extension://abc/"], stdin, stdout) == 0
    hello, bad, chinese = unframe_all(stdout.getvalue())
    assert hello == {"id": "h", "ok": True, "hello": {"program": "zairyu-signer", "version": hello["hello"]["version"]}}
    assert bad["error"]["code"] == "bad_request" and bad["error"]["message"].startswith("Yêu cầu")  # Vietnamese
    assert chinese["error"]["message"].startswith("无效的请求")


def test_native_host_refuses_unlisted_extensions(test_pki, monkeypatch):
    monkeypatch.setenv("ZAIRYU_SIGNER_ALLOWED_EXTENSIONS", "chrome-extension://good/")
    stdout = io.BytesIO()
    signer = inprocess_signer(card_for(test_pki))
    assert native_host.serve(signer, "en", ["chrome-extension://other/"], io.BytesIO(), stdout) == 1
    assert unframe_all(stdout.getvalue())[0]["error"]["code"] == "caller_not_allowed"


def test_native_host_process_framing(test_pki):
    """A real process, as the browser starts it: binary stdin/stdout, caller origin argument."""
    request = frame({"id": "a", "origin": "https://zairyu.example", "request": {"op": "info"}})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "signing.entrypoints.signer_cli",
            "--simulated",
            str(test_pki.root),
            "native-host",
            "chrome-extension://abcdefghijklmnop/",
        ],
        input=request,
        capture_output=True,
        timeout=60,
        env={**os.environ, "LANG": "C"},
    )
    assert result.returncode == 0, result.stderr
    (reply,) = unframe_all(result.stdout)
    assert reply["id"] == "a" and reply["ok"] and reply["info"]["my_number_card"]


def test_cli_against_a_card_in_a_pcsc_reader(card_in_reader, test_pki, tmp_path):
    holder = test_pki.holder("valid-santos")
    (tmp_path / "form.pdf").write_bytes(b"%PDF-1.7 form")
    with card_in_reader(holder) as card:
        cli = [sys.executable, "-m", "signing.entrypoints.signer_cli", "--reader", card.reader, "--wait", "5"]
        info = subprocess.run(cli + ["--json", "info"], capture_output=True, text=True, timeout=60)
        assert info.returncode == 0, info.stderr
        assert json.loads(info.stdout)["reader"] == card.reader
        signed = subprocess.run(
            cli + ["sign", "--in", str(tmp_path / "form.pdf"), "--out", str(tmp_path / "form.pdf.p7s")],
            input=holder.password + "\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert signed.returncode == 0, signed.stderr
    from cryptography.hazmat.primitives.serialization import Encoding

    (tmp_path / "root.pem").write_bytes(test_pki.issuer_of(holder.sign).cert.public_bytes(Encoding.PEM))
    verified = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-content",
            str(tmp_path / "form.pdf"),
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "form.pdf.p7s"),
            "-CAfile",
            str(tmp_path / "root.pem"),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stderr


def test_blocked_pin_is_reported_before_prompting(test_pki, monkeypatch, capsys, tmp_path):
    from signing.adapters import inprocess_card
    from signing.entrypoints import signer_cli

    holder = test_pki.first()
    card = card_for(test_pki, holder)
    signer = inprocess_card.inprocess_signer(card)
    for _ in range(2):
        with pytest.raises(Exception):
            signer.authenticate(NONCE, "https://zairyu.example", "0000" if holder.pin != "0000" else "1111")
    monkeypatch.setattr(signer_cli, "build_signer", lambda args: signer)
    prompts = []
    monkeypatch.setattr(signer_cli, "read_secret", lambda key, lang: prompts.append(key) or holder.pin)
    auth = ["auth", "--challenge", NONCE, "--origin", "https://zairyu.example"]
    code, out, err = run_cli(monkeypatch, capsys, auth)
    assert code == 0 and "1 tries left" in err and prompts == ["prompt_pin"]
    for _ in range(3):
        with pytest.raises(Exception):
            signer.authenticate(NONCE, "https://zairyu.example", "0000" if holder.pin != "0000" else "1111")
    code, out, err = run_cli(monkeypatch, capsys, auth)
    assert code == 2 and "[pin_blocked]" in err and "municipal office" in err
    assert prompts == ["prompt_pin"]  # not asked again


def test_readers_command_lists_vpcd_readers(card_in_reader, test_pki, monkeypatch, capsys):
    with card_in_reader(test_pki.first()) as card:
        code, out, _ = run_cli(monkeypatch, capsys, ["--json", "readers"])
    rows = {row["reader"]: row["card"] for row in json.loads(out)}
    assert code == 0 and rows[card.reader] is True


def test_every_signer_message_exists_in_every_platform_language_and_formats():
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    from signing.domain import signer_messages as m
    from zairyu_shared import translations

    assert set(m.SUPPORTED) == {"en", "ja", "vi", "zh_Hans", "ko", "pt_BR", "tl", "ne"}  # the contract's codes
    assert translations.languages(m.CATALOGS) == set(m.SUPPORTED)
    from signing.entrypoints import redeem

    wanted = set(m.KEYS) | {f"pin_name.{kind}" for kind in m.PIN_KINDS} | set(redeem.KEYS)
    for lang in m.SUPPORTED:
        po_path = translations.catalog_path(m.CATALOGS, lang, ".po")
        with po_path.open("rb") as fh:
            po = {msg.id: msg.string for msg in read_po(fh) if msg.id}
        with po_path.with_suffix(".mo").open("rb") as fh:
            mo = {msg.id: msg.string for msg in read_mo(fh) if msg.id}
        assert set(po) == wanted and all(po.values()), lang
        assert mo == po, f"{lang}: messages.mo is not compiled from messages.po (pybabel compile)"
        for key in (*m.KEYS, *redeem.KEYS):
            out = m.text(key, lang, pin="sign", tries_left=2, sw="6A82", detail="x", count=3)
            assert "{" not in out and out.strip(), (key, lang)
    assert m.pick_language(None) in m.SUPPORTED
    assert (
        m.text("wrong_pin", "vi", pin="auth", tries_left=2)
        == "Sai mã PIN xác thực (4 chữ số). Còn 2 lần thử trước khi bị khóa."
    )


def test_the_extension_and_terminals_language_codes_reach_the_catalogs():
    """The extension sends zh/pt, terminals zh_CN.UTF-8: both read the Chinese and Portuguese catalogs."""
    from signing.domain import signer_messages as m

    assert m.pick_language("zh") == m.pick_language("zh_CN.UTF-8") == "zh_Hans"
    assert m.pick_language("pt") == m.pick_language("pt-BR") == "pt_BR"
    assert m.pick_language("fil") == m.pick_language("tl_PH.UTF-8") == "tl"
    assert m.text("no_card", "zh") == "读卡器中没有卡。请将个人编号卡放在读卡器上。"
    assert m.text("bad_request", "pt", detail="x") == "Pedido inválido: x"
