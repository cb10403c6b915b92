"""Accounts: registration with the card, e-mail verification, passwords, TOTP, card login, re-binding.

The account's name, date of birth, sex and address come only from the signing service's
verified certificate evidence (never typed in, never the Individual Number).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from intake.adapters import passwords
from intake.adapters.tables import applicants, challenges, personal, registration_links, registrations, tokens
from intake.bootstrap import ports
from intake.domain import canonical, reauthentication
from intake.domain.fields import EMAIL_RE
from intake.domain.normalise import text as norm_text
from zairyu_shared import credentials
from zairyu_shared.japan_time import JAPAN

from . import signing_requests
from .common import aware, keyed_hash, new_id, now, token, token_hash

EMAIL_LINK_HOURS = 24
RESET_LINK_MINUTES = 60
CHALLENGE_MINUTES = 5


class AccountError(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Holder:
    name: str
    date_of_birth: str
    sex: str
    address: str

    @classmethod
    def from_evidence(cls, evidence: dict) -> Holder:
        h = evidence.get("holder") or {}
        if not all(h.get(k) for k in ("name", "date_of_birth", "sex", "address")):
            raise AccountError("register.no_holder")
        return cls(str(h["name"]), str(h["date_of_birth"]), str(h["sex"]), str(h["address"]))

    def as_dict(self) -> dict:
        return {"name": self.name, "date_of_birth": self.date_of_birth, "sex": self.sex, "address": self.address}


def _secret(runtime) -> str:
    return runtime.settings.hashing_key


def email_lookup(runtime, email: str) -> str:
    return keyed_hash(_secret(runtime), "email", email)


def holder_lookup(runtime, holder: Holder) -> str:
    return keyed_hash(_secret(runtime), "holder", holder.name, holder.date_of_birth, holder.sex)


def clean_email(raw: str) -> str:
    email = norm_text(raw).lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise AccountError("error.email")
    return email


# --- challenges -------------------------------------------------------------------------------
def new_challenge(session, purpose: str) -> str:
    nonce = token()
    session.execute(challenges.insert().values(nonce=nonce, purpose=purpose, created_at=now()))
    return nonce


def use_challenge(session, nonce: str, purpose: str) -> bool:
    row = session.execute(sa.select(challenges).where(challenges.c.nonce == nonce)).first()
    if row is None or row.purpose != purpose or row.used_at is not None:
        return False
    if aware(row.created_at) < now() - timedelta(minutes=CHALLENGE_MINUTES):
        return False
    done = session.execute(
        challenges.update().where(challenges.c.nonce == nonce, challenges.c.used_at.is_(None)).values(used_at=now())
    )
    return done.rowcount == 1


# --- registration -----------------------------------------------------------------------------
# Order: e-mail address, then the link (proves the address), then the card's signature, then the password.
# The address is proven before anyone is asked for a card signature, so a typo or an address that already
# has an account never costs a signature; the link is spent only when the password is saved, so opening it
# (a mail scanner, a second tap, another device) changes nothing; it can be sent again, within RESEND limits.
RESEND_WINDOW = timedelta(minutes=10)
RESEND_MAX = 3  # links per registration within RESEND_WINDOW (plus the per-address web limit REGISTER)


def start_registration(runtime, session, email_raw: str, language: str) -> str:
    """Sends the link that continues the registration; returns "sent" or "too_soon".

    Every address gets the same answer ("check your e-mail"), so the page says nothing about accounts: an
    address with an account and a password gets a password-reset link instead; one whose account never got
    a password (registered before links were kept) gets a link straight to choosing it, no second signature.
    """
    email = clean_email(email_raw)
    lookup = email_lookup(runtime, email)
    person = session.execute(sa.select(applicants).where(applicants.c.email_lookup == lookup)).first()
    if person is not None and person.password_hash is not None:
        request_password_reset(runtime, session, email)
        return "sent"
    registration = session.execute(
        sa.select(registrations)
        .where(registrations.c.email_lookup == lookup, registrations.c.completed_at.is_(None))
        .order_by(registrations.c.created_at.desc())
    ).first()
    if registration is None:
        reg_id = person.id if person is not None else new_id()
        with personal(session, reg_id):  # the id the account will have: erasing the person reaches the address
            session.execute(
                registrations.insert().values(
                    id=reg_id, email=email, email_lookup=lookup, language=language, created_at=now()
                )
            )
    else:
        reg_id = registration.id
        recent = session.execute(
            sa.select(sa.func.count())
            .select_from(registration_links)
            .where(
                registration_links.c.registration_id == reg_id, registration_links.c.created_at > now() - RESEND_WINDOW
            )
        ).scalar()
        if recent >= RESEND_MAX:
            return "too_soon"
        session.execute(registrations.update().where(registrations.c.id == reg_id).values(language=language))
    value = token()
    expires = now() + timedelta(hours=EMAIL_LINK_HOURS)
    session.execute(
        registration_links.insert().values(
            token_hash=token_hash(value), registration_id=reg_id, created_at=now(), expires_at=expires
        )
    )
    runtime.emit(
        session,
        "applicant.email_verification_requested",
        {
            "applicant_id": reg_id,
            "email": email,
            "language": language,
            "verify_url": _link(runtime, f"/register/verify/{value}"),
            "expires_at": expires,
        },
        correlation_id=reg_id,
    )
    return "sent"


@dataclass(frozen=True)
class RegistrationStep:
    """Where a registration link stands: "sign" (the card has not signed yet), "password", or "done"."""

    step: str
    registration_id: str
    email: str
    language: str
    name: str | None = None


def registration_step(session, value: str) -> RegistrationStep:
    """Reads the link without spending it (GET may run any number of times)."""
    row = session.execute(
        sa.select(registration_links, registrations)
        .join(registrations, registrations.c.id == registration_links.c.registration_id)
        .where(registration_links.c.token_hash == token_hash(value or ""))
    ).first()
    if row is None or aware(row.expires_at) < now():
        raise AccountError("account.link_invalid")
    person = get(session, row.registration_id)
    if row.used_at is not None or row.completed_at is not None or (person is not None and person.password_hash):
        return RegistrationStep("done", row.registration_id, row.email, row.language)
    if person is None:
        return RegistrationStep("sign", row.registration_id, row.email, row.language)
    return RegistrationStep("password", row.registration_id, row.email, row.language, name=person.name)


def start_registration_signature(runtime, session, value: str) -> str:
    """The registration statement to sign with the card, for the address the link proved; the signing code."""
    step = registration_step(session, value)
    if step.step != "sign":
        raise AccountError("account.link_invalid")
    nonce = new_challenge(session, "register")
    # The e-mail address the account will be bound to is part of what the card signs, and the signer
    # shows it (in the description and the statement): a signature cannot be reused for another address.
    statement = canonical.statement(
        "registration",
        nonce=nonce,
        origin=runtime.settings.public_url,
        purpose="register an account on Zairyu",
        email=step.email,
        issued_at=now().isoformat(),
    )
    return signing_requests.create(
        runtime,
        session,
        purpose="register",
        content=statement,
        applicant_id=None,
        description=f"Zairyu: register an account for {step.email} (registration statement)",
        extra={"email": step.email, "language": step.language, "nonce": nonce, "registration_id": step.registration_id},
    )


@signing_requests.completion("register")
def _complete_registration(runtime, session, row, cms_der: bytes) -> dict:
    extra = signing_requests.extra_of(row)
    if not use_challenge(session, extra["nonce"], "register"):
        return {"ok": False, "error": "register.challenge_expired"}
    verdict = ports(runtime).signing.verify_cms(
        signing_requests.content_of(row),
        cms_der,
        expected_holder=None,
        language=signing_requests.signer_language(session, row),
    )
    if not verdict.valid:
        return {"ok": False, "error": "signing.invalid", "reason": verdict.reason, "message": verdict.message}
    if _signed_email(signing_requests.content_of(row)) != extra["email"]:
        return {"ok": False, "error": "register.email_mismatch"}  # the account gets only the address signed for
    holder = Holder.from_evidence(verdict.evidence)
    applicant_id = extra["registration_id"]
    if get(session, applicant_id) is not None:  # a second code of the same registration, signed too
        return {"ok": True, "applicant_id": applicant_id}
    lookup_email = email_lookup(runtime, extra["email"])
    if session.execute(sa.select(applicants.c.id).where(applicants.c.email_lookup == lookup_email)).first():
        return {"ok": False, "error": "register.email_taken"}
    if session.execute(
        sa.select(applicants.c.id).where(applicants.c.holder_lookup == holder_lookup(runtime, holder))
    ).first():
        # A renewed card of an existing account: log in and re-bind instead of a second account.
        return {"ok": False, "error": "register.already_registered"}
    with personal(session, applicant_id):
        session.execute(
            applicants.insert().values(
                id=applicant_id,
                email=extra["email"],
                email_lookup=lookup_email,
                language=extra["language"],
                email_verified_at=now(),  # the link proved the address before the card signed
                name=holder.name,
                date_of_birth=holder.date_of_birth,
                sex=holder.sex,
                address=holder.address,
                cert_serial=str(verdict.evidence.get("certificate_serial", "")),
                cert_issuer=str(verdict.evidence.get("issuer", "")),
                holder_lookup=holder_lookup(runtime, holder),
                created_at=now(),
            )
        )
    return {"ok": True, "applicant_id": applicant_id}


def finish_registration(runtime, session, value: str, password: str) -> str:
    """Saves the password: only now is the link spent (every link of this registration)."""
    step = registration_step(session, value)
    if step.step != "password":
        raise AccountError("account.link_invalid")
    problem = passwords.password_problem(password)
    if problem:
        raise AccountError(problem)
    spent = session.execute(
        registration_links.update()
        .where(registration_links.c.registration_id == step.registration_id, registration_links.c.used_at.is_(None))
        .values(used_at=now())
    )
    if spent.rowcount == 0:  # a concurrent save won
        raise AccountError("account.link_invalid")
    session.execute(registrations.update().where(registrations.c.id == step.registration_id).values(completed_at=now()))
    person = get(session, step.registration_id)
    session.execute(
        applicants.update()
        .where(applicants.c.id == person.id)
        .values(
            password_hash=passwords.hash_password(password),
            failed_logins=0,
            locked_until=None,
            email_verified_at=sa.func.coalesce(applicants.c.email_verified_at, now()),
            session_epoch=applicants.c.session_epoch + 1,
        )
    )
    runtime.emit(
        session,
        "applicant.registered",
        {
            "applicant_id": person.id,
            "email": person.email,
            "language": person.language,
            "display_name": person.name[:200],
        },
        correlation_id=person.id,
    )
    return person.id


def _signed_email(content: bytes) -> str | None:
    try:
        doc = json.loads(content)
    except ValueError:
        return None
    return doc.get("email") if isinstance(doc, dict) else None


def _link(runtime, path: str) -> str:
    return runtime.settings.public_url.rstrip("/") + path


def _new_token(session, applicant_id: str, purpose: str, lifetime: timedelta) -> tuple[str, object]:
    value = token()
    expires = now() + lifetime
    session.execute(
        tokens.insert().values(
            token_hash=token_hash(value), applicant_id=applicant_id, purpose=purpose, expires_at=expires
        )
    )
    return value, expires


def _use_token(session, value: str, purpose: str) -> str:
    row = session.execute(sa.select(tokens).where(tokens.c.token_hash == token_hash(value or ""))).first()
    if row is None or row.purpose != purpose or row.used_at is not None or aware(row.expires_at) < now():
        raise AccountError("account.link_invalid")
    session.execute(tokens.update().where(tokens.c.token_hash == row.token_hash).values(used_at=now()))
    return row.applicant_id


def session_epoch(session, applicant_id: str) -> int | None:
    return session.execute(sa.select(applicants.c.session_epoch).where(applicants.c.id == applicant_id)).scalar()


def end_sessions(session, applicant_id: str) -> int | None:
    """Every session of the account ends (the cookie is client-side: a copy would outlive a mere clear): the
    account's session generation moves on. Returns the new generation, which the one session that made the
    change may take to stay signed in (``applicant_session.keep_signed_in``); every other ends at its next
    request (OWASP ASVS 4.0.3 V3.3.3: other sessions end after a password change)."""
    session.execute(
        applicants.update().where(applicants.c.id == applicant_id).values(session_epoch=applicants.c.session_epoch + 1)
    )
    return session_epoch(session, applicant_id)


def get(session, applicant_id: str):
    return session.execute(sa.select(applicants).where(applicants.c.id == applicant_id)).first()


def set_password(runtime, session, value: str, password: str, purpose: str = "set_password") -> str:
    problem = passwords.password_problem(password)
    if problem:
        raise AccountError(problem)
    applicant_id = _use_token(session, value, purpose)
    person = get(session, applicant_id)
    first_time = person.password_hash is None
    session.execute(
        applicants.update()
        .where(applicants.c.id == applicant_id)
        .values(
            password_hash=passwords.hash_password(password),
            failed_logins=0,
            locked_until=None,
            session_epoch=applicants.c.session_epoch + 1,
        )
    )
    if first_time:
        runtime.emit(
            session,
            "applicant.registered",
            {
                "applicant_id": applicant_id,
                "email": person.email,
                "language": person.language,
                "display_name": person.name[:200],
            },
            correlation_id=applicant_id,
        )
    else:
        tell_sign_in_changed(runtime, session, applicant_id, "password_changed")
    return applicant_id


def request_password_reset(runtime, session, email_raw: str) -> None:
    """Always looks the same from outside, whether or not the address has an account."""
    try:
        email = clean_email(email_raw)
    except AccountError:
        return
    person = session.execute(
        sa.select(applicants).where(applicants.c.email_lookup == email_lookup(runtime, email))
    ).first()
    if person is None or person.email_verified_at is None:
        return
    value, expires = _new_token(session, person.id, "reset_password", timedelta(minutes=RESET_LINK_MINUTES))
    runtime.emit(
        session,
        "applicant.password_reset_requested",
        {
            "applicant_id": person.id,
            "email": person.email,
            "language": person.language,
            "reset_url": _link(runtime, f"/login/reset/{value}"),
            "expires_at": expires,
        },
        correlation_id=person.id,
    )


# --- login ------------------------------------------------------------------------------------
# The sign-in state of an applicant, changed only by zairyu_shared.credentials' conditional statements
# (failures counted in SQL, a TOTP step taken once), under the one lockout policy sized by the settings.
SIGN_IN = credentials.SignInColumns(
    key=applicants.c.id,
    failures=applicants.c.failed_logins,
    locked_until=applicants.c.locked_until,
    last_step=applicants.c.totp_last_step,
)


def lockout(settings) -> credentials.LockoutPolicy:
    return credentials.LockoutPolicy(
        max_failures=settings.lockout_after, lock_for=timedelta(minutes=settings.lockout_minutes)
    )


_ERRORS = {credentials.Outcome.FAILED: "login.failed", credentials.Outcome.LOCKED: "login.locked"}


def password_login(runtime, session, email_raw: str, password: str):
    """(applicant row, None) when e-mail and password match, else (None, error key).

    Failures are returned, not raised, so the caller's transaction commits the failure counter and
    the lock. Unknown address and wrong password give the same key (no account enumeration).
    """
    try:
        email = clean_email(email_raw)
    except AccountError:
        email = ""
    person = (
        email
        and session.execute(
            sa.select(applicants).where(applicants.c.email_lookup == email_lookup(runtime, email))
        ).first()
    )
    # With a second factor the failure count is cleared only by a right code (check_totp), or each
    # password login would reset the count of guessed codes.
    outcome = credentials.check_password(
        session,
        SIGN_IN,
        person.id if person else None,
        stored=person.password_hash if person else None,
        password=password,
        locked_until=person.locked_until if person else None,
        at=now(),
        policy=lockout(runtime.settings),
        code_follows=bool(person and person.totp_secret),
    )
    if outcome is not credentials.Outcome.SIGNED_IN:
        return None, _ERRORS[outcome]
    if not person:  # cannot happen: no account never signs in
        return None, "login.failed"
    if person.email_verified_at is None:
        return None, "login.unverified"
    if passwords.needs_rehash(person.password_hash):
        session.execute(
            applicants.update()
            .where(applicants.c.id == person.id)
            .values(password_hash=passwords.hash_password(password))
        )
    return person, None


def check_totp(session, applicant_id: str, code: str, settings) -> bool:
    """A valid code, used once: a code already accepted (or an older one) is refused, even when two
    requests race with it. A wrong code counts towards the same lockout as a wrong password:
    otherwise whoever knows the password could guess codes from many addresses.
    """
    person = get(session, applicant_id)
    return (
        credentials.check_code(
            session,
            SIGN_IN,
            applicant_id,
            secret=person.totp_secret,
            code=code,
            locked_until=person.locked_until,
            at=now(),
            policy=lockout(settings),
        )
        is credentials.Outcome.SIGNED_IN
    )


def enable_totp(runtime, session, proof: Reauthenticated, secret: str, code: str) -> int | None:
    """Turns the authenticator code on with the app whose ``secret`` the page showed and whose ``code`` came back.

    ``proof``: the person proved again who they are in this request (``reauthenticate``: the password, or the card
    linked for logging in; domain/reauthentication.py): a stolen session must not put its own app in as the
    second factor and lock the person out (OWASP ASVS 4.0.3 V3.7.1). Another app in place of a live one only
    through turning it off first (``disable_totp``). Every other session of the account ends (V3.3.3, as for the
    other changes of how one signs in); returns the new session generation, which the browser that did it takes.
    The person is told (``tell_sign_in_changed``)."""
    person = get(session, proof.applicant_id)
    if person is None:
        raise AccountError("account.link_invalid")
    if person.totp_secret:
        raise AccountError("totp.already_on")
    if not passwords.totp_ok(secret, code):
        raise AccountError("totp.wrong_code")
    with personal(session, person.id):
        session.execute(applicants.update().where(applicants.c.id == person.id).values(totp_secret=secret))
    tell_sign_in_changed(runtime, session, person.id, "two_step_on")
    return end_sessions(session, person.id)


def disable_totp(runtime, session, proof: Reauthenticated) -> int | None:
    """Turns the authenticator code off; ``proof``: the person proved again who they are in this request
    (``reauthenticate``; domain/reauthentication.py). Every other session of the account ends (a session that
    was open must not outlive the second factor it was opened with); returns the new session generation, which
    the browser that did it takes. The person is told, when it was on (``tell_sign_in_changed``)."""
    person = get(session, proof.applicant_id)
    session.execute(applicants.update().where(applicants.c.id == proof.applicant_id).values(totp_secret=None))
    if person is not None and person.totp_secret:
        tell_sign_in_changed(runtime, session, proof.applicant_id, "two_step_off")
    return end_sessions(session, proof.applicant_id)


def tell_sign_in_changed(
    runtime, session, applicant_id: str, change: str, *, previous_email: str | None = None
) -> None:
    """Stages ``applicant.sign_in_changed`` in the transaction that makes the change (so the person is told if and
    only if it commits): notify writes to the account's address, in the person's language, what changed and when
    (Japan time), and what to do if it was not them; a new e-mail address is told to the previous one (OWASP
    ASVS 4.0.3 V2.2.3). Call it after the change is written: the address told is the account's address now. Never a
    secret in it (no password, code, authenticator key, card certificate or link). An account without an address
    (closed) is told nothing."""
    person = get(session, applicant_id)
    if person is None or not person.email:
        return
    payload = {
        "applicant_id": person.id,
        "change": change,
        "changed_at": now().astimezone(JAPAN),
        "language": person.language,
        "email": person.email,
    }
    if previous_email is not None:
        payload["previous_email"] = previous_email
    runtime.emit(session, "applicant.sign_in_changed", payload, correlation_id=person.id)


def _auth_subject(
    runtime, session, auth_token: dict, nonce: str, purpose: str = "card_login"
) -> tuple[str | None, str | None]:
    if not use_challenge(session, nonce, purpose):
        return None, "login.challenge_expired"
    verdict = ports(runtime).signing.verify_auth_token(auth_token, runtime.settings.public_url, nonce)
    if not verdict.valid:
        return None, "login.card_invalid"
    subject = str(verdict.evidence.get("subject_cn") or verdict.evidence.get("certificate_serial") or "")
    return (subject, None) if subject else (None, "login.card_invalid")


# --- proving it is the person again (domain/reauthentication.py) ------------------------------------
@dataclass(frozen=True)
class Reauthenticated:
    """Proof, for this request only, that the signed-in person proved again who they are (and how)."""

    applicant_id: str
    way: str


def reauth_ways(person, *, card: bool = True) -> reauthentication.Ways:
    """How ``person`` can prove again who they are; ``card`` False: by the password only (linking or unlinking
    the card itself, ``reauthentication.by_password``)."""
    ways = reauthentication.ways(
        has_password=person.password_hash is not None,
        has_totp=bool(person.totp_secret),
        has_card_login=person.auth_subject is not None,
    )
    return ways if card else reauthentication.by_password(ways)


def reauthenticate(
    runtime,
    session,
    applicant_id: str,
    *,
    password: str = "",
    code: str = "",
    card_token: dict | None = None,
    nonce: str = "",
) -> tuple[Reauthenticated | None, str | None]:
    """(proof, None) or (None, error key). A wrong password or code counts towards the sign-in's lockout (an
    open session must not become a way to guess the password), so errors are returned, not raised: the caller's
    transaction commits the count. A card's challenge is spent either way."""
    person = get(session, applicant_id)
    if person is None:
        return None, "account.link_invalid"
    ways = reauth_ways(person)
    way = reauthentication.chosen(ways, card_token_given=bool(card_token))
    if way is None:
        return None, "reauth.card_required" if ways.card else "reauth.unavailable"
    if way == reauthentication.CARD:
        subject, error = _auth_subject(runtime, session, card_token or {}, nonce, purpose="reauth")
        if error:
            return None, error
        if subject != person.auth_subject:
            return None, "reauth.other_card"
        return Reauthenticated(person.id, way), None
    if not password:  # nothing typed (the card button pressed first, say): not a guess, so not counted
        return None, "reauth.password_missing"
    policy, at = lockout(runtime.settings), now()
    if ways.code:
        outcome = credentials.sign_in(
            session,
            SIGN_IN,
            person.id,
            stored=person.password_hash,
            password=password,
            secret=person.totp_secret,
            code=code,
            locked_until=person.locked_until,
            at=at,
            policy=policy,
        )
    else:
        outcome = credentials.check_password(
            session,
            SIGN_IN,
            person.id,
            stored=person.password_hash,
            password=password,
            locked_until=person.locked_until,
            at=at,
            policy=policy,
        )
    if outcome is credentials.Outcome.LOCKED:
        return None, "login.locked"
    if outcome is not credentials.Outcome.SIGNED_IN:
        return None, "reauth.wrong_password_or_code" if ways.code else "reauth.wrong_password"
    return Reauthenticated(person.id, way), None


