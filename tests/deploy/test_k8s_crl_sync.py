"""The CRL sync job (deploy/k8s/base/signing/crl_sync.py) installs fresh CRLs signed by a trusted CA
and refuses everything else, keeping the file it had."""

from __future__ import annotations

import datetime as dt
import importlib.util

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from deploy_helpers import K8S

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
DAY = 86400


def load_module():
    spec = importlib.util.spec_from_file_location("crl_sync", K8S / "base" / "signing" / "crl_sync.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


crl_sync = load_module()


def make_ca(cn: str):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=365))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_crl(key, issuer_cert, this_update, next_update, revoked=(), pem=False, extensions=()) -> bytes:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(this_update)
        .next_update(next_update)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    for serial in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(this_update).build()
        )
    crl = builder.sign(key, hashes.SHA256())
    return crl.public_bytes(serialization.Encoding.PEM if pem else serialization.Encoding.DER)


@pytest.fixture()
def env(tmp_path):
    trust, crls = tmp_path / "trust", tmp_path / "crl"
    trust.mkdir()
    crls.mkdir()
    key, cert = make_ca("JPKI Test Sign CA")
    (trust / "sign-ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (trust / "README").write_text("not a certificate")
    return {"trust": trust, "crls": crls, "key": key, "cert": cert}


def run(env, payloads: dict[str, bytes], max_age=DAY, now=NOW):
    sources = [(name, f"test://{name}") for name in payloads]
    return crl_sync.sync(
        sources, env["crls"], env["trust"], max_age, now=now, fetcher=lambda url: payloads[url.removeprefix("test://")]
    )


def installed(env, name):
    path = env["crls"] / f"{name}.crl"
    return x509.load_der_x509_crl(path.read_bytes()) if path.exists() else None


def test_fresh_crl_signed_by_trusted_ca_is_installed(env):
    data = make_crl(
        env["key"], env["cert"], NOW - dt.timedelta(hours=2), NOW + dt.timedelta(hours=22), revoked=[101, 202], pem=True
    )
    assert run(env, {"jpki-sign": data}) == []
    crl = installed(env, "jpki-sign")
    assert crl.issuer == env["cert"].subject and len(crl) == 2
    assert not list(env["crls"].glob(".*.tmp"))  # atomic write left nothing behind


@pytest.mark.parametrize(
    "this_update,next_update,why",
    [
        (NOW - dt.timedelta(days=3), NOW - dt.timedelta(days=1), "nextUpdate"),
        (NOW - dt.timedelta(hours=30), NOW + dt.timedelta(hours=10), "older than"),
        (NOW + dt.timedelta(hours=2), NOW + dt.timedelta(days=1), "future"),
    ],
)
def test_stale_or_odd_dates_are_refused_and_old_file_kept(env, this_update, next_update, why):
    good = make_crl(env["key"], env["cert"], NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=23))
    assert run(env, {"jpki-sign": good}) == []
    bad = make_crl(env["key"], env["cert"], this_update, next_update, revoked=[7])
    problems = run(env, {"jpki-sign": bad})
    assert len(problems) == 1 and why in problems[0]
    assert len(installed(env, "jpki-sign")) == 0  # still the good (empty) CRL


def test_crl_from_an_untrusted_or_impostor_issuer_is_refused(env):
    other_key, other_cert = make_ca("Somebody Else CA")
    problems = run(env, {"a": make_crl(other_key, other_cert, NOW, NOW + dt.timedelta(days=1))})
    assert "no trusted certificate" in problems[0]
    # Same issuer name, different key: the signature gives it away.
    impostor_key, _ = make_ca("JPKI Test Sign CA")
    problems = run(env, {"b": make_crl(impostor_key, env["cert"], NOW, NOW + dt.timedelta(days=1))})
    assert "signature" in problems[0]
    assert installed(env, "a") is None and installed(env, "b") is None


