"""Every event notify listens to, turned into notices inside the inbox transaction (the directory of
applicants and applications kept on the way)."""

from __future__ import annotations

import json
import logging

from notify.adapters import metrics, store
from notify.application.sending import wake_for_mail
from notify.bootstrap import ports
from notify.domain import delivery, formatting
from notify.domain.notices import EMAIL, INBOX, OFFICER_LANGUAGE, Planned, plan
from zairyu_shared.db import after_commit
from zairyu_shared.events.contracts import LANGUAGES

log = logging.getLogger(__name__)


def update_directory(session, event_type: str, data: dict, at) -> store.Known | None:
    """Keep the directory; an event about an application returns what the directory now holds about it and its
    applicant."""
    if event_type == "applicant.registered":
        store.remember_applicant(
            session,
            data["applicant_id"],
            email=data["email"],
            language=data["language"],
            display_name=data["display_name"],
            at=at,
        )
    elif event_type in ("applicant.contact_changed", "applicant.email_changed") or (
        event_type == "applicant.sign_in_changed" and data["change"] == "email_changed"
    ):
        store.remember_applicant(session, data["applicant_id"], email=data["email"], language=data["language"], at=at)
    elif event_type == "application.submitted":
        return store.remember_application(
            session,
            data["application_id"],
            data["applicant_id"],
            bureau=data["bureau"],
            procedure=data["procedure"],
            provisional_number=data["provisional_number"],
        )
    elif event_type == "application.received":
        return store.remember_application(
            session,
            data["application_id"],
            data["applicant_id"],
            bureau=data["bureau"],
            procedure=data["procedure"],
            receipt_number=data["receipt_number"],
        )
    return None


def write_notices(runtime, session, event) -> None:
    """The notices an event means (none for most), each in its audience's language, and the directory kept."""
    data = event.data
    known = update_directory(session, event.type, data, event.occurred_at) or store.application_info(
        session, data.get("application_id"), data.get("applicant_id")
    )
    planned = plan(event.type, data, known.application if known else None)
    if not planned:
        return
    # An event about a known application read its applicant with it; any other looks them up.
    person = known.applicant if known else store.applicant(session, data["applicant_id"])
    counts: list[tuple] = []
    handed: list[store.Claimed] = []
    for p in planned:
        counts.extend(_create(runtime, session, event, data, p, person, handed))

    def committed() -> None:  # count only what committed, and have a sender take the mail
        for c in counts:
            metrics.NOTICES.labels(*c).inc()
        built = ports(runtime)
        if handed and built.handoff is not None:
            built.handoff.put(handed)
        queued = any(channel == EMAIL and state == delivery.QUEUED for _type, _language, channel, state in counts)
        if queued or handed:
            wake_for_mail(built.senders, claim=queued)

    after_commit(session, committed)


def _create(
    runtime, session, event, data, p: Planned, person: store.Addressee | None, handed: list[store.Claimed]
) -> list[tuple]:
    """Insert the planned notice's rows; an e-mail that this process's senders can take at once is inserted as
    their claim and added to ``handed`` (given to them once the transaction commits)."""
    settings = runtime.settings
    handoff = ports(runtime).handoff
    state, error, address = delivery.QUEUED, None, p.address
    language: str | None
    if p.audience == "bureau":
        language, name = OFFICER_LANGUAGE, None
        recipient = f"bureau:{p.bureau or 'unknown'}"
        address = settings.mailboxes().get(p.bureau or "")
        if address is None:  # recorded as a failure ops will see, rather than silently dropped
            state, error = delivery.FAILED, f"no mailbox for bureau {p.bureau!r} in ZAIRYU_BUREAU_MAILBOXES"
        context = dict(p.context, review_url=settings.review_url)
    else:
        # The event's language is the applicant's choice at that moment; else the directory's.
        language = data.get("language") or (person.language if person else None)
        name = formatting.addressee_name(person.display_name) if person else None
        recipient = f"applicant:{data['applicant_id']}"
        context = p.context
    rendered = ports(runtime).catalogue.render(
        p.notice_type, language, context, name=name, portal_url=settings.portal_url, audience=p.audience
    )
    rows = []
    claims: dict[str, str] = {}  # notice id -> claim token
    to = address or (person.email if person else None)  # where the mail goes, as the sender would read it
    for channel in p.channels:
        values = dict(
            id=store.new_id(),
            event_id=event.id,
            event_type=event.type,
            notice_type=p.notice_type,
            channel=channel,
            recipient=recipient,
            applicant_id=data["applicant_id"],
            application_id=data.get("application_id"),
            language=rendered.language,
            subject=rendered.subject,
            body_text=rendered.text if channel == EMAIL else rendered.in_account_text,
            body_html=rendered.html,
        )
        values["attachment"] = None  # every row of the multi-row insert has the same keys
        if channel == EMAIL:
            values.update(
                state=state,
                last_error=error,
                address=address,
                attachment=json.dumps(p.attachment) if p.attachment else None,
            )
            # Claimed by its own INSERT (issue 24: a claiming transaction a mail less) when a sender here will
            # take it: it has an address, and the handoff is not a batch behind.
            if state == delivery.QUEUED and to and handoff is not None and handoff.has_room():
                values.update(store.claimed_on_insert())
                claims[values["id"]] = values["claim_token"]
        else:
            values.update(state=delivery.SENT, sent_at=store.now())  # delivered by the outbox, atomically
        rows.append(values)
    inserted = store.insert_notices(session, rows)
    counts = []
    for values in rows:
        if values["id"] not in inserted:
            continue
        counts.append((p.notice_type, rendered.language, values["channel"], values["state"]))
        if values["id"] in claims:
            handed.append(
                store.Claimed(
                    values["id"],
                    claims[values["id"]],
                    p.notice_type,
                    rendered.language,
                    rendered.subject,
                    values["body_text"],
                    rendered.html,
                    to,
                    attempts=1,
                    stolen=False,
                    attachment=p.attachment or None,
                )
            )
        if values["channel"] == INBOX:
            runtime.emit(
                session,
                "notice.created",
                {
                    "notice_id": values["id"],
                    "applicant_id": data["applicant_id"],
                    "application_id": data.get("application_id"),
                    "notice_type": p.notice_type,
                    "language": rendered.language if rendered.language in LANGUAGES else "ja",
                    "subject": rendered.subject,
                    "body_text": values["body_text"],
                    "created_at": values["sent_at"],
                },
                correlation_id=event.correlation_id,
                causation_id=event.id,
            )
    return counts
