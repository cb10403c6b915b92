"""Screenshots of the main pages in Japanese and English for the README (desktop and 375 px phone).

    .venv/bin/python services/intake/tools/screenshots.py [--chromium /usr/bin/chromium]

Runs the real app (SQLite, memory bus, a fake signing service at the HTTP-client boundary) on a
local port, walks an applicant through registration, an application and a few events, then
photographs the pages with Playwright (Debian's chromium; no browser download).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "screenshots"
sys.path.insert(0, str(HERE.parent / "tests"))  # run as a file: the tests' journey steps and testkit


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from following_scenario import decided, examination, received, verified
    from intake_testkit import EnglishClient, make_runtime, outbox_events
    from journey import fill_draft, register, submit
    from werkzeug.serving import make_server

    from intake.entrypoints.web import create_app

    rt = make_runtime(Path(tempfile.mkdtemp()))
    app = create_app(rt)
    app.config.update(WTF_CSRF_ENABLED=False)
    app.test_client_class = EnglishClient
    client = app.test_client()
    applicant_id = register(client, rt)
    _, answer = submit(client, fill_draft(client))
    app_id = answer.json["application_id"]
    draft_id = fill_draft(client)
    verified(rt, outbox_events(rt, "application.submitted")[0])
    rt.start_background()
    received(rt, app_id, applicant_id, receipt="TKY-2026-004217")
    examination(rt, app_id, applicant_id)
    from following_scenario import application_row

    from zairyu_shared.testing import wait_until

    wait_until(lambda: application_row(rt, app_id).status == "under_examination", message="events applied")
    decided(rt, app_id, applicant_id)  # approved with a fee: the timeline's last steps and the payment page
    wait_until(lambda: application_row(rt, app_id).status == "approved", message="decision applied")
    # An employer's staff member filing for an employee: the first step asks about the filer.
    started = client.post("/apply", data={"procedure": "extension", "filer_role": "employer_staff"})
    proxy_draft = started.headers["Location"].split("/")[2]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    session_cookie = client.get_cookie("zairyu_session").value

    from playwright.sync_api import sync_playwright

    from intake.application.following import receipt_code  # the public check needs the e-receipt's code

    OUT.mkdir(parents=True, exist_ok=True)
    pages = [
        ("home", "/"),
        ("apply", "/apply"),
        ("step", f"/apply/{draft_id}/step/0"),
        ("review", f"/apply/{draft_id}/review"),
        ("application", f"/applications/{app_id}"),
        ("proxy", f"/apply/{proxy_draft}/step/0"),
        ("payment", f"/applications/{app_id}/payment"),
        ("verify", "/verify?n=TKY-2026-004217&code=" + receipt_code(rt.settings.hashing_key, "TKY-2026-004217")),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        for lang in ("ja", "en"):
            for width, tag in ((1280, "desktop"), (375, "phone")):
                ctx = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
                ctx.add_cookies(
                    [
                        {"name": "zairyu_session", "value": session_cookie, "url": base},
                        {"name": "zairyu_lang", "value": lang, "url": base},
                    ]
                )
                page = ctx.new_page()
                for name, path in pages:
                    if tag == "phone" and name not in ("step", "application", "payment"):
                        continue
                    page.goto(base + path)
                    page.screenshot(path=str(OUT / f"{name}-{lang}-{tag}.png"), full_page=True)
                ctx.close()
        browser.close()
    server.shutdown()
    rt.stop()
    print(f"screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
