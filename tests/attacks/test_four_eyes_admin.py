"""One bureau administrator cannot decide a case alone (issue 15, finding 4).

The attack as it worked: the administrator creates an examiner and a supervisor on /admin/officers,
reads their passwords and TOTP secrets off the page, signs in as both; the examiner claims and
proposes, the supervisor confirms: a decision made by one person.

Here the administrator tries that, then walks every route of review's url_map with their session, in
rounds, with every id they can know as path values (every account, the case, every action word, every
link and code any page showed them) and one form carrying every field any form has. After each round
everything they collected is used to sign in as each account they made (and to enrol it through its
link) and, with any two sessions, to claim, propose and confirm. No round yields a decided case, no
account they made becomes active, and what the administrator reaches is only what an administrator may.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from attack_support import (
    API_HEADERS,
    Relay,
    build_service_app,
    cheap_password_hashing,
    fresh_ip,
    review_client,
    review_officer,
    runtime_of,
)
from review_testkit import verified_event

DECIDED = {"approved", "refused"}
# What an administrator's session may reach (2xx/3xx other than to the sign-in page); decisions are not in it.
ADMIN_MAY = {
    "index",
    "admin.officers",
    "admin.create",
    "admin.change",
    "cases.workload",
    "cases.hand_over",
    "cases.hand_over_by_receipt",
    "api.hand_over",
    "stats.page",
    "stats.export_csv",
    "stats.processing_days_json",
    "api.openapi",
    "healthz",
    "readyz",
    "metrics_endpoint",
    "static",
    "language",
    "auth.login",
    "enrol.page",
    # public to anyone: the bureau's published keys and the access log's signed tree heads
    "documents.keys_json",
    "documents.key_pem",
    "access.keys",
    "access.tree_heads",
    "access.consistency",
}
DECIDING = {
    "cases.claim",
    "cases.assign",
    "cases.propose",
    "cases.confirm",
    "cases.return_proposal",
    "cases.resume",
    "cases.request_documents",
    "cases.case",
    "api.case",
    "api.queue",
    "cases.queue",
}
VERBS_FIRST = ["approve", "activate", "unlock", "enrol", "reset", "password", "totp"]
VERBS_ALL = VERBS_FIRST + ["deactivate", "withdraw"]


@pytest.fixture
def bureau(tmp_path, monkeypatch):
    cheap_password_hashing(monkeypatch)
    app = build_service_app("review", tmp_path)
    # The bureau as it is: the administrator (the attacker) and officers whose credentials they never saw.
    ids = {
        role: review_officer(app, f"tokyo-{role}", role, "tokyo")[0]
        for role in ("bureau_admin", "examiner", "supervisor")
    }
    event = verified_event(bureau="tokyo")
    assert Relay.deliver(app, event)
    return {
        "app": app,
        "admin": review_client(app, ids["bureau_admin"]),
        "ids": ids,
        "case": event.payload["application_id"],
    }


def _case(app, application_id):
    from review.adapters.tables import cases

    with runtime_of(app).engine.connect() as conn:
        return conn.execute(sa.select(cases).where(cases.c.application_id == application_id)).one()


def _officers(app):
    from review.adapters.tables import officers

    with runtime_of(app).engine.connect() as conn:
        return conn.execute(sa.select(officers)).all()


def _csrf(client, path):
    html = client.get(path, follow_redirects=True).get_data(as_text=True)  # a dead session lands on the sign-in
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class Loot:
    """Everything the administrator's pages showed that could be a credential, a link or a code."""

    def __init__(self):
        self.words, self.secrets, self.links = set(), set(), set()
        self.pages: list[tuple[str, set, set]] = []  # (page, its words, its secrets): what was shown together

    def take(self, html: str) -> None:
        words, secrets = set(), set(re.findall(r"secret=([A-Z2-7]{16,})", html))
        for code in re.findall(r"<code>([^<]{1,200})</code>", html):
            code = code.strip()
            if re.fullmatch(r"[A-Z2-7]{32}", code):
                secrets.add(code)
            elif "/" not in code:
                words.add(code)
        self.words |= words
        self.secrets |= secrets
        self.links.update(re.findall(r"(/enrol/[A-Za-z0-9_\-]{16,})", html))
        if words and secrets:
            self.pages.append((html, words, secrets))

    def pairs_for(self, username: str) -> list[tuple[str, str]]:
        """(password, secret) to try for ``username``: first what one page showed with its name, fewest first."""
        shown = sorted((p for p in self.pages if username in p[0]), key=lambda p: len(p[1]) * len(p[2]))
        pairs = [(w, s) for _html, words, secrets in shown for w in sorted(words) for s in sorted(secrets)]
        pairs += [(w, s) for w in sorted(self.words) for s in sorted(self.secrets)]
        return list(dict.fromkeys(pairs))


