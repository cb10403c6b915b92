"""Intake figures: `name: value unit` lines (run: .venv/bin/python services/intake/bench/bench_intake.py).

- eligibility checks per second (pure domain)
- whole-form validations per second (NFKC + every field + eligibility)
- canonical signed documents per second
- upload checks per second for a 1-page PDF, a 600x800 JPEG photo and a 20-page scanned PDF;
  seconds to refuse a 0.5 MB PDF inflating to 512 MB
- submit path: prepare + redeem + outbox staging, per second, on SQLite (one process)
- e-receipts rendered per second (Japanese, Vietnamese, Nepali in turn) and how far a fresh process's memory
  rises over them after the first few (a web worker renders PDFs for as long as it lives)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # run as a file: the tests' hostile_files, testkit


def rate(name: str, func, seconds: float | None = None, unit: str = "ops/s") -> None:
    from zairyu_shared.testing import bench_size

    seconds = seconds if seconds is not None else bench_size(1.5, 0.05)
    func()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        func()
        n += 1
    print(f"{name}: {n / (time.perf_counter() - start):.1f} {unit}")


def _scan_pdf(pages: int) -> bytes:
    import zlib

    from hostile_files import jpeg, raw_pdf, stream

    image = jpeg((1600, 2200), color=(240, 238, 230))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (3 + 3 * i) for i in range(pages)), pages),
    ]
    for i in range(pages):
        content, img = 4 + 3 * i, 5 + 3 * i
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /XObject << /Im0 %d 0 R >> >> >>" % (content, img)
        )
        objects.append(stream(zlib.compress(b"q 595 0 0 842 0 0 cm /Im0 Do Q"), b"/Filter /FlateDecode"))
        objects.append(
            stream(
                image,
                b"/Type /XObject /Subtype /Image /Width 1600 /Height 2200 /ColorSpace /DeviceRGB "
                b"/BitsPerComponent 8 /Filter /DCTDecode",
            )
        )
    return raw_pdf(objects)


def main() -> None:
    from hostile_files import flate_bomb_pdf, jpeg, pdf
    from journey import worker_fields

    from intake.adapters.upload_checks import check
    from intake.domain import canonical, form, procedures
    from zairyu_shared.japan_time import japan_today

    today = japan_today()
    req = procedures.Request("extension", ("reentry",), "engineer_humanities", None, today + timedelta(days=40))
    rate("intake_eligibility_checks", lambda: procedures.check(req, today))
    raw = worker_fields(today + timedelta(days=40))
    raw["passport_expiry"] = (today + timedelta(days=900)).isoformat()
    rate("intake_form_validations", lambda: form.validate(form.Choice("extension", ("reentry",)), raw, today))
    values, _ = form.validate(form.Choice("extension", ("reentry",)), raw, today)
    atts = [{"sha256": "a" * 64, "kind": "photo", "media_type": "image/jpeg", "size": 1000}]
    rate(
        "intake_canonical_documents",
        lambda: canonical.signed_document(
            application_id="x",
            applicant_id="y",
            procedure="extension",
            bundled=["reentry"],
            form=values,
            attachments=atts,
            holder={"name": "N"},
        ),
    )
    one_page, photo = pdf(), jpeg()
    rate("intake_pdf_upload_checks", lambda: check(one_page, "document"))
    rate("intake_photo_upload_checks", lambda: check(photo, "photo"))
    # A 20-page scan (one 1600x2200 JPEG per page) and a 0.5 MB PDF inflating past the 256 MB budget.
    scan, bomb = _scan_pdf(20), flate_bomb_pdf(512 * 1024 * 1024)
    rate("intake_scan_20_pages_upload_checks", lambda: check(scan, "document"))
    start = time.perf_counter()
    try:
        check(bomb, "document")
    except Exception as refused:  # UploadRefused: upload.pdf_inflates_too_much
        print(f"# bomb: {type(refused).__name__} {getattr(refused, 'key', refused)}")
    print(f"intake_pdf_bomb_refusal_seconds: {time.perf_counter() - start:.2f} s")
    bench_submit()
    # In a process of its own: its peak RSS is the documents', not the upload checks' above.
    subprocess.run([sys.executable, __file__, "documents"], check=True)


def bench_documents() -> None:
    import gc

    from intake.adapters import pdfs
    from zairyu_shared.testing import bench_size, proc_status_mb

    def mb(field: str) -> int:
        return int(proc_status_mb(field))

    langs = ("ja", "vi", "ne")
    count = iter(range(10**9))

    def receipt() -> None:
        lang = langs[next(count) % len(langs)]
        pdfs.e_receipt("在留期間", [("氏名", "在留期間更新許可申請 Giấy biên nhận " * 10)], "https://x.jp/v", lang=lang)

    for _ in range(len(langs)):
        receipt()
    gc.collect()
    warm = mb("VmRSS")
    rate("intake_e_receipts_rendered", receipt, seconds=bench_size(5.0, 0.05), unit="documents/s")
    print(f"intake_pdf_worker_rss_after_warmup: {warm} MB")
    print(f"intake_pdf_worker_rss_peak_rise: {mb('VmHWM') - warm} MB")
    # Much of it is the font files FreeType maps (RssFile): page cache every worker shares. RssAnon is the worker's own.
    print(f"intake_pdf_worker_rss_anon: {mb('RssAnon')} MB")
    print(f"intake_pdf_worker_rss_file: {mb('RssFile')} MB")


def bench_submit() -> None:
    from hostile_files import jpeg
    from intake_testkit import fake_signature, make_runtime
    from journey import register, worker_fields

    from intake.application import accounts, drafting, signing_requests, submission
    from intake.entrypoints.web import create_app
    from zairyu_shared.db import transaction
    from zairyu_shared.testing import bench_size

    tmp = Path(tempfile.mkdtemp())
    rt = make_runtime(tmp)
    # Registered through the pages (the e-mailed link, the card's signature, the password), as the tests do:
    # registration is no longer one call since it starts with a link sent to the address.
    app = create_app(rt)
    app.config["WTF_CSRF_ENABLED"] = False
    applicant_id = register(app.test_client(), rt, "nguyen", "bench@example.jp")
    fields = worker_fields()
    photo = jpeg()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < bench_size(3.0, 0.05):
        with transaction(rt.session_factory) as s:
            draft_id = drafting.create(s, applicant_id, "extension", ["reentry"])
            drafting.save(s, applicant_id, draft_id, fields)
            drafting.add_attachment(rt, s, applicant_id, photo, "photo", "me.jpg", draft_id=draft_id)
        with transaction(rt.session_factory) as s:
            person = accounts.get(s, applicant_id)
            code = submission.prepare(rt, s, person, draft_id, f"k{n}")
        with transaction(rt.session_factory) as s:
            row = signing_requests.load(s, code)
            signing_requests.redeem(rt, s, code, fake_signature(signing_requests.content_of(row), "nguyen"))
        n += 1
    print(f"intake_submissions_sqlite: {n / (time.perf_counter() - start):.1f} submissions/s")
    rt.stop()


if __name__ == "__main__":
    bench_documents() if sys.argv[1:] == ["documents"] else main()
