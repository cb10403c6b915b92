"""The organisation answers the bureau's document requests for the applications it filed (issue 21: "answers to
document requests per person").

Only an application the organisation filed (its draft's ``submitted_application_id``) and only while the person
is on its roster and their consent, from the account the application belongs to or by a document (then the
application is on the account held for them: organisation_people.filing_account_id), is in force: the answer is
the person's own
(``application.documents_submitted`` as from their account, following.answer_documents), so the person sees it on
their application too. Another organisation's application, or one whose person withdrew, is not found.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from intake.adapters.organisation_tables import org_drafts, people, readable_people
from intake.adapters.tables import applicants, applications, attachments, document_requests

from . import drafting, following, organisation_people
from .organisations import Member


class NotFound(LookupError):
    pass


def _filed(session, member: Member, application_id: str) -> tuple[Any, Any, Any]:
    """(application, the person's account, roster row) of an application this organisation filed, or NotFound."""
    row = session.execute(
        sa.select(org_drafts.c.person_id).where(
            org_drafts.c.submitted_application_id == application_id,
            org_drafts.c.organisation_id == member.organisation_id,
        )
    ).first()
    if row is None:
        raise NotFound(application_id)
    app = session.execute(sa.select(applications).where(applications.c.id == application_id)).first()
    person = session.execute(
        sa.select(people).where(
            people.c.id == row.person_id,
            people.c.organisation_id == member.organisation_id,
            people.c.removed_at.is_(None),
            readable_people,
        )
    ).first()
    if app is None or person is None or organisation_people.filing_account_id(person) != app.applicant_id:
        raise NotFound(application_id)
    account = session.execute(sa.select(applicants).where(applicants.c.id == app.applicant_id)).first()
    return app, account, person


def _open_request(session, app, request_id: str):
    req = session.execute(
        sa.select(document_requests).where(
            document_requests.c.request_id == request_id,
            document_requests.c.application_id == app.id,
            document_requests.c.answered_at.is_(None),
        )
    ).first()
    if req is None:
        raise NotFound(request_id)
    return req


def request_page(session, member: Member, application_id: str, request_id: str) -> dict:
    """What the answer page shows: the person, the application, what is asked for and by when, the files so far."""
    app, _account, person = _filed(session, member, application_id)
    req = _open_request(session, app, request_id)
    files = session.execute(
        sa.select(attachments).where(
            attachments.c.request_id == request_id,
            attachments.c.applicant_id == app.applicant_id,
            attachments.c.application_id.is_(None),
        )
    ).all()
    return {
        "app": app,
        "person_name": person.name,
        "request": req,
        "items": json.loads(req._mapping["items"]),
        "files": files,
    }


def attach(runtime, session, member: Member, application_id: str, request_id: str, data: bytes, filename):
    """A document for the request, checked like every upload (UploadRefused), on the person's account."""
    app, _account, _person = _filed(session, member, application_id)
    _open_request(session, app, request_id)
    return drafting.add_attachment(runtime, session, app.applicant_id, data, "other", filename, request_id=request_id)


def answer(runtime, session, member: Member, application_id: str, request_id: str, message: str) -> None:
    """Send the documents (FollowError 'documents.none_attached' when nothing is attached yet)."""
    app, account, _person = _filed(session, member, application_id)
    _open_request(session, app, request_id)
    following.answer_documents(runtime, session, account, application_id, request_id, message)
