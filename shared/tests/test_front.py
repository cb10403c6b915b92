"""FrontSettings and zairyu_shared.front: one name per setting, Redis outside the embedded run, proxies."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask, request

from zairyu_shared import config, front

BASE = {
    "DATABASE_URL": "postgresql+psycopg://u@h/db",
    "AMQP_URL": "amqp://guest:guest@h:5672/v",
    "ZAIRYU_SECRET_KEY": "k" * 40,
    "ZAIRYU_DATA_KEYS": "ZGV2LW9ubHktZmVybmV0LWtleS1ub3Qtc2VjcmV0ISE=",
}


@dataclass(frozen=True)
class Settings(config.FrontSettings):
    pass


def problems(**env) -> str:
    with pytest.raises(config.ConfigError) as err:
        config.load(Settings, {**BASE, **env})
    return str(err.value)


def test_the_real_mode_counts_rate_limits_in_redis_only():
    assert "ZAIRYU_RATELIMIT_STORAGE must be a redis:// URL outside the embedded run" in problems()
    assert "memory:// counts per process" in problems(ZAIRYU_RATELIMIT_STORAGE="memory://")
    assert "must be a redis:// URL" in problems(ZAIRYU_RATELIMIT_STORAGE="mongodb://h")
    ok = config.load(Settings, {**BASE, "ZAIRYU_RATELIMIT_STORAGE": "redis://:pw@redis:6379/0"})
    assert ok.ratelimit_storage_uri == "redis://:pw@redis:6379/0"


def test_the_embedded_run_counts_in_memory_unless_told_otherwise():
    demo = config.load(Settings, {"DATABASE_URL": "sqlite://", "ZAIRYU_EMBEDDED": "true"})
    assert demo.ratelimit_storage_uri == "memory://"


@pytest.mark.parametrize("old", ["ZAIRYU_REVIEW_PROXY_HOPS", "ZAIRYU_TRUSTED_PROXIES", "ZAIRYU_RATELIMIT_STORAGE_URI"])
def test_an_old_setting_name_stops_the_service_instead_of_being_ignored(old):
    text = problems(**{old: "1", "ZAIRYU_RATELIMIT_STORAGE": "redis://redis:6379/0"})
    assert f"{old} is no longer read" in text


def test_proxy_networks_are_checked():
    assert "not an IP address or CIDR" in problems(
        ZAIRYU_PROXY_NETWORKS="10.0.0.0/8,ingress", ZAIRYU_RATELIMIT_STORAGE="redis://r:6379/0"
    )


def app_behind(hops: int, networks: tuple[str, ...] = ()) -> Flask:
    app = Flask(__name__)

    @app.get("/who")
    def who():
        return f"{request.remote_addr} {request.scheme}"

    front.trust_proxies(app, hops, networks)
    return app


@pytest.mark.parametrize(
    "hops,networks,peer,xff,seen",
    [
        (0, (), "10.0.0.2", "203.0.113.5", "10.0.0.2"),  # no proxy configured: the header is not read
        (1, (), "10.0.0.2", "203.0.113.5", "203.0.113.5"),
        (1, (), "10.0.0.2", "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # a client-written left part is not read
        (2, (), "10.0.0.2", "198.51.100.1, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (1, ("10.0.0.0/8",), "10.0.0.2", "203.0.113.5", "203.0.113.5"),
        (1, ("10.0.0.0/8",), "192.0.2.7", "203.0.113.5", "192.0.2.7"),  # not from the ingress: taken as it is
    ],
)
def test_the_client_address_is_what_our_proxies_saw(hops, networks, peer, xff, seen):
    client = app_behind(hops, networks).test_client()
    answer = client.get(
        "/who",
        environ_base={"REMOTE_ADDR": peer},
        headers={"X-Forwarded-For": xff, "X-Forwarded-Proto": "https, https"},
    ).get_data(as_text=True)
    assert answer.split()[0] == seen
    assert answer.split()[1] == ("https" if seen != peer else "http")


def test_limiter_keys_are_per_service_and_prefix():
    settings = config.load(
        Settings, {**BASE, "ZAIRYU_RATELIMIT_STORAGE": "redis://r:6379/0", "ZAIRYU_RATELIMIT_PREFIX": "staging"}
    )
    conf = front.limiter_config(settings, "review")
    assert conf["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0" and conf["RATELIMIT_KEY_PREFIX"] == "staging:review"


def test_a_refused_request_says_when_to_come_back_and_an_accepted_one_reads_no_counter():
    """Retry-After on a 429 from the limit it broke; no X-RateLimit-* headers, which cost a read of the counters
    in Redis on every answer (issue 24)."""
    from flask_limiter import Limiter

    settings = config.load(Settings, {"DATABASE_URL": "sqlite://", "ZAIRYU_EMBEDDED": "true"})  # counts in memory
    app = Flask(__name__)
    front.install(app, settings, "test")
    limiter = Limiter(lambda: "one client", app=app, default_limits=[])
    reads = []
    window_stats = limiter.limiter.get_window_stats
    limiter.limiter.get_window_stats = lambda *a, **k: reads.append(a) or window_stats(*a, **k)

    @app.post("/sign")
    @limiter.limit("2 per minute")
    def sign():
        return "ok"

    client = app.test_client()
    accepted = [client.post("/sign") for _ in range(2)]
    assert [r.status_code for r in accepted] == [200, 200] and not reads
    assert not any(name.startswith("X-RateLimit") for r in accepted for name in r.headers.keys())
    refused = client.post("/sign")
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 61  # a minute, rounded up
