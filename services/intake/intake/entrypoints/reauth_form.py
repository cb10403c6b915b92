"""The "confirm it is you" part of a form (templates/_reauth.html): before the e-mail address changes, a card is
linked or unlinked for logging in, or the authenticator code is turned on or off, the signed-in person proves again who
they are, as strongly as the account signs in (``accounts.reauthenticate``; domain/reauthentication.py). One
reading of the form and one set of page values for every such page."""

from __future__ import annotations

import json

from flask import g, request

from intake.application import accounts
from intake.settings import IntakeSettings
from zairyu_shared.web import current_runtime


def card_token() -> dict | None:
    """The Web eID-style token the extension (or `zairyu-signer auth`) gave, if the person used the card."""
    raw = (request.form.get("token") or "").strip()
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    # Pasted but not a token: still checked as the card (and refused), never taken for "no card".
    return value if isinstance(value, dict) and value else {"unreadable": True}


def prove(db, *, card: bool = True) -> tuple[accounts.Reauthenticated | None, str | None]:
    """(proof, None) or (None, error key) from this request's form, for the signed-in person. ``card`` False: the
    password (and code) only; the form's card token, if any, is something else (the card being linked). Run in a
    transaction of its own that commits: a wrong password or code counts towards the sign-in lockout."""
    return accounts.reauthenticate(
        current_runtime(),
        db,
        g.applicant_id,
        password=request.form.get("password", ""),
        code=request.form.get("code", ""),
        card_token=card_token() if card else None,
        nonce=request.form.get("nonce", "") if card else "",
    )


def asking(db, me, *, card: bool = True) -> dict:
    """What the page's "confirm it is you" part needs: the ways this account proves it (``ways``) and, when its
    linked card is one of them, a fresh challenge for the card (``reauth_nonce``) and the origin it signs for."""
    ways = accounts.reauth_ways(me, card=card)
    return {
        "ways": ways,
        "reauth_nonce": accounts.new_challenge(db, "reauth") if ways.card else None,
        "origin": current_runtime(IntakeSettings).settings.public_url,
    }
