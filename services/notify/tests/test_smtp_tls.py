"""STARTTLS, implicit TLS and AUTH against aiosmtpd with a certificate made for the test."""

from __future__ import annotations

import ipaddress
import ssl
from datetime import UTC, datetime, timedelta

import pytest
import samples
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from notify_testkit import Inbox, deliver, free_port

from notify.application.sending import Sender


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relay.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(folder / "cert.pem"), str(folder / "key.pem")


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"notify", b"s3cret")
    return AuthResult(success=ok)


@pytest.fixture(params=["starttls", "ssl"])
def tls_relay(request, cert_files):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert_files)
    inbox, port = Inbox(), free_port()
    if request.param == "starttls":
        kw = {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
    else:  # implicit TLS: aiosmtpd does not count the wrapped socket as TLS for AUTH, but it is
        kw = {"ssl_context": context, "auth_require_tls": False}
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, **kw)
    controller.start()
    yield request.param, port, inbox
    controller.stop()


def test_mail_goes_over_tls_with_auth(make_rt, tls_relay, cert_files):
    security, port, inbox = tls_relay
    rt = make_rt(
        smtp_port=port,
        smtp_security=security,
        smtp_ca_file=cert_files[0],
        smtp_username="notify",
        smtp_password="s3cret",
    )
    deliver(rt, samples.registered(), samples.received())
    Sender(rt).send_due()
    import sqlalchemy as sa

    from notify.adapters.tables import notices

    with rt.engine.connect() as conn:
        state, error = conn.execute(
            sa.select(notices.c.state, notices.c.last_error).where(notices.c.channel == "email")
        ).one()
    assert (state, error) == ("sent", None)
    assert len(inbox.messages) == 1 and samples.RECEIPT in inbox.messages[0]["Subject"]


def test_wrong_credentials_or_an_untrusted_relay_are_retried_not_dropped(make_rt, tls_relay, cert_files):
    security, port, inbox = tls_relay
    wrong_password = make_rt(
        smtp_port=port,
        smtp_security=security,
        smtp_ca_file=cert_files[0],
        smtp_username="notify",
        smtp_password="wrong",
        smtp_timeout=1.0,
    )
    untrusted = make_rt(smtp_port=port, smtp_security=security, smtp_username="notify", smtp_password="s3cret")
    for rt in (wrong_password, untrusted):
        deliver(rt, samples.registered(), samples.received())
        Sender(rt).send_due()
    assert inbox.messages == []
    import sqlalchemy as sa

    from notify.adapters.tables import notices

    with wrong_password.engine.connect() as conn:
        state, error = conn.execute(
            sa.select(notices.c.state, notices.c.last_error).where(notices.c.channel == "email")
        ).one()
    # 535 (aiosmtpd may instead stall the second mechanism smtplib tries): either way a retry, not a loss.
    assert state == "queued" and ("535" in error or "timed out" in error)
    with untrusted.engine.connect() as conn:
        state, error = conn.execute(
            sa.select(notices.c.state, notices.c.last_error).where(notices.c.channel == "email")
        ).one()
    assert state == "queued" and "CERTIFICATE_VERIFY_FAILED" in error
