"""The browser extension and native host manifest hang together (names, files, permissions, the pinned id).

Signing through them for real, in chromium with pcscd and the simulated card: tests/browser/test_extension_signing.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import pathlib
import re
import shutil
import subprocess

import pytest

EXT = pathlib.Path(__file__).resolve().parents[1] / "browser-extension"


def test_manifest_v3_references_existing_files():
    manifest = json.loads((EXT / "manifest.json").read_text())
    assert manifest["manifest_version"] == 3
    # storage: the pending request lives in storage.session (an idle MV3 worker is stopped after ~30 s)
    assert manifest["permissions"] == ["nativeMessaging", "storage"]
    assert (EXT / manifest["background"]["service_worker"]).exists()
    for script in manifest["content_scripts"]:
        assert all((EXT / js).exists() for js in script["js"])
        assert all(m.startswith(("https://", "http://localhost/", "http://127.0.0.1/")) for m in script["matches"])


def test_host_name_matches_and_origin_comes_from_the_sender():
    template = json.loads((EXT / "native-host" / "jp.zairyu.signer.json.template").read_text())
    background = (EXT / "background.js").read_text()
    assert re.search(r'const HOST = "([^"]+)"', background).group(1) == template["name"]
    assert template["type"] == "stdio"
    assert "origin = sender.origin" in background
    assert "message.request.origin" not in background


def extension_id(manifest: dict) -> str:
    key = base64.b64decode(manifest["key"])
    return "".join(chr(ord("a") + int(c, 16)) for c in hashlib.sha256(key).hexdigest()[:32])


def test_key_pins_the_extension_id_the_readme_tells_users_to_allow():
    """Unpacked, the id would follow the folder's path; the key makes it the same on every computer, so the
    native host manifest's allowed_origins can be written once."""
    from signing.entrypoints.native_host_install import EXTENSION_ID

    ext_id = extension_id(json.loads((EXT / "manifest.json").read_text()))
    assert ext_id == EXTENSION_ID == "kcajggocbdlaflbffbobpmabllekmbjf"
    assert f"chrome-extension://{ext_id}/" in (EXT.parent / "README.md").read_text()


def test_the_signer_window_is_where_secrets_are_typed():
    """Pages ask to sign or log in; the password and PIN are typed in confirm.html, not taken from the page."""
    html = (EXT / "confirm.html").read_text()
    assert re.findall(r'<script src="([^"]+)"', html) == ["strings.js", "confirm.js"]
    assert '<input type="password" id="secret"' in html
    for script in ("background.js", "content.js"):
        text = (EXT / script).read_text()
        assert "request.password" not in text and "request.pin" not in text, script


@pytest.mark.parametrize("script", ["background.js", "content.js", "confirm.js", "strings.js"])
def test_scripts_parse(script):
    if shutil.which("node") is None:
        pytest.skip("node is not installed: JavaScript syntax not checked")
    result = subprocess.run(["node", "--check", str(EXT / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_signer_window_words_in_all_eight_languages():
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the string table not checked")
    script = (
        "global.self = global; require(process.argv[1]); const T = self.ZairyuStrings.all;"
        "console.log(JSON.stringify(Object.fromEntries(Object.entries(T).map(([l, t]) => [l, Object.keys(t)]))));"
    )
    result = subprocess.run(["node", "-e", script, str(EXT / "strings.js")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    keys = json.loads(result.stdout)
    assert sorted(keys) == sorted(["en", "ja", "vi", "zh", "ko", "pt", "tl", "ne"])  # the signer's language codes
    assert all(sorted(k) == sorted(keys["en"]) for k in keys.values())


def test_install_native_host_writes_a_manifest_chromium_can_start(tmp_path):
    """The installer's wrapper, started as the browser starts it (absolute path, caller origin argument),
    answers the extension's hello; another extension is refused."""
    import struct
    import sys

    from signing.entrypoints.native_host_install import EXTENSION_ORIGIN

    profile = tmp_path / "profile"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "signing.entrypoints.signer_cli",
            "--wait",
            "0",
            "install-native-host",
            "--user-data-dir",
            str(profile),
            "--bin-dir",
            str(tmp_path / "bin"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((profile / "NativeMessagingHosts" / "jp.zairyu.signer.json").read_text())
    template = json.loads((EXT / "native-host" / "jp.zairyu.signer.json.template").read_text())
    assert manifest["name"] == template["name"] and manifest["type"] == "stdio"
    assert manifest["allowed_origins"] == [EXTENSION_ORIGIN]
    wrapper = pathlib.Path(manifest["path"])
    assert wrapper.is_absolute() and wrapper.stat().st_mode & 0o111
    body = json.dumps({"id": "h", "origin": "https://zairyu.example", "request": {"op": "hello"}}).encode()
    request = struct.pack("=I", len(body)) + body
    env = {"PATH": "/usr/bin:/bin"}  # browsers start hosts with little environment: the wrapper must not need PATH
    ok = subprocess.run([str(wrapper), EXTENSION_ORIGIN], input=request, capture_output=True, timeout=60, env=env)
    assert ok.returncode == 0, ok.stderr
    reply = json.loads(ok.stdout[4:])
    assert reply["ok"] and reply["hello"]["program"] == "zairyu-signer"
    refused = subprocess.run(
        [str(wrapper), "chrome-extension://someoneelse/"], input=request, capture_output=True, timeout=60, env=env
    )
    assert refused.returncode == 1 and b"caller_not_allowed" in refused.stdout
