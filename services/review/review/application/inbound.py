"""What the bureau does with the applicant's and the other services' events (consumer handlers).

Each runs inside the inbox transaction: its state change, history, audit entry and outgoing events
commit together, or not at all (and the message is retried).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime

import sqlalchemy as sa

from review.adapters import attachment_names, audit, metrics
from review.adapters.tables import (
    cases,
    corrections,
    document_requests,
    metadata,
    receipt_reservations,
    receipt_serials,
    signature_rejections,
)
from review.application.casework import (
    JST,
    NotFound,
    get_row,
    load_case,
    now,
    record_history,
    review_event,
    update_case,
)
from review.application.receipts_after_restore import numbers_of
from review.bootstrap import ports
from review.domain import authentication, follow_up, offices, organisation_use
from review.domain import case as machine
from review.domain import form as form_rules
from review.domain.receipt import bureau_of as receipt_bureau
from review.domain.receipt import receipt_number
from zairyu_shared.db import after_commit, statement_once
from zairyu_shared.events.vocabulary import RECEIVING_OFFICES
from zairyu_shared.subject_keys import sealing

_RECEIVED_IDS = uuid.UUID("6f1d2f0e-8c1e-4f5e-9a53-2b8f0c6a0d20")  # namespace of application.received ids


def new_receipt_number(session, application_id: str, receiving_office: str, at: datetime) -> str | None:
    """The receipt number of ``application_id``'s new case, or None when it is a case already (a replay under a
    new event id). Serials are kept per receiving office and year; the next one is taken only when the application
    has neither a case nor a number reserved after a restore (a replay never uses one up), and in the usual case
    that is the only statement: numbers_of is asked only when no serial was taken."""
    bureau = receiving_office  # receipt_serials.bureau holds the receiving office's key (a bureau's is its own)
    year = at.astimezone(JST).year
    s = receipt_serials

    def build():
        application_id = sa.bindparam("serial_application_id")
        return (
            s.update()
            .where(
                s.c.bureau == sa.bindparam("serial_bureau"),
                s.c.year == sa.bindparam("serial_year"),
                ~sa.exists().where(cases.c.application_id == application_id),
                ~sa.exists().where(receipt_reservations.c.application_id == application_id),
            )
            .values(last_serial=s.c.last_serial + 1)
            .returning(s.c.last_serial)
        )

    serial = session.execute(
        statement_once(("review.next_serial",), build),
        {"serial_bureau": bureau, "serial_year": year, "serial_application_id": application_id},
    ).scalar()
    if serial is None:  # a case already, a number kept after a restore, or the office's first case this year
        case_number, reserved = numbers_of(session, application_id)
        if case_number is not None:
            return None
        if reserved is not None:  # after a restore, a replayed submission gets back the number it was e-mailed
            return reserved
        serial = 1
        session.execute(s.insert().values(bureau=bureau, year=year, last_serial=1))
    return receipt_number(bureau, year, serial)


class NotAcceptedWithoutSignature(ValueError):
    """An unsigned application whose filer is not an organisation: no case (dead-lettered for an operator)."""


def receive(runtime, session, event) -> str | None:
    """signature.verified: a received case in its bureau's queue, with an official receipt number."""
    # The evidence and the filer are kept as signing sent them (their JSON form), as the case page reads them.
    return _open_case(runtime, session, event, event.payload["evidence"])


def receive_attested(runtime, session, event) -> str | None:
    """attestation.accepted: an approved organisation's staff filed it without a card signature (issue 21). Filed
    only when the filer is an organisation (review's own check, beside signing's and the contract's); the case keeps,
    as its evidence, how the filer was authenticated (the staff session, the organisation's approval, signing's
    checks), which the case page shows the officer. No certificate, so no holder."""
    sub = event.data["submission"]
    if not authentication.accepts_without_signature(sub):
        raise NotAcceptedWithoutSignature(
            f"application {event.data['application_id']}: unsigned, filer not an organisation"
        )
    sent = event.payload
    evidence = {
        "authentication": sent["submission"]["authentication"],
        "checks": sent["checks"],
        "checked_at": sent["checked_at"],
    }
    staff = sub["authentication"]["organisation_staff"]
    return _open_case(
        runtime,
        session,
        event,
        evidence,
        audit_detail={
            "authentication": authentication.ORGANISATION_STAFF,
            "staff_id": staff["staff_id"],
            "organisation_id": staff["organisation_id"],
        },
    )