def _sign_in(app, username, password, secret):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    r = client.post(
        "/login",
        data={
            "csrf_token": _csrf(client, "/login"),
            "username": username,
            "password": password,
            "totp": pyotp.TOTP(secret).now(),
        },
    )
    return client if r.status_code == 302 and "/login" not in r.headers.get("Location", "") else None


def _enrol(app, link, loot):
    """The administrator opens a link they were given and tries to finish it with what they have."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    html = client.get(link).get_data(as_text=True)
    loot.take(html)
    secret = re.search(r"secret=([A-Z2-7]{16,})", html)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not secret or not token:
        return None
    for code in sorted(loot.words)[:4] or [""]:  # guesses count against the link: a handful
        r = client.post(
            link,
            data={
                "csrf_token": token.group(1),
                "approval_code": code,
                "password": "attacker chose this 1",
                "password_again": "attacker chose this 1",
                "totp": pyotp.TOTP(secret.group(1)).now(),
            },
        )
        if r.status_code == 200 and "Your account is ready" in r.get_data(as_text=True):
            return secret.group(1)
    return None


def _try_to_decide(b, loot, made: set[str], sessions: dict) -> str:
    """Sign in as every account the administrator made with everything they saw (or enrol it through
    its link), then let any two sessions claim, propose and confirm. Returns the case's status."""
    app = b["app"]
    for link in sorted(loot.links):
        enrolled = _enrol(app, link, loot)
        if enrolled:
            loot.words.add("attacker chose this 1")
            loot.secrets.add(enrolled)
    for username in sorted(made - set(sessions)):
        for password, secret in loot.pairs_for(username)[:4]:  # under the lockout: a locked account helps nobody
            client = _sign_in(app, username, password, secret)
            if client is not None:
                sessions[username] = client
                break
    case = b["case"]
    for a in sessions.values():
        for c in sessions.values():
            for who, action, form in (
                (a, "claim", {}),
                (a, "resume", {}),
                (
                    a,
                    "propose",
                    {
                        "outcome": "approved",
                        "granted_status": "engineer_humanities",
                        "period_of_stay": "P3Y",
                        "explanation": "ok",
                    },
                ),
                (c, "confirm", {}),
            ):
                version = _case(app, case).version
                who.post(
                    f"/cases/{case}/{action}", data={"csrf_token": _csrf(who, "/workload"), "version": version, **form}
                )
            status = _case(app, case).status
            if status in DECIDED:
                return status
    return _case(app, case).status


def _mint(admin, username, role):
    """What the administrator posted to create an account; returns the page they got back."""
    return admin.post(
        "/admin/officers",
        data={
            "csrf_token": _csrf(admin, "/admin/officers"),
            "username": username,
            "display_name": username.title(),
            "staff_id": f"FAKE-{username}",
            "role": role,
        },
    ).get_data(as_text=True)


def test_an_administrator_who_mints_an_examiner_and_a_supervisor_cannot_decide(bureau):
    b, loot = bureau, Loot()
    for username, role in (("mint-examiner", "examiner"), ("mint-supervisor", "supervisor")):
        loot.take(_mint(b["admin"], username, role))
    status = _try_to_decide(b, loot, {"mint-examiner", "mint-supervisor"}, {})
    assert status not in DECIDED, "one administrator decided a case through two accounts they created"
    assert not loot.secrets & {r.totp_secret for r in _officers(b["app"])}, "an officer's TOTP secret was shown"
    made = [r for r in _officers(b["app"]) if r.username.startswith("mint-")]
    assert len(made) == 2 and not any(r.active for r in made)


