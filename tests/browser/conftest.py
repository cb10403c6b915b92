"""Fixtures for the browser journey: the whole platform on RabbitMQ + PostgreSQL, a real SMTP server,
a test PKI trusted by signing, a simulated card in a vpcd reader, and Debian's chromium."""

from __future__ import annotations

import shutil

import browser_support as bs
import pytest

BUREAU_MAILBOX = bs.BUREAU_MAILBOX


@pytest.fixture
def prerequisites():
    from signing.testing import pcsc_available_or_skip

    missing = bs.missing_prerequisites()
    bs.require(not missing, "; ".join(missing))
    pcsc_available_or_skip()  # skips, or fails under CI=true


@pytest.fixture
def artifacts():
    out = bs.ARTIFACTS
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    return bs.PageChecks(out)


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    from zairyu_shared.testing import free_port

    sink = bs.SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def pki(tmp_path):
    from signing.testpki import create_test_pki

    return create_test_pki(tmp_path / "pki")


@pytest.fixture
def zairyu(prerequisites, pki, smtp, tmp_path):
    """Every service on real PostgreSQL + a fresh RabbitMQ vhost; signing trusts the test PKI."""
    from platform_harness import platform

    env = {
        "ZAIRYU_TRUST_PINS": f"test:{pki.root / 'manifest.json'}",
        "ZAIRYU_TRUST_DIR": str(pki.root / "trust"),
        "ZAIRYU_CRL_DIR": str(pki.crl_dir),
        "ZAIRYU_SIGN_POLICY_OID": "test",
        "ZAIRYU_ALLOW_TEST_PKI": "true",
        "ZAIRYU_INTAKE_STORE": str(tmp_path / "intake-store"),
        "ZAIRYU_GEO_GATE": "false",  # the browser comes from 127.0.0.1, allowed anyway; keep the journey plain
        "ZAIRYU_SMTP_HOST": "127.0.0.1",
        "ZAIRYU_SMTP_PORT": str(smtp.port),
        "ZAIRYU_BUREAU_MAILBOXES": f"tokyo={BUREAU_MAILBOX}",
        # a notice may arrive before the applicant's registration: retry in a second, not 30
        "ZAIRYU_NOTIFY_RETRY_BASE_SECONDS": "1",
        "ZAIRYU_NOTIFY_POLL_SECONDS": "0.2",
    }
    with platform(env) as plat:
        yield plat


@pytest.fixture
def browser(prerequisites, request):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(bs.CHROMIUM), headless=True, args=bs.CHROMIUM_ARGS)
        yield chromium
        if getattr(request.node, "failed_call", False):  # the state of every open page when it failed
            for n, context in enumerate(chromium.contexts):
                for m, page in enumerate(context.pages):
                    try:
                        page.screenshot(path=str(bs.ARTIFACTS / f"FAILED-{n}-{m}.png"), full_page=True)
                    except Exception:
                        pass
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.failed_call = True
    return report
