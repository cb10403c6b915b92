"""The embedded run's demo: a test PKI the verifier trusts, and a DEMO card that signs in-process.

``seed_demo(runtime)`` creates ``$ZAIRYU_DEMO_DIR/pki`` if missing (re-issuing its CRLs when they
are near their nextUpdate) and prints the demo holder's PIN and password. The ``/demo/sign``
blueprint is registered only when ``settings.embedded`` is true: it signs with the simulated
card logic behind the ``Signer`` interface, so the whole flow works in a browser without a
reader. Nothing here exists in the real mode.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
import unicodedata
from pathlib import Path

from cryptography import x509
from flask import Blueprint, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema
from wtforms.validators import ValidationError as CsrfValidationError

from signing.adapters import signing_requests
from signing.adapters.inprocess_card import inprocess_signer
from signing.bootstrap import ports
from signing.domain.jpki_card import JpkiCard
from signing.domain.signer_errors import SignerError
from signing.domain.signer_messages import describe
from signing.entrypoints.internal_api import Base64Bytes
from signing.settings import SigningSettings
from signing.testpki import TestPki, create_test_pki, load_test_pki
from signing.testpki.card import card_for
from signing.testpki.crl import build_crl
from signing.testpki.model import Holder
from zairyu_shared.runtime import Runtime
from zairyu_shared.web import current_runtime

REFRESH_BEFORE = dt.timedelta(hours=12)  # re-issue demo CRLs this long before their nextUpdate
REVOKED_AGO = dt.timedelta(days=10)
REASON_AFFILIATION_CHANGED = 3


def demo_pki_dir(settings) -> Path:
    return Path(settings.demo_dir) / "pki"


def demo_environment(pki_dir: Path) -> dict[str, str]:
    """What the signing service must be started with to trust the demo PKI."""
    from .service import demo_environment as for_demo_dir  # one definition, used by zairyu-run too

    return for_demo_dir(pki_dir.parent)


def refresh_crls(pki: TestPki, now: dt.datetime | None = None) -> list[Path]:
    """Re-issue the trusted CAs' CRLs (same CA keys, revoked holders listed) when near expiry."""
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    written = []
    for ca in pki.cas:
        if not ca.trusted or ca.crl_path is None:
            continue
        if ca.crl_path.exists():
            current = x509.load_der_x509_crl(ca.crl_path.read_bytes())
            if current.next_update_utc and current.next_update_utc - now > REFRESH_BEFORE:
                continue
        revoked = [
            (cert.serial, now - REVOKED_AGO, REASON_AFFILIATION_CHANGED)
            for holder in pki.holders_of_kind("revoked")
            for cert in (holder.sign, holder.auth)
            if cert.issuer_id == ca.id
        ]
        der = build_crl(
            issuer=ca.cert,
            issuer_key=ca.key,
            this_update=now - dt.timedelta(minutes=5),
            next_update=now + dt.timedelta(days=1),
            number=int(now.timestamp()),
            revoked=revoked,
        )
        tmp = ca.crl_path.with_suffix(".tmp")
        tmp.write_bytes(der)
        tmp.replace(ca.crl_path)  # the CRL index sees one complete file or the old one
        written.append(ca.crl_path)
    return written


def ensure_demo_pki(pki_dir: Path) -> tuple[TestPki, bool]:
    if (pki_dir / "manifest.json").exists():
        pki = load_test_pki(pki_dir)
        refresh_crls(pki)
        return pki, False
    return create_test_pki(pki_dir), True


def keep_crls_fresh(runtime, every: float = 3600.0) -> None:
    """Embedded run: re-issue the demo CRLs hourly, so a demo left running does not go stale."""
    if ports(runtime).demo_crl_refresher:
        return
    pki_dir = demo_pki_dir(runtime.settings)

    def loop():
        while not runtime.stop_event.wait(every):
            if (pki_dir / "manifest.json").exists():
                refresh_crls(load_test_pki(pki_dir))

    if (pki_dir / "manifest.json").exists():
        refresh_crls(load_test_pki(pki_dir))  # zairyu-run seeds once; later starts refresh here
    thread = threading.Thread(target=loop, name="signing-demo-crls", daemon=True)
    thread.start()
    ports(runtime).demo_crl_refresher = thread