def _open_case(runtime, session, event, evidence: dict, audit_detail: dict | None = None) -> str | None:
    data = event.data
    sub = data["submission"]
    sent = event.payload
    at = now()
    # Where intake's routing rules sent it (application.submitted v2 "routing"): one decision, made once.
    # The receiving office names the receipt number (東オン, 横オン...); a v1 submission: the bureau's own.
    routing = sub.get("routing") or {}  # v1: none
    receiving = routing.get("receiving_office")
    if receiving not in RECEIVING_OFFICES or receipt_bureau(receiving) != sub["bureau"]:
        receiving = sub["bureau"]
    number = new_receipt_number(session, data["application_id"], receiving, at)
    if number is None:
        return None  # already a case (a replay under a new event id)
    content = form_rules.decode_signed_content(sub["signed_content_b64"])
    office = offices.routed_office(sub["bureau"], routing.get("office"))
    attached, attached_names = attachment_names.split(sub["attachments"])
    with sealing(session, metadata, data["applicant_id"]):  # the applicant's own key: erasure reaches backups
        session.execute(
            statement_once(("review.case_insert",), cases.insert),
            dict(
                application_id=data["application_id"],
                applicant_id=data["applicant_id"],
                receipt_number=number,
                bureau=sub["bureau"],
                office=office,
                procedure=sub["procedure"],
                bundled=",".join(sub["bundled"]),
                status_of_residence=sub["status_of_residence"],
                desired_status=sub["desired_status"],
                nationality=sub["nationality"],
                language=sub["language"],
                status=machine.Status.RECEIVED.value,
                is_open=True,
                submitted_at=sub["submitted_at"],
                received_at=at,
                period_of_stay_expiry=sub["period_of_stay_expiry"],
                card_by_mail=sub["card_by_mail"],
                provisional_number=sub["provisional_number"],
                content_sha256=sub["content_sha256"],
                attachments=attached,
                attachment_names=attached_names,
                form=json.dumps(content, ensure_ascii=False),
                evidence=json.dumps(evidence, ensure_ascii=False),
                filer=json.dumps(sent["submission"]["filer"], ensure_ascii=False) if sub["filer"] else None,
                filer_lookup=organisation_use.filer_index_value(
                    runtime.settings.hashing_key, sent["submission"]["filer"] if sub["filer"] else None
                ),
            ),
        )
        # Under the same seal: its detail needs no look-up of the case's applicant and key.
        record_history(
            session,
            data["application_id"],
            "received",
            "system",
            None,
            "received",
            {"receipt_number": number, "event_id": event.id, "office": office},
            at,
        )
    audit.append(
        session,
        "system",
        "case.received",
        bureau=sub["bureau"],
        application_id=data["application_id"],
        target=number,
        detail={"event_id": event.id, "office": office, **(audit_detail or {})},
    )
    received = review_event(
        "application.received",
        {
            "application_id": data["application_id"],
            "applicant_id": data["applicant_id"],
            "receipt_number": number,
            "bureau": sub["bureau"],
            "office": office,
            "procedure": sub["procedure"],
            "received_at": at,
        },
        data["application_id"],
        event.id,
    )
    # One id per application, ever: received again after a restore, it is the same event to every inbox
    # (intake's timeline, notify's mail): nobody is told twice.
    runtime.stage(session, dataclasses.replace(received, id=str(uuid.uuid5(_RECEIVED_IDS, data["application_id"]))))
    after_commit(session, lambda: metrics.RECEIVED.labels(sub["bureau"], sub["procedure"]).inc())
    return number


