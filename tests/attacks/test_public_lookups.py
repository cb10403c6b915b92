"""Public lookups (issue 15, finding 2): walking receipt numbers, and every public lookup rate-limited.

Receipt numbers are sequential. The public check used to answer ``GET /verify?n=...`` to anyone, with no
rate limit on GET (only POST and the API had one): a walk listed every pending application and since
when. Now the answer needs the check code printed on the e-receipt, a bare number or a wrong code reads
exactly like a number that does not exist, and one per-address budget covers the page (GET and POST)
and the API. The class: every PUBLIC route of every service (tests/attacks/test_authz_matrix.py) is
either a lookup, and then it answers 429 under every method once its budget is spent, or is named
below with the reason it needs no per-address limit; a new public route fails until it is placed.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from attack_support import _fill_row, build_service_app, csrf_token, fresh_ip, runtime_of
from test_authz_matrix import MATRIX, PUBLIC

# Public routes that look a record up by what the caller sends: each must be rate-limited, every method.
LOOKUPS = {
    "intake": {"public.verify": "/verify?n=TKY-2026-000001", "api.receipt": "/api/v1/receipts/TKY-2026-000001"},
    "card-delivery": {
        "public.card_check": "/public/card-check?number=AB12345678CD&valid_until=2030-01-01",
        "public.card_status": "/public/card-status?number=AB12345678CD&valid_until=2030-01-01",
    },
    "review": {
        "stats.processing_days_json": "/api/v1/statistics/processing-days",
        "documents.status": "/public/coe/COE-0123456789ABCDEF",
    },
}
# Public routes that look nothing up, and why a per-address limit is not what guards them.
NOT_LOOKUPS = {
    "intake": {
        "public.home": "a page",
        "public.language": "a redirect",
        "healthz": "probe",
        "readyz": "probe",
        "metrics_endpoint": "metrics (no Ingress route)",
        "static": "files",
        "api.openapi": "the API document",
        "api.eligibility": "computes from the posted answers, reads no stored record",
        "auth.login": "LOGIN limit + lockout (test_bruteforce_logins)",
        "auth.card": "LOGIN limit",
        "auth.totp": "LOGIN limit + lockout",
        "auth.reset_request": "RESET limit",
        "api.session_login": "LOGIN limit + lockout",
        "register.start": "REGISTER limit",
        "api.registration": "REGISTER limit",
        "auth.logout": "ends the caller's own session",
        "api.session_logout": "ends the caller's own session",
        "signing.registered": "a page",
        "payments.webhook": "HMAC-signed by the provider, replay-proof",
        "org.apply": "REGISTER limit",
        "org.login": "LOGIN limit + lockout",
        "org.logout": "own session",
        "org_api.openapi": "the API document",
        "org_api.tokens": "LOGIN limit + lockout",
    },
    "review": {
        "healthz": "probe",
        "readyz": "probe",
        "metrics_endpoint": "metrics",
        "static": "files",
        "language": "sets a cookie",
        "auth.login": "login limit + lockout",
        "auth.logout": "own session",
        "api.openapi": "the API document",
        "documents.check": "checks the uploaded file's own signature; limited like the lookups",
        "documents.keys_json": "the published verification keys",
        "documents.key_pem": "one published key",
        "access.tree_heads": "signed tree heads, no entry (limited)",
        "access.keys": "the log's public keys",
        "access.consistency": "proofs between two heads, no entry (limited)",
    },
    "card-delivery": {
        "home": "a page",
        "healthz": "probe",
        "readyz": "probe",
        "metrics_endpoint": "metrics",
        "static": "files",
        "language": "sets a cookie",
        "signin.sign_in": "login limit + lockout",
        "signin.sign_out": "own session",
    },
    "notify": {"healthz": "probe", "readyz": "probe", "metrics_endpoint": "metrics", "static": "files"},
    "signing": {
        "healthz": "probe",
        "readyz": "probe",
        "metrics_endpoint": "metrics",
        "static": "files",
        "internal_api.openapi": "the API document",
        "demo.static": "files",
        "demo.demo_sign_page": "embedded demo only: signs with the printed DEMO card",
        "demo.demo_sign": "embedded demo only: signs with the printed DEMO card",
    },
}
NEUTRAL = "Nothing found. Check the receipt number and the check code printed on your e-receipt."


def test_every_public_route_is_a_limited_lookup_or_says_why_not():
    for service, routes in MATRIX.items():
        public = {endpoint for endpoint, kind in routes.items() if kind == PUBLIC}
        placed = set(LOOKUPS.get(service, {})) | set(NOT_LOOKUPS.get(service, {}))
        assert public == placed, (
            service,
            "unplaced public routes:",
            sorted(public - placed),
            "no longer public:",
            sorted(placed - public),
        )


def _client(app):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    return client


def _methods(app, endpoint: str) -> list[str]:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return sorted(rule.methods - {"OPTIONS"})  # HEAD too: a HEAD answered 200 / 404 would say as much


@pytest.mark.parametrize("service", sorted(LOOKUPS))
def test_every_public_lookup_answers_429_under_every_method_once_its_budget_is_spent(service, tmp_path):
    app = build_service_app(service, tmp_path)
    client = _client(app)
    token = csrf_token(client, "/verify") if service == "intake" else ""
    first_endpoint, first_url = next(iter(LOOKUPS[service].items()))
    codes = [client.get(first_url).status_code for _ in range(400)]
    assert 429 in codes, f"{service}: {first_endpoint} never limited in 400 requests"
    assert all(code == 429 for code in codes[codes.index(429) :])
    for endpoint, url in LOOKUPS[service].items():
        for method in _methods(app, endpoint):
            kw = {"data": {"csrf_token": token, "receipt_number": "TKY-2026-000002"}} if method == "POST" else {}
            status = client.open(url, method=method, **kw).status_code
            assert status == 429, f"{service}: {method} {url} answered {status} after the lookup budget was spent"
    # another address is not affected (the limit is per address, not global)
    assert _client(app).get(first_url).status_code != 429


def _received(app, numbers: list[str]) -> None:
    from intake.adapters.tables import applicants, applications

    rt = runtime_of(app)
    at = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
    with rt.engine.begin() as conn:
        for number in numbers:
            applicant_id = str(uuid.uuid4())
            conn.execute(
                applicants.insert().values(**_fill_row(applicants, {"id": applicant_id, "email_lookup": applicant_id}))
            )
            conn.execute(
                applications.insert().values(
                    **_fill_row(
                        applications,
                        {
                            "id": str(uuid.uuid4()),
                            "applicant_id": applicant_id,
                            "receipt_number": number,
                            "idempotency_key": str(uuid.uuid4()),
                            "provisional_number": f"P-{number}",
                            "status": "received",
                            "procedure": "extension",
                            "bureau": "tokyo",
                            "submitted_at": at,
                            "received_at": at,
                            "updated_at": at,
                        },
                    )
                )
            )


def _shape(body: str, number: str) -> str:
    """The page without what differs by request only: the number asked and the CSRF token."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", body).replace(number, "N")


