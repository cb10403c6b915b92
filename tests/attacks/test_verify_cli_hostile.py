"""zairyu-verify on hostile files: exit 1 (invalid, reason printed) or 2 (unreadable input), never a
traceback. Runs main() in process for the property tests and the installed script once end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from attack_support import attack_settings
from hypothesis import given
from hypothesis import strategies as st

verify_cli = pytest.importorskip("signing.entrypoints.verify_cli", reason="zairyu-verify not present")
pytestmark = pytest.mark.timeout(120)
AKI_OID, SKI_OID = bytes.fromhex("0603551d23"), bytes.fromhex("0603551d0e")


@pytest.fixture(scope="module")
def cli_env(attack_pki, real_signature, tmp_path_factory):
    from signing.adapters.trust_store import fingerprint

    pki = attack_pki
    work = tmp_path_factory.mktemp("cli")
    content, signature = real_signature
    (work / "content").write_bytes(content)
    (work / "signature.der").write_bytes(signature)
    pins = []
    for ca in pki.roots("sign"):
        pins += ["--pin", fingerprint(ca.cert)]
    common = [
        "--trust",
        str(pki.root / "trust" / "sign"),
        *pins,
        "--crl",
        str(pki.crl_dir),
        "--environment",
        "test",
        "--json",
    ]
    return {"dir": work, "common": common}


def run_cli(argv, capsys) -> tuple[int, str]:
    code = verify_cli.main(argv)
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out


def cms_args(env, signature_path):
    return ["cms", "--content", str(env["dir"] / "content"), "--signature", str(signature_path), *env["common"]]


def test_control_the_real_signature_is_valid(cli_env, capsys):
    code, out = run_cli(cms_args(cli_env, cli_env["dir"] / "signature.der"), capsys)
    assert code == 0 and json.loads(out)["valid"] is True, out


def assert_clean_exit(code: int, out: str) -> None:
    assert code in (1, 2), (code, out)
    if code == 1:
        verdict = json.loads(out)
        assert verdict["valid"] is False and verdict["reason"], verdict


@attack_settings(40)
@given(data=st.data())
def test_hostile_signature_files(cli_env, real_signature, data, capsys):
    content, der = real_signature
    hostile = data.draw(
        st.one_of(
            st.binary(max_size=2000),
            st.integers(0, len(der) - 1).map(lambda n: der[:n]),
            st.tuples(st.integers(0, len(der) - 1), st.integers(0, 7)).map(
                lambda f: der[: f[0]] + bytes((der[f[0]] ^ (1 << f[1]),)) + der[f[0] + 1 :]
            ),
            st.text(max_size=200).map(
                lambda t: ("-----BEGIN CMS-----\n" + t + "\n-----END CMS-----\n").encode("utf-8", "surrogatepass")
            ),
        )
    )
    path = cli_env["dir"] / "hostile.p7s"
    path.write_bytes(hostile)
    assert_clean_exit(*run_cli(cms_args(cli_env, path), capsys))


@attack_settings(30)
@given(data=st.data(), profile=st.sampled_from(["jpki-sign", "jpki-auth", "rfc5280"]))
def test_hostile_certificate_files(cli_env, attack_pki, data, profile, capsys):
    der = attack_pki.first("valid").sign.cert_der
    hostile = data.draw(
        st.one_of(
            st.binary(max_size=1500),
            st.integers(0, len(der) - 1).map(lambda n: der[:n]),
            st.text(max_size=100).map(
                lambda t: ("-----BEGIN CERTIFICATE-----\n" + t + "\n-----END CERTIFICATE-----\n").encode(
                    "utf-8", "surrogatepass"
                )
            ),
        )
    )
    path = cli_env["dir"] / "hostile.der"
    path.write_bytes(hostile)
    code, out = run_cli(["chain", "--cert", str(path), "--profile", profile, *cli_env["common"]], capsys)
    assert_clean_exit(code, out)


@attack_settings(30)
@given(data=st.data(), profile=st.sampled_from(["jpki-sign", "rfc5280"]))
def test_bit_flipped_certificate_files(cli_env, attack_pki, data, profile, capsys):
    der = bytearray(attack_pki.first("valid").sign.cert_der)
    i = data.draw(st.integers(0, len(der) - 1))
    der[i] ^= 1 << data.draw(st.integers(0, 7))
    path = cli_env["dir"] / "flipped.der"
    path.write_bytes(bytes(der))
    assert_clean_exit(*run_cli(["chain", "--cert", str(path), "--profile", profile, *cli_env["common"]], capsys))


def test_certificate_with_unreadable_extensions(cli_env, attack_pki, capsys):
    path = cli_env["dir"] / "dup-ext.der"
    path.write_bytes(attack_pki.first("valid").sign.cert_der.replace(AKI_OID, SKI_OID))
    assert_clean_exit(*run_cli(["chain", "--cert", str(path), "--profile", "jpki-sign", *cli_env["common"]], capsys))


def test_missing_and_unreadable_inputs_are_usage_errors(cli_env, capsys):
    missing = cli_env["dir"] / "does-not-exist"
    assert run_cli(cms_args(cli_env, missing), capsys)[0] == 2
    directory = cli_env["dir"]
    assert run_cli(cms_args(cli_env, directory), capsys)[0] == 2
    assert run_cli(["chain", "--cert", str(missing), "--profile", "jpki-sign", *cli_env["common"]], capsys)[0] == 2


def test_installed_script_exit_codes(cli_env):
    """The console script end to end: garbage is exit 1 with the reason, never a traceback."""
    script = shutil.which("zairyu-verify") or str(__import__("pathlib").Path(sys.executable).with_name("zairyu-verify"))
    garbage = cli_env["dir"] / "garbage.p7s"
    garbage.write_bytes(b"\x30\x84\xff\xff\xff\xff")
    result = subprocess.run([script, *cms_args(cli_env, garbage)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["reason"] == "malformed"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("profile", ["jpki-sign", "rfc5280"])
def test_certificate_with_an_invalid_version(cli_env, attack_pki, profile, capsys):
    """Version field 3 (one bit flipped): cryptography raises InvalidVersion, which is not a ValueError
    (BUG-CLI-VERSION: was a traceback, fixed in 1def7f1)."""
    der = bytearray(attack_pki.first("valid").sign.cert_der)
    assert der[8:13] == bytes.fromhex("a003020102")  # [0] EXPLICIT INTEGER 2 (v3)
    der[12] ^= 1
    path = cli_env["dir"] / "bad-version.der"
    path.write_bytes(bytes(der))
    assert_clean_exit(*run_cli(["chain", "--cert", str(path), "--profile", profile, *cli_env["common"]], capsys))