def fee_paid(runtime, session, event) -> None:
    """intake's fee.paid: an approved certificate of authorised employment chosen as a signed PDF is sealed now,
    its fee paid (¥1,600 online, residence-procedures.md fees table), and sent to notify to mail."""

    from review.application import coe
    from review.domain import outcome as outcome_rules
    from zairyu_shared.japan_time import japan_date

    data = event.data
    row = session.execute(sa.select(cases).where(cases.c.application_id == data["application_id"])).first()
    if row is None or row.procedure != "employment_certificate" or row.status != machine.Status.APPROVED.value:
        return  # a card procedure's fee (card-delivery's business) or nothing to issue
    content = json.loads(row.form)
    form = form_rules.form_of(content)
    if outcome_rules.delivery_method(row.procedure, form) != "pdf":
        return  # on paper, by post
    at = now()
    signer = ports(runtime).coe_signer
    expiry = row.period_of_stay_expiry
    document_id, sealed = coe.issue(
        session,
        signer,
        application_id=row.application_id,
        receipt_number=row.receipt_number,
        bureau=row.bureau,
        holder=coe.holder_of(content),
        status=form.get("current_status") or row.status_of_residence,
        at=at,
        public_url=runtime.settings.public_url,
        kind="employment_certificate",
        until=expiry if expiry and expiry > japan_date(at) else None,
        activity=form.get("job_description") or form.get("activity_description"),
    )
    runtime.emit(
        session,
        "certificate.issued",
        coe.issued_event(row, document_id, signer.kid, sealed, at),
        correlation_id=row.application_id,
        causation_id=event.id,
    )


def record_rejection(runtime, session, event) -> None:
    """signature.rejected: no case; kept for statistics only (intake tells the applicant why)."""
    data = event.data
    if get_row(session, signature_rejections, data["application_id"]) is None:
        session.execute(
            signature_rejections.insert().values(application_id=data["application_id"], reason=data["reason"], at=now())
        )


def documents_submitted(runtime, session, event) -> None:
    data = event.data
    row = load_case(session, data["application_id"])
    request = session.execute(
        sa.select(document_requests).where(
            document_requests.c.request_id == data["request_id"],
            document_requests.c.application_id == row.application_id,
        )
    ).first()
    if request is None:
        raise NotFound(f"document request {data['request_id']}")
    if request.answered_at is not None:
        return  # this request was answered already (a resend): the first answer stands
    if row.status != machine.Status.DOCUMENTS_REQUESTED.value:
        # e.g. withdrawn meanwhile: keep the fact on the file, change nothing
        record_history(
            session,
            row.application_id,
            "documents_after_close",
            "applicant",
            row.status,
            row.status,
            {"request_id": data["request_id"]},
        )
        return
    new = machine.next_status(row.status, machine.Step.DOCUMENTS_SUBMITTED)
    answered, answered_names = attachment_names.split(data["attachments"])
    with sealing(session, metadata, row.applicant_id):  # the answer and the files' names: the applicant's key
        session.execute(
            document_requests.update()
            .where(document_requests.c.request_id == data["request_id"])
            .values(
                answered_at=data["submitted_at"],
                answer_message=data["message"],
                answer_attachments=answered,
                answer_attachment_names=answered_names,
            )
        )
    update_case(session, row, status=new.value)
    record_history(
        session,
        row.application_id,
        "documents_submitted",
        "applicant",
        row.status,
        new.value,
        {"request_id": data["request_id"], "attachments": [a["sha256"] for a in data["attachments"]]},
    )


def _case_for_applicant_request(session, application_id):
    """The case, or None when signing rejected the application (there never was a case).

    Otherwise a missing case raises: signature.verified may still be on its way (separate queues),
    so the handler is retried and, if it never comes, dead-lettered for an operator.
    """
    try:
        return load_case(session, application_id)
    except NotFound:
        if get_row(session, signature_rejections, application_id) is not None:
            return None
        raise