def card_login(runtime, session, auth_token: dict, nonce: str):
    """Web eID-style login: (applicant, None) or (None, error key).

    Errors are returned, not raised, so the nonce stays used even when the attempt fails.
    """
    subject, error = _auth_subject(runtime, session, auth_token, nonce)
    if error:
        return None, error
    person = session.execute(sa.select(applicants).where(applicants.c.auth_subject == subject)).first()
    return (person, None) if person is not None else (None, "login.card_not_linked")


def link_card_login(
    runtime, session, proof: Reauthenticated, auth_token: dict, nonce: str
) -> tuple[int | None, str | None]:
    """Binds the card's authentication certificate to the account for logging in: (new session generation,
    None), (None, None) when this card was linked already (nothing changes), or (None, error key).

    ``proof``: the person proved again who they are in this request, by the password (``reauthenticate``;
    domain/reauthentication.by_password): a stolen session must not add its own card as a way back in. The
    card's challenge is spent either way (errors are returned, not raised). Linking a card (another one in place
    of the linked one too) ends every other session of the account, and the person is told."""
    subject, error = _auth_subject(runtime, session, auth_token, nonce)
    if error:
        return None, error
    applicant_id = proof.applicant_id
    other = session.execute(sa.select(applicants.c.id).where(applicants.c.auth_subject == subject)).first()
    if other is not None and other.id != applicant_id:
        return None, "login.card_linked_elsewhere"
    if other is not None:  # this very card is already linked: nothing changes, no session ends
        return None, None
    session.execute(applicants.update().where(applicants.c.id == applicant_id).values(auth_subject=subject))
    tell_sign_in_changed(runtime, session, applicant_id, "card_linked")
    return end_sessions(session, applicant_id), None