def test_a_receipt_number_walk_is_stopped_and_never_learns_a_status(tmp_path):
    app = build_service_app("intake", tmp_path)
    numbers = [f"TKY-2026-{n:06d}" for n in range(1, 61)]
    _received(app, numbers[::2])  # every other number is a pending application
    walker = _client(app)
    token = csrf_token(walker, "/verify")  # one lookup of the budget spent on the empty form
    codes, shapes = [], set()
    for number in numbers:
        response = walker.get(f"/verify?n={number}")
        codes.append(response.status_code)
        if response.status_code == 200:
            body = response.get_data(as_text=True)
            assert NEUTRAL in body and "pending since" not in body and "no longer pending" not in body, number
            shapes.add(_shape(body, number))
    assert 429 in codes and codes.index(429) <= 29, codes
    assert len(shapes) == 1, "a pending number and a made-up one must read the same"
    # the API and the form answer from the same budget: no other door for the rest of the walk
    assert walker.get(f"/api/v1/receipts/{numbers[40]}").status_code == 429
    assert walker.post("/verify", data={"csrf_token": token, "receipt_number": numbers[40]}).status_code == 429
    # through the API, a fresh address and a wrong code: the same neutral answer as an unknown number
    api = _client(app)
    for asked in (
        f"/api/v1/receipts/{numbers[0]}",
        f"/api/v1/receipts/{numbers[0]}?code={'0' * 20}",
        f"/api/v1/receipts/{numbers[1]}",
    ):
        body = api.get(asked).get_json()
        assert body == {"receipt_number": body["receipt_number"], "found": False, "message": NEUTRAL}, asked


def test_the_code_from_the_e_receipt_opens_the_answer(tmp_path):
    from intake.application.following import receipt_code

    app = build_service_app("intake", tmp_path)
    _received(app, ["TKY-2026-000007"])
    code = receipt_code(runtime_of(app).settings.secret_key, "TKY-2026-000007")
    client = _client(app)
    assert "is pending since" in client.get(f"/verify?n=TKY-2026-000007&code={code}").get_data(as_text=True)
    assert client.get(f"/api/v1/receipts/TKY-2026-000007?code={code}").get_json()["pending"] is True
    # the code of one number says nothing about its neighbour
    assert NEUTRAL in client.get(f"/verify?n=TKY-2026-000008&code={code}").get_data(as_text=True)
    # non-ASCII, over-long and hostile codes are a wrong code, not an error
    for hostile in ("é" * 20, "0" * 10000, "%00", "' OR 1=1 --"):
        assert (
            client.get("/api/v1/receipts/TKY-2026-000007", query_string={"code": hostile}).get_json()["found"] is False
        )