def _check_signature(runtime, row, event, at_field: str) -> dict:
    """Whether the request is the act of someone who may correct or withdraw this application, by the rule of
    review.domain.follow_up: the person's own card, or the filing organisation's staff (a card, or their staff
    session's TOTP step-up, judged by signing). Someone else's is refused, whatever their card."""
    data, sent = event.data, event.payload
    requester = follow_up.requester(data)
    language = row.language if row.language in ("ja", "en") else "en"
    filer = json.loads(row.filer) if row.filer else None
    check = follow_up.check_for(filer, json.loads(row.form), json.loads(row.evidence), data)
    if check.refused is None and data["applicant_id"] != row.applicant_id:
        check = follow_up.Check(refused=follow_up.NOT_THE_APPLICANT)
    if check.refused:
        return {
            "verdict": "invalid",
            "reason": check.refused,
            "message": follow_up.MESSAGES[check.refused],
            "requested_by": requester,
        }
    signing = ports(runtime).signing
    if check.attest:
        answer = signing.attest_follow_up(
            data["signed_content_b64"],
            {
                "application_id": sent["application_id"],
                "applicant_id": sent["applicant_id"],
                "requested_at": sent[at_field],
                "authentication": sent["authentication"],
            },
            language,
        )
        how = {"authentication": follow_up.ORGANISATION_STAFF, "checks": answer.get("checks") or []}
    else:
        answer = signing.verify_cms(data["signed_content_b64"], data["signature_cms_b64"], check.holder, language)
        how = {"authentication": "card_signature"}
    return {
        "verdict": answer["verdict"],
        "reason": answer.get("reason"),
        "message": answer.get("message", ""),
        "requested_by": requester,
        **how,
    }


def correction_requested(runtime, session, event) -> None:
    data = event.data
    row = _case_for_applicant_request(session, data["application_id"])
    if row is not None and get_row(session, corrections, data["correction_id"]) is None:
        signature = _check_signature(runtime, row, event, "requested_at")
        with sealing(session, metadata, row.applicant_id):  # the person's words: their own key
            session.execute(
                corrections.insert().values(
                    correction_id=data["correction_id"],
                    application_id=row.application_id,
                    message=data["message"],
                    signed_content_b64=data["signed_content_b64"],
                    signature=json.dumps(signature),
                    requested_at=data["requested_at"],
                )
            )
        record_history(
            session,
            row.application_id,
            "correction_requested",
            follow_up.actor(data),
            row.status,
            row.status,
            {"correction_id": data["correction_id"], "message": data["message"], "signature": signature},
        )


def withdrawn(runtime, session, event) -> None:
    """Shown on the case; it closes only when an officer acknowledges it, and only if validly signed."""
    data = event.data
    row = _case_for_applicant_request(session, data["application_id"])
    if row is None:
        return
    if row.status in {s.value for s in machine.TERMINAL} or row.withdrawal_requested_at is not None:
        record_history(
            session, row.application_id, "withdrawal_after_close", follow_up.actor(data), row.status, row.status
        )
        return
    signature = _check_signature(runtime, row, event, "withdrawn_at")
    if signature["verdict"] != "valid":
        record_history(
            session,
            row.application_id,
            "withdrawal_signature_invalid",
            follow_up.actor(data),
            row.status,
            row.status,
            {"signature": signature},
        )
        return
    update_case(
        session,
        row,
        withdrawal_requested_at=data["withdrawn_at"],
        withdrawal_reason=data["reason"],
        withdrawal_signature=json.dumps(signature),
    )
    record_history(
        session,
        row.application_id,
        "withdrawal_requested",
        follow_up.actor(data),
        row.status,
        row.status,
        {"reason": data["reason"], "signature": signature},
    )


def address_mismatch(runtime, session, event) -> None:
    data = event.data
    row = load_case(session, data["application_id"])
    update_case(session, row, address_mismatch=data["detail"])
    record_history(
        session,
        row.application_id,
        "address_mismatch",
        "card-delivery",
        row.status,
        row.status,
        {"detail": data["detail"], "delivery_id": data["delivery_id"]},
    )