def display_name(holder) -> str:
    return " ".join(unicodedata.normalize("NFKC", holder.attributes.get("name", holder.id)).split())


def seed_demo(runtime) -> None:
    pki_dir = demo_pki_dir(runtime.settings)
    pki, created = ensure_demo_pki(pki_dir)
    holder = pki.first("valid")
    print(f"signing: demo test PKI {'created' if created else 'reused'} at {pki.root}")
    print(
        f"signing: DEMO card holder {display_name(holder)} ({holder.id}): "
        f"signature password {holder.password}, authentication PIN {holder.pin}"
    )
    print(
        f"signing: other demo holders (revoked, expired, wrong issuer...) and their secrets: "
        f"{pki.root / 'manifest.json'}; sign in the browser at {runtime.settings.public_url}/demo/sign"
    )
    wanted = demo_environment(pki_dir)
    settings = runtime.settings
    actual = {
        "ZAIRYU_TRUST_PINS": settings.trust_pins,
        "ZAIRYU_TRUST_DIR": settings.trust_dir,
        "ZAIRYU_CRL_DIR": settings.crl_dir,
        "ZAIRYU_SIGN_POLICY_OID": settings.sign_policy_oid,
    }
    # The verifier's trust settings only (demo_environment also asks for the demo card, which trust does not need).
    if any(_normal(value) != _normal(wanted[k]) for k, value in actual.items()):
        print(
            "signing: WARNING the verifier does not trust the demo PKI; start signing with "
            + " ".join(f"{k}={wanted[k]}" for k in actual)
        )


def _normal(value: str) -> str:
    prefix, _, path = value.rpartition(":") if value.startswith("test:") else ("", "", value)
    return prefix + str(Path(path).resolve()) if "/" in path else value


class DemoCards:
    """One simulated card per demo holder, kept for the process (PIN counters persist like a card's)."""

    def __init__(self, pki_dir: Path):
        self.pki_dir = pki_dir
        self._pki: TestPki | None = None
        self._cards: dict[str, JpkiCard] = {}
        self._lock = threading.Lock()

    @property
    def pki(self) -> TestPki:
        if self._pki is None:
            self._pki, _ = ensure_demo_pki(self.pki_dir)
        return self._pki

    def holder(self, holder_id: str | None) -> Holder:
        return self.pki.holder(holder_id) if holder_id else self.pki.first("valid")

    def sign(self, holder_id: str | None, content: bytes, password: str) -> tuple[Holder, bytes]:
        holder = self.holder(holder_id)
        with self._lock:  # a card does one thing at a time
            card = self._cards.get(holder.id)
            if card is None:
                card = self._cards[holder.id] = card_for(self.pki, holder)
            return holder, inprocess_signer(card).sign(content, password)


_cards_lock = threading.Lock()


def demo_cards(runtime) -> DemoCards:
    held = ports(runtime)
    with _cards_lock:  # two first requests at once must share one set of cards
        if held.demo_cards is None:
            held.demo_cards = DemoCards(demo_pki_dir(runtime.settings))
    return held.demo_cards


class DemoSignRequest(Schema):
    class Meta:
        unknown = RAISE

    bytes_b64 = Base64Bytes(load_default=None)
    code = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Za-z0-9_-]{4,100}$"))
    server = fields.String(load_default=None, validate=validate.Regexp(r"^https?://\S+$"))
    password = fields.String(required=True, validate=validate.Length(min=1, max=64))
    holder = fields.String(load_default=None, validate=validate.Length(max=64))
    language = fields.String(load_default="en", validate=validate.OneOf(["en", "ja"]))

    @pre_load
    def _normalise_code(self, data, **_kw):
        # A signing-request URL ({server}/api/v1/signing-requests/{code}) stands for server + code.
        url = data.get("url") if isinstance(data, dict) else None
        if url is not None:
            if not isinstance(url, str) or "/api/v1/signing-requests/" not in url:
                raise ValidationError("expected {server}/api/v1/signing-requests/{code}", "url")
            server, _, code = url.partition("/api/v1/signing-requests/")
            data = {**{k: v for k, v in data.items() if k != "url"}, "server": server, "code": code.strip("/")}
        if isinstance(data.get("code"), str):
            data = {**data, "code": signing_requests.normalise_code(data["code"])}
        return data

    @validates_schema
    def _one_source(self, data, **_kw):
        if (data.get("bytes_b64") is None) == (data.get("code") is None):
            raise ValidationError("give either bytes_b64 or code (with server)", "_schema")


