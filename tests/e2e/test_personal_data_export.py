"""A person's data export across the five services (real RabbitMQ and PostgreSQL): intake asks with
personal_data.export_requested, every service answers with its part, and the export holds everything each
service keeps under that applicant and nothing of the other applicant; only its owner may download it."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from platform_harness import platform

from zairyu_shared.testing import wait_until

ROOT = Path(__file__).resolve().parents[2]

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def seed(plat, who: str) -> str:
    """One applicant's rows in every service, each carrying a marker ``MARK-<who>-<service>-<what>``."""
    from card_delivery.adapters import tables as cd
    from intake.adapters import tables as it
    from notify.adapters import tables as nt
    from review.adapters import tables as rv
    from signing.adapters import tables as sg

    aid, app = str(uuid.uuid4()), f"app-{who}"
    mark = lambda svc, what: f"MARK-{who}-{svc}-{what}"  # noqa: E731
    with plat.runtimes["intake"].session_factory() as s, s.begin():
        s.execute(
            it.applicants.insert().values(
                id=aid,
                email=f"{who}@example.jp",
                email_lookup=uuid.uuid4().hex,
                language="vi",
                name=mark("intake", "name"),
                date_of_birth="1990-01-01",
                sex="female",
                address=mark("intake", "address"),
                cert_serial="1",
                cert_issuer="CA",
                holder_lookup=uuid.uuid4().hex,
                password_hash="x",
                created_at=NOW,
            )
        )
        s.execute(
            it.applications.insert().values(
                id=app,
                applicant_id=aid,
                idempotency_key=app,
                provisional_number=f"P-{who}",
                procedure="extension",
                status="under_examination",
                bureau="tokyo",
                language="vi",
                fee_yen=4000,
                form=json.dumps({"employer_name": mark("intake", "form")}),
                signed_content="",
                content_sha256="0" * 64,
                signature_cms="",
                submitted_at=NOW,
                updated_at=NOW,
            )
        )
        s.execute(
            it.notices.insert().values(
                id=f"n-{who}",
                applicant_id=aid,
                application_id=app,
                notice_type="received",
                subject=mark("intake", "notice"),
                body="b",
                created_at=NOW,
            )
        )
    with plat.runtimes["signing"].session_factory() as s, s.begin():
        s.execute(
            sg.verdicts.insert().values(
                event_id=str(uuid.uuid4()),
                application_id=app,
                applicant_id=aid,
                verdict="verified",
                evidence="{}",
                holder=json.dumps({"name": mark("signing", "holder")}),
                created_at=NOW,
            )
        )
    with plat.runtimes["review"].session_factory() as s, s.begin():
        s.execute(
            rv.cases.insert().values(
                application_id=app,
                applicant_id=aid,
                receipt_number=f"R-{who}",
                bureau="tokyo",
                procedure="extension",
                status_of_residence="engineer",
                nationality="VNM",
                language="vi",
                status="under_examination",
                is_open=True,
                submitted_at=NOW,
                received_at=NOW,
                card_by_mail=True,
                provisional_number=f"P-{who}",
                content_sha256="0" * 64,
                form=json.dumps({"employer_name": mark("review", "form")}),
                evidence="{}",
            )
        )
        s.execute(rv.case_history.insert().values(application_id=app, at=NOW, kind="received", actor="officer-7"))
        s.execute(rv.notes.insert().values(application_id=app, author="o1", at=NOW, body=f"INTERNAL-{who}"))
        s.execute(
            rv.document_requests.insert().values(
                request_id=f"rq-{who}",
                application_id=app,
                items=json.dumps([{"code": "x", "description": "d"}]),
                message=mark("review", "request"),
                deadline=(NOW + timedelta(days=14)).date(),
                requested_by="o1",
                requested_at=NOW,
            )
        )
    with plat.runtimes["notify"].session_factory() as s, s.begin():
        s.execute(
            nt.applicants.insert().values(
                applicant_id=aid, email=mark("notify", "email"), language="vi", display_name=who, updated_at=NOW
            )
        )
        for recipient, what in ((f"applicant:{aid}", "mail"), ("bureau:tokyo", "bureau")):
            s.execute(
                nt.notices.insert().values(
                    id=str(uuid.uuid4()),
                    event_id=str(uuid.uuid4()),
                    event_type="application.received",
                    notice_type="received",
                    channel="email",
                    recipient=recipient,
                    applicant_id=aid,
                    application_id=app,
                    language="vi",
                    subject=mark("notify", what),
                    body_text="b",
                    body_html="b",
                    state="sent",
                    created_at=NOW,
                    updated_at=NOW,
                    sent_at=NOW,
                )
            )
    with plat.runtimes["card-delivery"].session_factory() as s, s.begin():
        did = str(uuid.uuid4())
        s.execute(
            cd.delivery_cases.insert().values(
                delivery_id=did,
                application_id=app,
                applicant_id=aid,
                procedure="extension",
                fee_yen=4000,
                approved_at=NOW,
                name=mark("card", "name"),
                mailing_address=mark("card", "address"),
                certificate_address="東京都",
                state="dispatched",
                state_since=NOW,
                tracking_number=f"TRK-{who}",
            )
        )
        s.execute(
            cd.case_history.insert().values(
                delivery_id=did,
                action="dispatch",
                from_state="card_issued",
                to_state="dispatched",
                officer="mailroom-3",
                at=NOW,
            )
        )
    return aid


