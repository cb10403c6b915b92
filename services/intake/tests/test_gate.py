"""The Japanese-IP gate: country data shipped offline, forwarded headers only as our ingress wrote them."""

from __future__ import annotations

import pytest
from intake_testkit import make_runtime

from intake.adapters import geo

JP, US = "133.242.0.1", "8.8.8.8"


def test_country_data_is_offline_and_knows_japan():
    assert geo.country(JP) == "JP"
    assert geo.country("126.0.0.1") == "JP"
    assert geo.country(US) == "US"
    assert geo.country("2001:240::1") == "JP"  # IPv6 too
    assert geo.country("10.0.0.1") is None and geo.country("not an ip") is None


@pytest.fixture
def gated(tmp_path):
    from zairyu_shared import testing

    # behind one ingress whose pods connect from 10.0.0.0/8 (the real mode counts limits in Redis)
    rt = make_runtime(
        tmp_path,
        geo_gate=True,
        proxy_hops=1,
        proxy_networks=("10.0.0.0/8",),
        gate_allow=(),
        embedded=False,
        amqp_url="amqp://guest:guest@127.0.0.1:5672/unused",
        **testing.redis_ratelimits(),
    )
    from intake.entrypoints.web import create_app

    app = create_app(rt)
    app.config.update(TESTING=True)
    yield app.test_client()
    rt.stop()


def test_gate_refuses_outside_japan_in_the_visitors_language(gated):
    refused = gated.get("/", environ_base={"REMOTE_ADDR": US}, headers={"Accept-Language": "en"})
    assert refused.status_code == 403 and "Only available from Japan" in refused.data.decode()
    ja = gated.get("/", environ_base={"REMOTE_ADDR": US}, headers={"Accept-Language": "ja"})
    assert ja.status_code == 403 and "日本国内" in ja.data.decode()
    vi = gated.get("/?lang=vi", environ_base={"REMOTE_ADDR": US})
    assert vi.status_code == 403 and "Nhật Bản" in vi.data.decode()
    assert gated.get("/", environ_base={"REMOTE_ADDR": JP}).status_code == 200
    spoofed = gated.get("/", environ_base={"REMOTE_ADDR": US}, headers={"X-Forwarded-For": JP})
    assert spoofed.status_code == 403
    proxied = gated.get("/", environ_base={"REMOTE_ADDR": "10.1.1.1"}, headers={"X-Forwarded-For": JP})
    assert proxied.status_code == 200
    # a client writing Japan into the header itself: the ingress appends its real address, which is read
    forged = gated.get("/", environ_base={"REMOTE_ADDR": "10.1.1.1"}, headers={"X-Forwarded-For": f"{JP}, {US}"})
    assert forged.status_code == 403
    from_japan = gated.get("/", environ_base={"REMOTE_ADDR": "10.1.1.1"}, headers={"X-Forwarded-For": f"{US}, {JP}"})
    assert from_japan.status_code == 200
    assert gated.get("/healthz", environ_base={"REMOTE_ADDR": US}).status_code == 200


def test_gate_is_off_in_the_embedded_demo(tmp_path):
    from intake.entrypoints.web import create_app

    rt = make_runtime(tmp_path, geo_gate=True, gate_allow=())  # embedded=True in make_runtime
    try:
        assert create_app(rt).test_client().get("/", environ_base={"REMOTE_ADDR": US}).status_code == 200
    finally:
        rt.stop()
