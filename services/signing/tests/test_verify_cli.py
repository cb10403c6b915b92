"""zairyu-verify: exit 0 valid, 1 invalid with the reason, 2 usage error; DER and PEM accepted."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import verify_pki as pki

from signing.entrypoints.verify_cli import main
from zairyu_shared.testing import shared_dir

REAL_NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
CONTENT = b"application form bytes"


@pytest.fixture
def files(tmp_path):
    root = pki.make_root(slot=10)
    leaf, key = pki.issue(root, slot=20, serial=0x2001, not_before=REAL_NOW - dt.timedelta(days=10))
    revoked, rkey = pki.issue(root, slot=21, serial=0x2002, not_before=REAL_NOW - dt.timedelta(days=10))
    (tmp_path / "trust").mkdir()
    (tmp_path / "trust" / "root.pem").write_bytes(root.pem)
    (tmp_path / "crl").mkdir()
    crl = pki.make_crl(
        root, [0x2002], this_update=REAL_NOW - dt.timedelta(hours=1), next_update=REAL_NOW + dt.timedelta(days=1)
    )
    (tmp_path / "crl" / "root.crl").write_bytes(pki.crl_der(crl))
    (tmp_path / "content").write_bytes(CONTENT)
    sig = pki.sign_cms(CONTENT, leaf, key, signing_time=REAL_NOW)
    (tmp_path / "good.p7s").write_bytes(sig)
    pem = b"-----BEGIN CMS-----\n" + base64.encodebytes(sig) + b"-----END CMS-----\n"
    (tmp_path / "good.pem").write_bytes(pem)
    (tmp_path / "revoked.p7s").write_bytes(pki.sign_cms(CONTENT, revoked, rkey, signing_time=REAL_NOW))
    (tmp_path / "leaf.der").write_bytes(pki.cert_der(leaf))
    common = [
        "--trust",
        str(tmp_path / "trust"),
        "--pin",
        root.fingerprint,
        "--crl",
        str(tmp_path / "crl"),
        "--environment",
        "test",
    ]
    return tmp_path, common


def cms(tmp_path, common, sig="good.p7s", content="content", extra=()):
    return main(["cms", "--content", str(tmp_path / content), "--signature", str(tmp_path / sig), *common, *extra])


def test_valid_der_and_pem(files, capsys):
    tmp_path, common = files
    assert cms(tmp_path, common) == 0
    assert "valid: serial 2001" in capsys.readouterr().out
    assert cms(tmp_path, common, sig="good.pem", extra=["--json"]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["valid"] is True and verdict["revocation"]["status"] == "good"


def test_invalid_prints_reason(files, capsys):
    tmp_path, common = files
    (tmp_path / "other").write_bytes(CONTENT + b"!")
    assert cms(tmp_path, common, content="other") == 1
    assert capsys.readouterr().out.startswith("invalid: content_mismatch")
    assert cms(tmp_path, common, sig="revoked.p7s", extra=["--json"]) == 1
    assert json.loads(capsys.readouterr().out)["reason"] == "revoked"


def test_usage_errors(files, capsys):
    tmp_path, common = files
    assert cms(tmp_path, common, sig="missing.p7s") == 2
    assert "cannot read" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["cms", "--content", str(tmp_path / "content")])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["chain", "--cert", str(tmp_path / "leaf.der"), "--profile", "nope", *common])
    assert exit_info.value.code == 2
    assert (
        main(
            [
                "chain",
                "--cert",
                str(tmp_path / "leaf.der"),
                "--profile",
                "rfc5280",
                "--trust",
                str(tmp_path / "trust"),
                "--pin",
                common[3],
                "--crl",
                str(tmp_path / "nope"),
            ]
        )
        == 2
    )
    bad_version = bytearray((tmp_path / "leaf.der").read_bytes())
    bad_version[12] ^= 1  # [0] EXPLICIT INTEGER 2 -> 3: cryptography raises InvalidVersion, not ValueError
    (tmp_path / "v4.der").write_bytes(bytes(bad_version))
    assert main(["chain", "--cert", str(tmp_path / "v4.der"), "--profile", "jpki-sign", *common]) == 2
    # a root that is not pinned is refused: production pins do not cover the test root
    assert (
        main(
            [
                "cms",
                "--content",
                str(tmp_path / "content"),
                "--signature",
                str(tmp_path / "good.p7s"),
                "--trust",
                str(tmp_path / "trust"),
            ]
        )
        == 2
    )
    assert "not pinned" in capsys.readouterr().err


def test_chain_profiles(files, capsys):
    tmp_path, common = files
    leaf = str(tmp_path / "leaf.der")
    assert main(["chain", "--cert", leaf, "--profile", "jpki-sign", *common]) == 0
    assert main(["chain", "--cert", leaf, "--profile", "jpki-auth", *common]) == 1
    assert "wrong_key_usage" in capsys.readouterr().out
    assert main(["chain", "--cert", leaf, "--profile", "rfc5280", *common, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["profile"] == "rfc5280" and out["valid"]


def test_rfc5280_chain_on_pkits(tmp_path, capsys):
    """The CLI path PKITS runs through: a revoked EE is refused with its CRL."""
    base = shared_dir() / "conformance" / "pkits"
    (tmp_path / "trust").mkdir()
    (tmp_path / "crl").mkdir()
    shutil.copy(base / "certs" / "TrustAnchorRootCertificate.crt", tmp_path / "trust" / "root.crt")
    for name in ("TrustAnchorRootCRL.crl", "GoodCACRL.crl"):
        shutil.copy(base / "crls" / name, tmp_path / "crl" / name)
    from signing.adapters.trust_store import fingerprint, load_certificates

    pin = fingerprint(load_certificates((tmp_path / "trust" / "root.crt").read_bytes())[0])
    args = [
        "--trust",
        str(tmp_path / "trust"),
        "--pin",
        pin,
        "--crl",
        str(tmp_path / "crl"),
        "--intermediate",
        str(base / "certs" / "GoodCACert.crt"),
        "--profile",
        "rfc5280",
        "--at",
        "2022-05-01T00:00:00Z",
    ]
    assert main(["chain", "--cert", str(base / "certs" / "ValidCertificatePathTest1EE.crt"), *args]) == 0
    assert main(["chain", "--cert", str(base / "certs" / "InvalidRevokedEETest3EE.crt"), *args]) == 1
    assert "revoked" in capsys.readouterr().out


def test_installed_script(files):
    tmp_path, common = files
    exe = Path(sys.executable).parent / "zairyu-verify"
    if not exe.exists():
        pytest.skip("zairyu-verify not installed: pip install -e services/signing")
    run = subprocess.run(
        [str(exe), "cms", "--content", str(tmp_path / "content"), "--signature", str(tmp_path / "good.p7s"), *common],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
