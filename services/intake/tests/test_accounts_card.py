"""Card login (Web eID style), TOTP, re-binding a renewed card."""

from __future__ import annotations

import json

import pyotp
import sqlalchemy as sa
from journey import code_from, login, register, sign_code

from intake.adapters.tables import applicants
from intake.bootstrap import ports


def _token(origin, nonce, cert="AUTH-CERT-1"):
    return json.dumps(
        {
            "unverifiedCertificate": cert,
            "algorithm": "RS256",
            "signature": f"signed:{origin}:{nonce}",
            "format": "web-eid:1.0",
            "appVersion": "https://zairyu.example/signer/1.0",
        }
    )


def _nonce(page: str) -> str:
    return page.split('name="nonce" value="', 1)[1].split('"', 1)[0]


def test_card_login_after_linking_and_nonce_is_single_use(client, rt):
    register(client, rt)
    nonce = _nonce(client.get("/account/card-login").data.decode())
    assert (
        client.post(
            "/account/card-login",
            data={"password": "correct horse battery", "nonce": nonce, "token": _token("http://intake.test", nonce)},
        ).status_code
        == 302
    )
    client.post("/logout")
    nonce = _nonce(client.get("/login/card").data.decode())
    wrong_origin = client.post("/login/card", data={"nonce": nonce, "token": _token("https://evil.example", nonce)})
    assert "could not be verified" in wrong_origin.data.decode()
    replay = client.post("/login/card", data={"nonce": nonce, "token": _token("http://intake.test", nonce)})
    assert "challenge expired" in replay.data.decode()  # the nonce was used by the failed attempt
    nonce = _nonce(client.get("/login/card").data.decode())
    ok = client.post("/login/card", data={"nonce": nonce, "token": _token("http://intake.test", nonce)})
    assert ok.status_code == 302 and client.get("/applications").status_code == 200
    client.post("/logout")
    nonce = _nonce(client.get("/login/card").data.decode())
    unknown = client.post("/login/card", data={"nonce": nonce, "token": _token("http://intake.test", nonce, "OTHER")})
    assert "not linked" in unknown.data.decode()


def test_totp_second_factor(client, rt):
    register(client, rt)
    page = client.get("/account/totp").data.decode()
    secret = page.split("<code>", 1)[1].split("</code>", 1)[0]
    # beside the QR, a link the phone's authenticator app opens (a phone cannot scan its own screen; issue 18)
    assert (
        'href="otpauth://totp/' in page and f"secret={secret}" in page.split('href="otpauth://', 1)[1].split('"', 1)[0]
    )
    assert client.post("/account/totp", data={"code": "000000"}).status_code == 200
    turn_on = {"code": pyotp.TOTP(secret).now(), "password": "correct horse battery"}  # the account's password
    assert client.post("/account/totp", data=turn_on).status_code == 302
    client.post("/logout")
    first = login(client)
    assert first.headers["Location"].startswith("/login/totp")
    assert client.get("/applications").status_code == 302  # not logged in before the second factor
    assert "not correct" in client.post("/login/totp", data={"code": "123456"}).data.decode()
    code = pyotp.TOTP(secret).now()
    assert client.post("/login/totp", data={"code": code}).status_code == 302
    assert client.get("/applications").status_code == 200
    client.post("/logout")
    login(client)
    replay = client.post("/login/totp", data={"code": code})  # the same code again: refused
    assert replay.status_code == 200 and "not correct" in replay.data.decode()


def test_renewed_card_rebinds_the_same_person_and_refuses_another(client, rt):
    applicant_id = register(client, rt)
    # The renewed card: same person, new certificate serial, new address (moved).
    holders = ports(rt).signing.holders
    holders["nguyen_renewed"] = dict(holders["nguyen"], address="大阪府大阪市北区梅田１－１")
    holders["nguyen_married"] = dict(holders["nguyen"], name="TRAN NGUYEN AN")
    code = code_from(client.post("/account/rebind", data={}))
    assert sign_code(client, code, "silva").json["error"] == "rebind.holder_mismatch"
    code = code_from(client.post("/account/rebind", data={}))
    assert sign_code(client, code, "nguyen_married").json["error"] == "rebind.holder_mismatch"  # undeclared
    code = code_from(client.post("/account/rebind", data={}))
    assert sign_code(client, code, "nguyen_renewed").json["ok"] is True
    with rt.engine.connect() as conn:
        row = conn.execute(sa.select(applicants).where(applicants.c.id == applicant_id)).first()
    assert row.address.startswith("大阪府") and row.cert_serial == "serial-nguyen_renewed"
    code = code_from(client.post("/account/rebind", data={"name_changed": "1"}))
    assert sign_code(client, code, "nguyen_married").json["name_changed"] is True