class DemoError(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(body.get("message"))
        self.status = status
        self.body = body


def perform(runtime, req: dict) -> dict:
    """Sign bytes, or redeem a signing-request code against intake, with a DEMO card."""
    cards = demo_cards(runtime)
    try:
        holder = cards.holder(req["holder"])
    except KeyError:
        raise DemoError(400, {"error": "unknown_holder", "message": f"no demo holder {req['holder']!r}"}) from None
    signing_request = None
    server = req["server"] or runtime.settings.demo_intake_url
    if req["code"]:
        try:
            signing_request = signing_requests.fetch(server, req["code"])
        except signing_requests.SigningRequestError as exc:
            raise DemoError(502, {"error": "signing_request", "message": str(exc)}) from None
        content = signing_request.content
    else:
        content = req["bytes_b64"]
    try:
        holder, signature = cards.sign(holder.id, content, req["password"])
    except SignerError as exc:
        raise DemoError(422, {"error": exc.code, **describe(exc, req["language"])}) from None
    cert = holder.sign.cert
    out = {
        "demo": True,
        "holder": holder.id,
        "certificate": {"serial": f"{cert.serial_number:X}", "issuer": cert.issuer.rfc4514_string()},
        "content_sha256": hashlib.sha256(content).hexdigest(),
        "signature_b64": base64.b64encode(signature).decode(),
        "posted": False,
    }
    if signing_request is not None:
        out["description"] = signing_request.what  # in the applicant's language when intake says it
        try:
            out["server_answer"] = signing_requests.post_signature(server, req["code"], signature)
        except signing_requests.SigningRequestError as exc:
            raise DemoError(
                502, {"error": "signing_request", "message": f"signed, but posting failed: {exc}"}
            ) from None
        out["posted"] = True
    return out


bp = Blueprint(
    "demo", __name__, template_folder="../templates", static_folder="../static", static_url_path="/demo/static"
)


def _runtime() -> Runtime[SigningSettings]:
    return current_runtime(SigningSettings)


def _page(status: int = 200, **context):
    cards = demo_cards(_runtime())
    return render_template(
        "demo_sign.html",
        holders=cards.pki.holders,
        default_holder=cards.holder(None).id,
        intake_url=_runtime().settings.demo_intake_url,
        csrf_token=generate_csrf(),
        display_name=display_name,
        **context,
    ), status


@bp.get("/demo/sign")
def demo_sign_page():
    # intake's waiting page links here with its code (?code=): on a phone the person cannot copy it across
    return _page(code=request.args.get("code", "")[:40])


@bp.post("/demo/sign")
def demo_sign():
    as_json = request.is_json  # a cross-site form cannot send application/json without CORS
    if as_json:
        raw = request.get_json(silent=True)
        if not isinstance(raw, dict):
            return jsonify(error="invalid_request", message="the body must be a JSON object", fields={}), 400
    else:
        try:
            validate_csrf(request.form.get("csrf_token"))
        except (CsrfValidationError, CSRFError):
            return _page(400, error="The form expired. Please try again.")
        raw = {k: v for k, v in request.form.items() if k in ("code", "server", "holder", "password") and v != ""}
    try:
        req = DemoSignRequest().load(raw)
    except ValidationError as exc:
        if as_json:
            return jsonify(
                error="invalid_request", message="the request does not match the schema", fields=exc.messages
            ), 400
        return _page(
            400,
            error="Please check the form: "
            + "; ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in exc.messages.items()),
        )
    try:
        result = perform(_runtime(), req)
    except DemoError as exc:
        if as_json:
            return jsonify(exc.body), exc.status
        return _page(exc.status, error=exc.body.get("message"))
    if as_json:
        return jsonify(result)
    return _page(result=result)
