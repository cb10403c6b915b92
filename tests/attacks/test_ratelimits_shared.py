"""Rate limits that hold in the real deployment (issue 15, finding 9).

Review counted in memory whatever was configured, card-delivery read another setting name than
intake, and the manifests left the proxy hops at 0: with W gunicorn workers and P pods an attacker
had W x P budgets, and behind the ingress every client had the ingress's address, so one attacker
spent everyone's budget (and their guesses locked every officer out under the ingress's address).

Two app instances on one Redis stand for two gunicorn workers (or pods); a test client whose
peer is the ingress (10.0.0.2) and who sends X-Forwarded-For stands for a visitor behind it.
"""

from __future__ import annotations

import pytest
from attack_support import build_service_app, cheap_password_hashing, csrf_token, fresh_ip, memory_folder, runtime_of

from zairyu_shared import testing

LOGIN = {  # service -> (sign-in path, form fields besides the CSRF token, setting holding the limit)
    "review": ("/login", {"username": "nobody", "password": "x", "totp": "123456"}, "login_rate_limit"),
    "card-delivery": (
        "/mailroom/sign-in",
        {"username": "nobody", "password": "x", "code": "123456"},
        "login_rate_limit",
    ),
    "intake": ("/login", {"email": "nobody@example.jp", "password": "x"}, None),
}
INGRESS = "10.0.0.2"


@pytest.fixture(autouse=True, scope="module")
def _cheap_hashing():
    with pytest.MonkeyPatch.context() as mp:
        cheap_password_hashing(mp)
        yield


def per_minute(app, service) -> int:
    setting = LOGIN[service][2]
    if setting is None:
        from intake.entrypoints.limits import LOGIN as INTAKE_LOGIN

        text = INTAKE_LOGIN
    else:
        text = getattr(runtime_of(app).settings, setting)
    return int(text.split(";")[0].split()[0])


def sign_in(app, service, environ: dict, headers: dict | None = None) -> int:
    path, form, _ = LOGIN[service]
    client = app.test_client()
    client.environ_base.update({"HTTP_ACCEPT_LANGUAGE": "en", **environ})
    token = csrf_token(client, path)  # GETs are not limited
    return client.post(path, data={"csrf_token": token, **form}, headers=headers or {}).status_code


@pytest.mark.parametrize("service", sorted(LOGIN))
def test_two_workers_on_one_redis_share_one_budget(tmp_path_factory, service):
    environ = testing.redis_ratelimit_env()  # the real Redis; keys of this test only
    folder = memory_folder(tmp_path_factory.mktemp(f"workers-{service}"))
    workers = [build_service_app(service, folder, environ=environ) for _ in range(2)]
    limit = per_minute(workers[0], service)
    ip = {"REMOTE_ADDR": fresh_ip()}
    codes = [sign_in(workers[n % 2], service, ip) for n in range(limit + 1)]
    assert 429 not in codes[:limit], codes
    assert codes[limit] == 429, f"{limit + 1} sign-ins spread over two workers and none refused: {codes}"


@pytest.mark.parametrize("service", sorted(LOGIN))
def test_behind_the_ingress_each_visitor_has_a_budget_and_cannot_forge_another(tmp_path_factory, service):
    folder = memory_folder(tmp_path_factory.mktemp(f"ingress-{service}"))
    app = build_service_app(service, folder, environ={"ZAIRYU_PROXY_HOPS": "1", "ZAIRYU_PROXY_NETWORKS": "10.0.0.0/8"})
    limit = per_minute(app, service)
    through_ingress = {"REMOTE_ADDR": INGRESS}
    attacker, other = "203.0.113.5", "203.0.113.6"
    codes = [sign_in(app, service, through_ingress, {"X-Forwarded-For": attacker}) for _ in range(limit + 1)]
    assert codes[-1] == 429, codes
    # another visitor behind the same ingress still signs in
    assert sign_in(app, service, through_ingress, {"X-Forwarded-For": other}) != 429, (
        "one visitor's guesses spent every visitor's budget (the ingress's address was counted)"
    )
    # the attacker writing a fresh address into the header: the ingress appends the real one, which counts
    forged = sign_in(app, service, through_ingress, {"X-Forwarded-For": f"198.51.100.77, {attacker}"})
    assert forged == 429
    if service == "review":  # the audit says who tried, not "the ingress"
        import sqlalchemy as sa

        from review.adapters.tables import audit_log

        with runtime_of(app).engine.connect() as conn:
            ips = set(
                conn.execute(sa.select(audit_log.c.ip).where(audit_log.c.action.like("officer.sign_in_%"))).scalars()
            )
        assert ips == {attacker, other}, ips
    # reaching the pod directly (not from the ingress's network), X-Forwarded-For is not read at all
    direct = {"REMOTE_ADDR": "192.0.2.44"}
    assert [sign_in(app, service, direct, {"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(10, 11 + limit)][
        -1
    ] == 429