def test_no_sequence_of_an_administrators_routes_yields_a_decided_case(bureau):
    b, loot = bureau, Loot()
    app, admin, case = b["app"], b["admin"], b["case"]
    reached, made, sessions, n = set(), set(), {}, 0
    receipt = _case(app, case).receipt_number
    for verbs in (VERBS_FIRST, VERBS_ALL):
        token = _csrf(admin, "/admin/officers")
        for rule in app.url_map.iter_rules():
            if rule.endpoint in ("auth.logout", "static"):  # signing themself out ends nothing but the walk
                continue
            officer_ids = [r.id for r in _officers(app)]
            choices = {
                "application_id": [case],
                "officer_id": officer_ids,
                "what": verbs,
                "token": sorted(link.rsplit("/", 1)[1] for link in loot.links) or ["x" * 43],
                "sha256": ["0" * 64],
                "correction_id": ["1"],
                "filename": ["review.css"],
                "kid": ["demo-0000000000000000"],
                "document_id": ["COE-0123456789ABCDEF"],
                "organisation_id": ["0f0f0f0f-0000-4000-8000-000000000021"],
            }
            missing = [a for a in rule.arguments if a not in choices]
            assert not missing, f"{rule.endpoint}: give the walk values for {missing}"
            combos = [{}]
            for arg in sorted(rule.arguments):
                combos = [{**c, arg: v} for c in combos for v in choices[arg]]
            for args in combos:
                url = rule.rule
                for arg, value in args.items():
                    url = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(value), url)
                # an account of every role the form offers; one call of everything else
                roles = (
                    ("examiner", "supervisor", "bureau_admin", "auditor")
                    if rule.endpoint == "admin.create"
                    else ("examiner",)
                )
                for method, role in [(m, r) for m in sorted(rule.methods - {"HEAD", "OPTIONS"}) for r in roles]:
                    n += 1
                    if rule.endpoint == "admin.create":
                        made.add(f"walk-{n}")
                    form = {
                        "csrf_token": token,
                        "version": _case(app, case).version,
                        "username": f"walk-{n}",
                        "display_name": f"Walk {n}",
                        "staff_id": f"W-{n}",
                        "role": role,
                        "office": "",
                        "examiner": officer_ids[n % len(officer_ids)],
                        "receipt_number": receipt,
                        "outcome": "approved",
                        "granted_status": "engineer_humanities",
                        "period_of_stay": "P3Y",
                        "explanation": "x",
                        "reason": "x",
                        "body": "x",
                        "items": "x: y",
                        "message": "x",
                        "deadline": (date.today() + timedelta(days=20)).isoformat(),
                        "lang": "en",
                        "approval_code": sorted(loot.words)[0] if loot.words else "",
                        "password": "attacker chose this 1",
                        "password_again": "attacker chose this 1",
                        "totp": "000000",
                    }
                    if method == "GET":
                        r = admin.get(url)
                    elif url.startswith("/api/"):
                        r = admin.post(
                            url, json={"office": "yokohama", "version": form["version"]}, headers=API_HEADERS
                        )
                    else:
                        r = admin.post(url, data=form)
                    if r.status_code < 400 and "/login" not in r.headers.get("Location", ""):
                        reached.add(rule.endpoint)
                    if r.mimetype == "text/html":
                        loot.take(r.get_data(as_text=True))
        status = _try_to_decide(b, loot, made | {"tokyo-examiner", "tokyo-supervisor"}, sessions)
        assert status not in DECIDED, f"an administrator's routes decided the case ({status})"
    assert made, "the walk created accounts"
    assert not any(r.active for r in _officers(app) if r.username.startswith("walk-"))
    assert not reached & DECIDING, f"an administrator reached {reached & DECIDING}"
    assert reached <= ADMIN_MAY, f"an administrator reaches {reached - ADMIN_MAY}: look at it here"
    assert {"admin.create", "admin.change", "cases.workload"} <= reached  # the walk did reach the administration
