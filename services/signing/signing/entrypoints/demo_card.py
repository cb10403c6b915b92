"""Embedded run only: the DEMO card in the virtual reader, where pcscd and vsmartcard-vpcd exist.

Then the desktop signer (`zairyu-signer redeem CODE`) and OpenSC see a real PC/SC card; without
them the same card logic stays available in-process behind the demo signer page (/demo/sign).
"""

from __future__ import annotations

import glob
import logging
import shutil
import subprocess
import threading

from signing.adapters.pcscd import pcscd_serving

log = logging.getLogger(__name__)
VPCD_DRIVERS = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so*"
VPCD_PORT = 35963  # vpcd slot 0, "Virtual PCD 00 00"


def card_stack_present() -> bool:
    return shutil.which("pcscd") is not None and bool(glob.glob(VPCD_DRIVERS))


def pcscd_for_the_run() -> subprocess.Popen | None:
    """A desktop starts pcscd on demand (systemd's pcscd.socket); a container or a machine without systemd has none,
    and the card would sit in a reader nobody serves (`zairyu-signer info`: no reader). Then the run starts one of
    its own and stops it with the run; a pcscd that serves is left alone (a socket with no process behind it is
    one killed outright, which serves nobody: pcscd starts over it)."""
    if pcscd_serving():
        return None
    try:
        return subprocess.Popen(
            ["pcscd", "--foreground"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
        )
    except OSError as exc:  # not allowed to (not root, no /run/pcscd): the card is still inserted for a later pcscd
        log.warning("could not start pcscd for the demo card: %s", exc)
        return None


def demo_card_worker(runtime, stop: threading.Event) -> list[threading.Thread]:
    # Only zairyu-run asks for it (ZAIRYU_DEMO_CARD): any other embedded runtime (tests start many) would put a
    # card in the machine's shared reader unasked.
    settings = runtime.settings
    if not settings.embedded or not getattr(settings, "demo_card", False) or not card_stack_present():
        return []
    from signing.adapters.vpcd import VirtualCardInserter
    from signing.testpki import load_test_pki
    from signing.testpki.card import card_for

    from .demo import demo_pki_dir

    pki_dir = demo_pki_dir(runtime.settings)
    if not (pki_dir / "manifest.json").exists():
        return []
    pki = load_test_pki(pki_dir)
    holder = pki.first("valid")
    pcscd = pcscd_for_the_run()
    inserter = VirtualCardInserter(card_for(pki, holder), port=VPCD_PORT)
    card_thread = inserter.start_thread()

    def pull_out_on_stop():
        stop.wait()
        inserter.stop()
        if pcscd is not None:
            pcscd.terminate()
            pcscd.wait(10)

    watcher = threading.Thread(target=pull_out_on_stop, name="demo-card-stop", daemon=True)
    watcher.start()
    print(
        f"signing: DEMO card of {holder.id} is in the virtual reader (pcscd{' started for this run' if pcscd else ''} + vpcd): "
        f"`zairyu-signer info`, `zairyu-signer redeem CODE --server http://127.0.0.1:8000`"
    )
    return [card_thread, watcher]
