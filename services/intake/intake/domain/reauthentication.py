"""Proving again that it is the person, before a change to how the account is reached or signed in to (issue 20).

A session left open (a shared computer, a copied cookie) must not be enough to move the account or to open a way
back into it: its e-mail address receives the password-reset links, so whoever changes the address can take the
account; whoever links their own card for logging in keeps getting back in even after the person changes their
password; whoever turns the authenticator code off leaves only the password in the way, and whoever turns it on
with their own app locks the person out (OWASP ASVS 4.0.3 V3.7.1: re-authentication before account modifications;
V3.3.3's "other sessions end after a password change", applied here to every change of how one signs in). The
changes that need it: the e-mail address, linking or unlinking a card for logging in, turning the authenticator
code on or off. The proof asked is as strong as the account's own sign-in, never weaker:
- an account with a password: the password, and the authenticator code too when the account has one (its
  sign-in asks for both);
- an account whose card is linked for logging in: the card (its authentication key, unlocked by the PIN: two
  factors on their own), instead of the password or where there is none;
- an account with neither cannot prove it online: it sets a password first (the reset link, to its address).
"""

from __future__ import annotations

from dataclasses import dataclass

PASSWORD = "password"
CARD = "card"


@dataclass(frozen=True)
class Ways:
    """How this account can prove it is its person again."""

    password: bool  # the password ...
    code: bool  # ... with the authenticator's code
    card: bool  # or the card linked for logging in

    @property
    def any(self) -> bool:
        return self.password or self.card


def ways(*, has_password: bool, has_totp: bool, has_card_login: bool) -> Ways:
    return Ways(password=has_password, code=has_password and has_totp, card=has_card_login)


def by_password(ways_: Ways) -> Ways:
    """Linking or unlinking the card for logging in is proven by the password (with the code when the account has
    one), never by a card: the card being linked proves only that its holder is at the keyboard, not that it is
    the account's person, and its form has room for one card; unlinking is allowed only while the password signs
    in anyway (``may_unlink_card``). An account without a password sets one first."""
    return Ways(password=ways_.password, code=ways_.code, card=False)


def may_unlink_card(ways_: Ways) -> bool:
    """The card linked for logging in is unlinked only while the password still signs in: unlinking the only
    way in would leave the person locked out until a password reset. (The proof is then the password.)"""
    return ways_.password


def chosen(ways_: Ways, *, card_token_given: bool) -> str | None:
    """Which way a submitted proof is checked: the card when a card token came and the account has one,
    else the password when it has one; None: the account has no way (or only the card, and none came)."""
    if card_token_given and ways_.card:
        return CARD
    if ways_.password:
        return PASSWORD
    return None
