"""A web worker renders PDFs for as long as it lives: its memory must not climb with each one, and two requests
rendering at once (``make run`` serves in threads) must both finish. Each run in a fresh process, as a worker."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from intake.adapters import fonts
from zairyu_shared.testing import unavailable

MEMORY = textwrap.dedent(
    """
    import gc
    from intake.adapters import pdfs
    from zairyu_shared.testing import proc_status_mb

    def mb(field):
        return int(proc_status_mb(field))

    def receipt():
        pdfs.e_receipt("在留期間", [("氏名", "在留期間更新許可申請 " * 20)], "https://example.jp/verify/x", lang="ja")

    for _ in range(5):
        receipt()
    gc.collect()
    warm = mb("VmRSS")
    for _ in range(30):
        receipt()
    print(warm, mb("VmHWM"))
    """
)

THREADS = textwrap.dedent(
    """
    import threading
    from intake.adapters import pdfs

    made = []

    def render(lang):
        for _ in range(5):
            made.append(pdfs.e_receipt("在留期間", [("氏名", "Giấy biên nhận 在留期間 " * 20)], "https://x.jp/v", lang=lang))

    threads = [threading.Thread(target=render, args=(lang,)) for lang in ("ja", "vi", "ko", "ne")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(sum(pdf.startswith(b"%PDF-") for pdf in made))
    """
)


def _run(code: str, timeout: float) -> str:
    gone = fonts.missing()
    if gone:
        unavailable(str(fonts.FontsMissing(gone)))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_rendering_receipts_one_after_another_does_not_grow_the_workers_memory():
    # Measured: with a font configuration per document the peak rose 399 MB over these 30 receipts (the Noto CJK
    # faces loaded again for each); with one per process, 44 MB.
    warm, peak = map(int, _run(MEMORY, timeout=2400).split())
    assert peak - warm < 120, f"RSS {warm} MB after 5 Japanese receipts, peak {peak} MB over 30 more"


def test_documents_rendered_from_several_threads_at_once_all_finish():
    # The shared font configuration without the render lock deadlocked here in 3 of 10 runs (0 of 10 with it).
    try:
        out = _run(THREADS, timeout=240)
    except subprocess.TimeoutExpired:
        raise AssertionError("rendering from four threads at once never finished (deadlock in the font map?)") from None
    assert int(out) == 20
