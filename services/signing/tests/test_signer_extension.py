"""The browser extension and native host manifest hang together (names, files, permissions)."""
from __future__ import annotations

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
    assert manifest["permissions"] == ["nativeMessaging"]
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


@pytest.mark.parametrize("script", ["background.js", "content.js"])
def test_scripts_parse(script):
    if shutil.which("node") is None:
        pytest.skip("node is not installed: JavaScript syntax not checked")
    result = subprocess.run(["node", "--check", str(EXT / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