def unlink_card_login(runtime, session, proof: Reauthenticated) -> int | None:
    """The card no longer logs in to the account; ``proof`` as for linking. Refused while the card is the
    account's only way in (domain/reauthentication.may_unlink_card). Every other session of the account ends
    (one opened with the card must not outlive it); returns the new session generation. The person is told."""
    person = get(session, proof.applicant_id)
    if person is None or person.auth_subject is None:
        raise AccountError("card_login.not_linked")
    if not reauthentication.may_unlink_card(reauth_ways(person)):
        raise AccountError("reauth.only_way_in")
    session.execute(applicants.update().where(applicants.c.id == person.id).values(auth_subject=None))
    tell_sign_in_changed(runtime, session, person.id, "card_unlinked")
    return end_sessions(session, person.id)


# --- re-binding a renewed card ----------------------------------------------------------------
def start_rebind(runtime, session, applicant_id: str, name_changed: bool) -> str:
    nonce = new_challenge(session, "rebind")
    statement = canonical.statement(
        "rebind",
        nonce=nonce,
        applicant_id=applicant_id,
        origin=runtime.settings.public_url,
        purpose="bind a renewed My Number Card to my Zairyu account",
        name_changed=bool(name_changed),
        issued_at=now().isoformat(),
    )
    return signing_requests.create(
        runtime,
        session,
        purpose="rebind",
        content=statement,
        applicant_id=applicant_id,
        description="Zairyu: bind your renewed card to your account",
        extra={"nonce": nonce, "name_changed": bool(name_changed)},
    )


