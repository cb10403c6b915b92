"""``zairyu-signer install-native-host``: let Chrome/Chromium start this program for the Zairyu extension.

Writes two files, for the user running it (no root needed):

* a wrapper script that runs this very Python with ``zairyu-signer native-host`` (browsers start native
  hosts with a bare environment and no shell: the manifest must name an absolute executable path), and
  allows only the Zairyu extension as caller (``ZAIRYU_SIGNER_ALLOWED_EXTENSIONS``);
* the host manifest ``jp.zairyu.signer.json`` in each browser's per-user NativeMessagingHosts folder,
  ``allowed_origins`` = the extension's pinned id (the ``key`` in browser-extension/manifest.json).

Folders (Chromium's native messaging docs, Linux): ``~/.config/chromium/NativeMessagingHosts``,
``~/.config/google-chrome/NativeMessagingHosts``; for another profile directory (``--user-data-dir``),
``<dir>/NativeMessagingHosts``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shlex
import sys

HOST_NAME = "jp.zairyu.signer"
# chrome-extension id derived from the "key" in browser-extension/manifest.json (checked by a test).
EXTENSION_ID = "kcajggocbdlaflbffbobpmabllekmbjf"
EXTENSION_ORIGIN = f"chrome-extension://{EXTENSION_ID}/"
BROWSER_DIRS = {"chromium": ".config/chromium", "chrome": ".config/google-chrome"}


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("install-native-host", help="register this program with Chrome/Chromium for the extension")
    p.add_argument("--browser", choices=[*BROWSER_DIRS, "all"], default="all")
    p.add_argument(
        "--user-data-dir",
        type=pathlib.Path,
        help="a browser profile directory (--user-data-dir) instead of the usual per-user folders",
    )
    p.add_argument(
        "--bin-dir",
        type=pathlib.Path,
        default=pathlib.Path.home() / ".local" / "share" / "zairyu-signer",
        help="where the wrapper script goes (default ~/.local/share/zairyu-signer)",
    )
    return p


def wrapper_text(reader: str | None, wait: float, lang: str | None) -> str:
    command = [sys.executable, "-m", "signing.entrypoints.signer_cli"]
    if reader:
        command += ["--reader", reader]
    if lang:
        command += ["--lang", lang]
    command += ["--wait", f"{wait:g}", "native-host"]
    return (
        "#!/bin/sh\n# Started by the browser for the Zairyu extension (zairyu-signer install-native-host).\n"
        f"export ZAIRYU_SIGNER_ALLOWED_EXTENSIONS={shlex.quote(EXTENSION_ORIGIN)}\n"
        f'exec {" ".join(shlex.quote(part) for part in command)} "$@"\n'
    )


def host_manifest(wrapper: pathlib.Path) -> dict:
    return {
        "name": HOST_NAME,
        "description": "Zairyu JPKI signer (My Number Card)",
        "path": str(wrapper),
        "type": "stdio",
        "allowed_origins": [EXTENSION_ORIGIN],
    }


def install(args: argparse.Namespace) -> list[pathlib.Path]:
    args.bin_dir.mkdir(parents=True, exist_ok=True)
    wrapper = args.bin_dir.resolve() / "zairyu-signer-native-host"
    wrapper.write_text(wrapper_text(args.reader, args.wait, args.lang))
    wrapper.chmod(0o755)
    if args.user_data_dir:
        folders = [args.user_data_dir / "NativeMessagingHosts"]
    else:
        names = list(BROWSER_DIRS) if args.browser == "all" else [args.browser]
        folders = [pathlib.Path.home() / BROWSER_DIRS[name] / "NativeMessagingHosts" for name in names]
    written = [wrapper]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{HOST_NAME}.json"
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(host_manifest(wrapper), indent=2) + "\n")
        os.replace(tmp, target)
        written.append(target)
    return written


def run(args: argparse.Namespace) -> int:
    for path in install(args):
        print(path)
    return 0