def unlabelled(export, data_export) -> set[str]:
    """The keys the PDF would print as raw English (data_export._rows' walk: a record's data, and its nested form,
    holder, detail and data), and the coded values it would print as codes ("state=awaiting_envelope")."""
    found: set[str] = set()

    def walk(data):
        for key, value in data.items():
            if data_export._label(key) == key.replace("_", " "):
                found.add(key)
            coded = data_export.CODED.get(key)
            if coded is not None and isinstance(value, str) and value not in coded:  # a code printed as it is
                found.add(f"{key}={value}")
            if isinstance(value, dict) and value and key in ("form", "holder", "detail", "data"):
                walk(value)

    for records in export["services"].values():
        for record in records:
            if record["kind"] not in data_export.KIND_TITLES:
                found.add(f"kind:{record['kind']}")
            walk(record["data"])
    return found


def test_the_export_holds_everything_of_its_owner_and_nothing_of_anyone_else():
    from intake.application import personal_data

    with platform() as plat:
        an, bo = seed(plat, "an"), seed(plat, "bo")
        intake = plat.runtimes["intake"]
        with intake.session_factory() as s, s.begin():
            export_id = personal_data.request_export(intake, s, an, "vi")
            other_id = personal_data.request_export(intake, s, bo, "en")

        def complete(eid, who):
            with intake.session_factory() as s:
                return personal_data.assemble(s, who, eid)

        export = wait_until(lambda: complete(export_id, an), timeout=60, message="every service answered")
        wait_until(lambda: complete(other_id, bo), timeout=60, message="the other export too")

        text = json.dumps(export, ensure_ascii=False)
        expected = [
            "MARK-an-intake-name",
            "MARK-an-intake-address",
            "MARK-an-intake-form",
            "MARK-an-intake-notice",
            "MARK-an-signing-holder",
            "MARK-an-review-form",
            "MARK-an-review-request",
            "MARK-an-notify-email",
            "MARK-an-notify-mail",
            "MARK-an-card-name",
            "MARK-an-card-address",
            "TRK-an",
            "R-an",
        ]
        assert [m for m in expected if m not in text] == []
        assert "MARK-bo" not in text and bo not in text and "TRK-bo" not in text
        # What the applicant may not be shown, or is not theirs: officers' notes and names, the bureau's mail.
        assert "INTERNAL-an" not in text and "officer-7" not in text and "mailroom-3" not in text
        assert "MARK-an-notify-bureau" not in text
        assert set(export["services"]) == {"intake", "signing", "review", "notify", "card-delivery"}

        client = plat.client("intake")
        with client.session_transaction() as sess:
            sess["applicant_id"], sess["epoch"] = an, 0
        page = client.get("/account", headers={"Accept-Language": "vi"}).get_data(as_text=True)
        assert f"/account/data-export/{export_id}.pdf" in page and other_id not in page
        got = client.get(f"/account/data-export/{export_id}.json")
        assert got.status_code == 200 and json.loads(got.data)["services"]["review"] == export["services"]["review"]
        pdf = client.get(f"/account/data-export/{export_id}.pdf", headers={"Accept-Language": "vi"})
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        # Every key every service exports is named in the reader's language: the PDF showed most as raw English keys
        # ("certificate serial", "email verified at", "fee yen", "decided at").
        from intake.entrypoints import data_export

        assert unlabelled(export, data_export) == set()
        vi_text = " ".join(
            subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True)
            .stdout.decode()
            .split()
        )
        for raw in (
            "certificate serial",
            "email verified at",
            "fee yen",
            "decided at",
            "notice type",
            "holder ·",
            "under_examination",
            "awaiting_envelope",
            "verified",
        ):
            assert raw not in vi_text, raw
        assert "4.000" in vi_text and " 4000 " not in vi_text  # the card's fee as Vietnamese writes amounts
        (ROOT / "var").mkdir(exist_ok=True)
        (ROOT / "var" / "data-export-sample-vi.pdf").write_bytes(pdf.data)
        # Tagalog: Babel names it fil_PH; the export is asked for and made with the contract's code, tl.
        client.application.config["WTF_CSRF_ENABLED"] = False  # the form's token is not what this checks
        asked = client.post("/account/data-export", headers={"Accept-Language": "tl"})
        assert asked.status_code == 302, asked.get_data(as_text=True)[:300]
        import sqlalchemy as sa

        from intake.adapters import tables as it

        with intake.session_factory() as s:
            languages = set(
                s.execute(sa.select(it.data_exports.c.language).where(it.data_exports.c.applicant_id == an)).scalars()
            )
        assert languages == {"vi", "tl"}
        tl_pdf = client.get(f"/account/data-export/{export_id}.pdf", headers={"Accept-Language": "tl"})
        assert tl_pdf.status_code == 200 and tl_pdf.data.startswith(b"%PDF")
        text = subprocess.run(["pdftotext", "-", "-"], input=tl_pdf.data, capture_output=True, check=True).stdout
        assert "Ang hawak ng sistema tungkol sa iyo" in " ".join(text.decode().split())
        # The other applicant's export, asked for by this one: the same answer as an unknown one.
        assert client.get(f"/account/data-export/{other_id}.json").status_code == 404
        assert client.get(f"/account/data-export/{other_id}.pdf").status_code == 404