@signing_requests.completion("rebind")
def _complete_rebind(runtime, session, row, cms_der: bytes) -> dict:
    extra = signing_requests.extra_of(row)
    if not use_challenge(session, extra["nonce"], "rebind"):
        return {"ok": False, "error": "register.challenge_expired"}
    person = get(session, row.applicant_id)
    verdict = ports(runtime).signing.verify_cms(
        signing_requests.content_of(row), cms_der, expected_holder=None, language=person.language
    )
    if not verdict.valid:
        return {"ok": False, "error": "signing.invalid", "reason": verdict.reason, "message": verdict.message}
    holder = Holder.from_evidence(verdict.evidence)
    same_person = holder.date_of_birth == person.date_of_birth and holder.sex == person.sex
    # Documented case: a name change (marriage, corrected romanisation) is accepted only when the applicant
    # declared it; date of birth and sex must still match. The address may change freely (a move).
    if not same_person or (holder.name != person.name and not extra.get("name_changed")):
        return {"ok": False, "error": "rebind.holder_mismatch"}
    with personal(session, person.id):
        session.execute(
            applicants.update()
            .where(applicants.c.id == person.id)
            .values(
                name=holder.name,
                address=holder.address,
                holder_lookup=holder_lookup(runtime, holder),
                cert_serial=str(verdict.evidence.get("certificate_serial", "")),
                cert_issuer=str(verdict.evidence.get("issuer", "")),
                auth_subject=None,  # the old card's login certificate is gone with the old card
            )
        )
    tell_sign_in_changed(runtime, session, person.id, "card_renewed")  # whose card the account is bound to
    return {"ok": True, "applicant_id": person.id, "name_changed": holder.name != person.name}


def expected_holder(person) -> dict:
    return {"name": person.name, "date_of_birth": person.date_of_birth, "sex": person.sex, "address": person.address}