def test_an_older_crl_never_replaces_a_newer_one(env):
    newer = make_crl(env["key"], env["cert"], NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=23), [1, 2, 3])
    older = make_crl(env["key"], env["cert"], NOW - dt.timedelta(hours=5), NOW + dt.timedelta(hours=19), [1])
    assert run(env, {"jpki-sign": newer}) == []
    problems = run(env, {"jpki-sign": older})
    assert "older than the CRL on disk" in problems[0]
    assert len(installed(env, "jpki-sign")) == 3


@pytest.mark.parametrize(
    "extension,critical,why",
    [
        (x509.DeltaCRLIndicator(1), True, "delta CRL"),
        (
            x509.FreshestCRL(
                [x509.DistributionPoint([x509.UniformResourceIdentifier("http://x/delta.crl")], None, None, None)]
            ),
            False,
            "freshestCRL",
        ),
    ],
)
def test_a_newer_delta_crl_never_replaces_the_full_one(env, extension, critical, why):
    """Issue 15: an empty delta CRL installed over the full CRL un-revoked every certificate it listed."""
    full = make_crl(env["key"], env["cert"], NOW - dt.timedelta(hours=5), NOW + dt.timedelta(hours=19), [1, 2, 3])
    assert run(env, {"jpki-sign": full}) == []
    delta = make_crl(
        env["key"],
        env["cert"],
        NOW - dt.timedelta(hours=1),
        NOW + dt.timedelta(hours=23),
        extensions=[(extension, critical)],
    )
    problems = run(env, {"jpki-sign": delta})
    assert len(problems) == 1 and why in problems[0], problems
    assert len(installed(env, "jpki-sign")) == 3  # the full CRL stays


def test_garbage_and_fetch_errors_are_reported_per_source(env):
    good = make_crl(env["key"], env["cert"], NOW, NOW + dt.timedelta(days=1))

    def fetcher(url):
        if url.endswith("down"):
            raise OSError("connection refused")
        return {"test://junk": b"<html>maintenance</html>", "test://ok": good}[url]

    problems = crl_sync.sync(
        [("junk", "test://junk"), ("down", "test://down"), ("ok", "test://ok")],
        env["crls"],
        env["trust"],
        DAY,
        now=NOW,
        fetcher=fetcher,
    )
    assert len(problems) == 2
    assert "not an X.509 CRL" in problems[0] and "connection refused" in problems[1]
    assert installed(env, "ok") is not None


def test_sources_parse_and_main_exit_codes(env, monkeypatch, tmp_path):
    assert crl_sync.parse_sources("a=https://x/a.crl, https://y/jpki-auth.crl") == [
        ("a", "https://x/a.crl"),
        ("jpki-auth", "https://y/jpki-auth.crl"),
    ]
    with pytest.raises(crl_sync.Refused):
        crl_sync.parse_sources("../evil=https://x/a.crl")
    # main() end to end with a file:// source; the CRL is current at the real clock.
    real_now = dt.datetime.now(dt.UTC)
    src = tmp_path / "sign.crl"
    src.write_bytes(
        make_crl(env["key"], env["cert"], real_now - dt.timedelta(minutes=5), real_now + dt.timedelta(days=1))
    )
    monkeypatch.setenv("ZAIRYU_CRL_SOURCES", f"jpki-sign={src.as_uri()}")
    monkeypatch.setenv("ZAIRYU_CRL_DIR", str(env["crls"]))
    monkeypatch.setenv("ZAIRYU_TRUST_DIR", str(env["trust"]))
    monkeypatch.setenv("ZAIRYU_CRL_MAX_AGE", "3600")
    assert crl_sync.main() == 0 and installed(env, "jpki-sign") is not None
    monkeypatch.setenv("ZAIRYU_CRL_MAX_AGE", "60")  # now five minutes is too old
    assert crl_sync.main() == 1
    monkeypatch.setenv("ZAIRYU_CRL_SOURCES", "")
    assert crl_sync.main() == 2
