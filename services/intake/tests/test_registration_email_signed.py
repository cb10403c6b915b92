"""The card signature at registration covers the e-mail address the account is bound to (issue 15).

The registration statement said nothing about the address: a signature over it could bind the card to
whatever address the server row held. Now the statement names it, the signer shows it, and intake
binds the account only to the address the holder signed for.
"""

from __future__ import annotations

import base64
import json

import sqlalchemy as sa
from journey import code_from, registration_link, sign_code

from intake.adapters.tables import applicants
from intake.adapters.tables import signing_requests as signing_requests_table


def test_the_signed_registration_statement_names_the_email_and_the_signer_shows_it(client, rt):
    code = code_from(client.post(registration_link(client, rt, "An@Example.jp") + "/sign"))
    shown = client.get(f"/api/v1/signing-requests/{code}").json  # what the desktop and demo signers display
    statement = json.loads(base64.b64decode(shown["content_b64"]))
    assert statement["email"] == "an@example.jp" and statement["format"] == "zairyu-registration/1"
    assert "an@example.jp" in shown["description"]
    assert sign_code(client, code, "nguyen").json["ok"] is True
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(applicants.c.email)).scalar() == "an@example.jp"


def test_an_account_is_never_bound_to_an_address_the_holder_did_not_sign_for(client, rt):
    code = code_from(client.post(registration_link(client, rt, "holder@example.jp") + "/sign"))
    # the server-side record of the request now says another address than the signed bytes
    with rt.engine.begin() as conn:
        row = conn.execute(sa.select(signing_requests_table)).first()
        extra = {**json.loads(row.extra), "email": "attacker@example.jp"}
        conn.execute(signing_requests_table.update().values(extra=json.dumps(extra)))
    answer = sign_code(client, code, "nguyen").json
    assert answer["ok"] is False and answer["error"] == "register.email_mismatch"
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(applicants)).scalar() == 0
