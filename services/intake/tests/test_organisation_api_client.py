"""An API client generated from the organisations' OpenAPI document does the organisation's flow (issue 21).

The document is the one intake serves (/org/api/v1/openapi.json); openapi-python-client turns it into a typed
package in the test's temporary folder, which calls intake in-process (httpx's WSGI transport: no port, no
browser). With a token scoped to roster and drafts: the roster, the consent links, a draft per person, the
photos, one batch of signing requests, signed with the staff member's card (the desktop signer, simulated), and
what became of each. The same token is refused elsewhere with 403 and the scope it lacks.
"""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import time_machine
from hostile_files import jpeg
from intake_testkit import HOLDERS, outbox_events
from journey import register, sign_code
from test_organisation_filing import fake_signing
from test_organisation_people import CORPORATE, PASSWORD, ROW, make_org

httpx = pytest.importorskip("httpx")

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)  # the roster's stays end 2027-02-01
BASE = "http://intake.test"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def generated(app, tmp_path):
    """The client package generated from the document intake serves."""
    document = app.test_client().get("/org/api/v1/openapi.json")
    assert document.status_code == 200
    (tmp_path / "openapi.json").write_bytes(document.data)
    # The CSV import's body is text/csv, which the generator maps to bytes only when told.
    (tmp_path / "config.json").write_text(
        json.dumps({"content_type_overrides": {"text/csv": "application/octet-stream"}, "post_hooks": []})
    )
    package = f"zairyu_org_client_{uuid.uuid4().hex[:8]}"
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(tmp_path / "openapi.json"),
            "--config",
            str(tmp_path / "config.json"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / package),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "will not be generated" not in done.stdout + done.stderr, done.stdout  # every operation has its method
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(str(tmp_path))


def module(generated, name):
    return importlib.import_module(f"{generated.__name__}.{name}")


def organisation_flow(app, rt, generated, count: int) -> None:
    api = lambda name: module(generated, f"api.default.{name}")  # noqa: E731
    models = module(generated, "models")
    types = module(generated, "types")
    transport = {"transport": httpx.WSGITransport(app=app)}

    web = app.test_client()
    _org_id, totp = make_org(web, rt)  # applied for use online and approved by the bureau (the pages' tests)

    anonymous = generated.Client(base_url=BASE, httpx_args=transport, raise_on_unexpected_status=True)
    token = api("create_token").sync(
        client=anonymous,
        body=models.TokenIn(
            email="admin@sample.example",
            password=PASSWORD,
            totp=pyotp.TOTP(totp).at(datetime.now() + timedelta(seconds=30)),
            scopes=[models.TokenInScopesItem.ROSTER, models.TokenInScopesItem.DRAFTS],
        ),
    )
    assert isinstance(token, models.TokenOut) and token.scopes == ["drafts", "roster"]
    client = generated.AuthenticatedClient(base_url=BASE, token=token.token, httpx_args=transport)

    # The roster: each person added, given a consent link, consenting from their own account.
    cards = [f"AB{i:08d}CD" for i in range(1, count + 1)]
    person_ids = []
    for card in cards:
        added = api("add_person").sync(
            client=client,
            body=models.PersonIn(
                name=f"PERSON {card}",
                status="engineer_humanities",
                period_of_stay="3 years",
                period_expiry="2027-02-01",
                card_number=card,
            ),
        )
        assert isinstance(added, models.PersonCreated), added
        link = api("create_consent_link").sync(person_id=added.person_id, client=client)
        assert isinstance(link, models.ConsentLinkOut) and link.url.startswith(f"{BASE}/org/consent/")
        person = app.test_client()  # the person, signed in with their own card, consents
        person.environ_base["REMOTE_ADDR"] = f"192.0.2.{len(person_ids) + 1}"  # each from their own address
        fake_signing(rt).holders[card] = {**HOLDERS["nguyen"], "name": f"PERSON {card}"}
        register(person, rt, holder=card, email=f"{card.lower()}@example.jp")
        assert person.post(link.url.removeprefix(BASE)).status_code == 200
        person_ids.append(added.person_id)
    roster = api("list_people").sync(client=client)
    assert sorted(p.person_id for p in roster) == sorted(person_ids)
    assert {p.consent for p in roster} == {"account"}

    # A draft per person, its photo, then one batch of signing requests (all or none).
    fields = models.DraftInFields.from_dict({k: v for k, v in ROW.items() if k != "card_number"})
    drafts = []
    for pid in person_ids:
        made = api("create_draft").sync(
            client=client, body=models.DraftIn(person_id=pid, procedure="extension", fields=fields)
        )
        assert isinstance(made, models.DraftCreated), made
        drafts.append(made.draft_id)
    key = uuid.uuid4()
    early = api("create_signing_requests").sync_detailed(
        client=client, body=models.SigningIn(draft_ids=drafts, batch_key=key)
    )
    assert early.status_code == 422 and early.parsed.error == "submit.not_ready"  # no photos yet
    for draft_id in drafts:
        photo = types.File(payload=io.BytesIO(jpeg()), file_name="photo.jpg", mime_type="image/jpeg")
        attached = api("add_attachment").sync(
            draft_id=draft_id, client=client, body=models.AddAttachmentBody(kind="photo", file=photo)
        )
        assert isinstance(attached, models.AttachmentOut) and attached.kind == "photo", attached
    batch = api("create_signing_requests").sync(client=client, body=models.SigningIn(draft_ids=drafts, batch_key=key))
    assert isinstance(batch, models.SigningBatchOut), batch
    assert [r.draft_id for r in batch.requests] == drafts and {r.status for r in batch.requests} == {"pending"}

    signer = app.test_client()  # the staff member's desktop signer, with their card: each application separately
    for request in batch.requests:
        assert sign_code(signer, request.code, "silva").json["ok"]

    status = api("get_signing_requests").sync(batch_key=str(key), client=client)
    assert {r.status for r in status.requests} == {"done"}
    assert all(r.provisional_number and r.application_id for r in status.requests)
    filed = [e["payload"] for e in outbox_events(rt, "application.submitted")]
    assert {e["application_id"] for e in filed} == {r.application_id for r in status.requests}
    assert len(filed) == count and {e["filer"]["organisation_number"] for e in filed} == {CORPORATE}
    listed = api("list_drafts").sync(client=client)
    assert sorted(d.draft_id for d in listed) == sorted(drafts)

    # The token for roster and drafts is refused elsewhere, saying which scope it lacks; no token: 401.
    refused = api("get_organisation").sync_detailed(client=client)
    assert refused.status_code == 403
    assert (refused.parsed.error, refused.parsed.needs) == ("org.api.scope", "organisation")
    assert "not issued for the scope 'organisation'" in refused.parsed.message
    refused = api("set_webhook").sync_detailed(client=client, body=models.WebhookIn(url="https://agent.example/h"))
    assert refused.status_code == 403 and refused.parsed.needs == "webhooks"
    nobody = generated.Client(base_url=BASE, httpx_args=transport)
    assert api("list_people").sync_detailed(client=nobody).parsed.error == "org.api.token"


def test_a_generated_client_files_three_extensions_with_a_token_for_roster_and_drafts(app, rt, generated):
    organisation_flow(app, rt, generated, 3)


@pytest.mark.slow
def test_a_generated_client_files_twenty_extensions(app, rt, generated):
    organisation_flow(app, rt, generated, 20)
