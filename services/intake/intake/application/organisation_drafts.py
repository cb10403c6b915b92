"""Drafts the organisation prepares for its people, one at a time or many from a CSV (issue 21).

Every draft carries the organisation as filer: the filer role follows its kind (organisations.FILER_ROLE_BY_KIND)
and the filer section is filled from the approved organisation, so ISA's table per role (filers.py) and every
form rule (form.validate) apply as to an applicant's own draft. Only an organisation whose approval is current
prepares drafts, and only for a person on its roster who has consented.

A CSV is one row per person (``card_number`` names the person on the roster; ``procedure``; the form's fields
by their names). It is imported whole or not at all: any error in any row (per row and field) and nothing is
saved.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from intake.adapters.organisation_tables import org_drafts, organisations, people, readable_people
from intake.adapters.tables import personal
from intake.domain import filers, form, procedures
from intake.domain import organisations as rules
from intake.domain.fields import Field

from . import draft_limits
from .common import new_id, now, today_jst
from .organisations import Invalid, Member, require_filing_allowed

MAX_ROWS = 500  # one upload; larger batches are split by the filer
MAX_BYTES = 2 * 1024 * 1024
RESERVED = ("card_number", "procedure")


class NotAllowed(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def filer_values(org) -> tuple[str, dict[str, str]]:
    """(filer role, filer section) of the organisation: it is the filer of every draft it prepares."""
    role = rules.FILER_ROLE_BY_KIND[org.kind]
    values = {"organisation_name": org.name, "filer_address": org.address}
    if role == "licensed_agent":
        values.update(agent_qualification=org.agent_qualification or "", agent_number=org.agent_number or "")
    else:
        values["filer_corporate_number"] = org.corporate_number or ""
    if org.kind == "employer":  # the receiving organisation is the employer itself
        values.update(employer_name=org.name, employer_address=org.address, corporate_number=org.corporate_number or "")
    return role, values


@dataclass
class RowProblems:
    row: int  # 1-based, the header is row 0
    errors: dict[str, str] = field(default_factory=dict)


class ImportRefused(Exception):
    """Nothing was imported: the problems of every row, field by field."""

    def __init__(self, problems: list[RowProblems]):
        super().__init__(f"{len(problems)} rows refused")
        self.problems = problems


def _person_by_card(session, organisation_id: str) -> dict[str, sa.Row[Any]]:
    rows = session.execute(
        sa.select(people).where(
            people.c.organisation_id == organisation_id, people.c.removed_at.is_(None), readable_people
        )
    ).all()
    return {r.card_number: r for r in rows}


def _check_row(org, person, procedure: str, raw: dict[str, str]) -> tuple[form.Choice | None, dict, dict[str, str]]:
    errors: dict[str, str] = {}
    if person is None:
        errors["card_number"] = "org.error.not_on_roster"
    elif not rules.consent_in_force(person.consent, person.consent_document_until, today_jst()):
        errors["card_number"] = "org.error.no_consent"
    if procedure not in procedures.MAIN:
        errors["procedure"] = "error.choice"
        return None, {}, errors
    role, filer = filer_values(org)
    choice = form.Choice(procedure, (), role)
    for _name, key in filers.role_problems(procedure, role, {}, ()):
        errors.setdefault("procedure", key)
    fields = {k: v for k, v in raw.items() if k not in RESERVED}
    try:
        draft_limits.check_fields(choice, fields)
    except draft_limits.DraftRefused as refused:
        errors.update(refused.errors)
        return choice, {}, errors
    data = {**filer, **{k: v for k, v in fields.items() if v != ""}}
    if person is not None:
        data.setdefault("card_number", person.card_number)
    _values, problems = form.validate(choice, data, today_jst())
    for name, key in problems.items():
        errors.setdefault(name, key)
    return choice, data, errors


def import_csv(runtime, session, member: Member, content: bytes) -> tuple[str, int]:
    """(batch id, drafts created), or ImportRefused with every row's problems and nothing saved."""
    require_filing_allowed(session, member.organisation_id)
    if len(content) > MAX_BYTES:
        raise ImportRefused([RowProblems(0, {"file": "org.error.csv_too_large"})])
    try:
        text = content.decode("utf-8-sig")  # Excel writes a BOM
    except UnicodeDecodeError:
        raise ImportRefused([RowProblems(0, {"file": "org.error.csv_encoding"})]) from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "card_number" not in reader.fieldnames or "procedure" not in reader.fieldnames:
        raise ImportRefused([RowProblems(0, {"file": "org.error.csv_header"})])
    rows = list(reader)
    if not rows or len(rows) > MAX_ROWS:
        raise ImportRefused([RowProblems(0, {"file": "org.error.csv_rows"})])
    org = session.execute(sa.select(organisations).where(organisations.c.id == member.organisation_id)).one()
    roster = _person_by_card(session, member.organisation_id)
    checked: list[tuple[sa.Row[Any], form.Choice, dict[str, Any]]] = []
    problems: list[RowProblems] = []
    seen: set[tuple[str, str | None]] = set()
    for number, raw in enumerate(rows, start=1):
        if None in raw:  # more cells than the header names
            problems.append(RowProblems(number, {"file": "org.error.csv_cells"}))
            continue
        raw = {k.strip(): (v or "").strip() for k, v in raw.items()}
        card = raw.get("card_number", "").upper()
        person = roster.get(card)
        choice, data, errors = _check_row(org, person, raw.get("procedure", ""), raw)
        if person is not None and (person.id, raw.get("procedure")) in seen:
            errors.setdefault("card_number", "org.error.duplicate_row")
        if person is not None:
            seen.add((person.id, raw.get("procedure")))
        if errors or person is None or choice is None:  # (either None comes with an error)
            problems.append(RowProblems(number, errors))
        else:
            checked.append((person, choice, data))
    if problems:
        raise ImportRefused(problems)
    batch, at = new_id(), now()
    for person, choice, data in checked:
        with personal(session, person.id):  # under the roster entry's own data key (organisation_tables.org_drafts)
            session.execute(
                org_drafts.insert().values(
                    id=new_id(),
                    organisation_id=member.organisation_id,
                    person_id=person.id,
                    procedure=choice.procedure,
                    filer_role=choice.filer_role,
                    data=json.dumps(data, ensure_ascii=False),
                    batch_id=batch,
                    created_by=member.staff_id,
                    created_at=at,
                    updated_at=at,
                )
            )
    return batch, len(checked)


def create(runtime, session, member: Member, person_id: str, procedure: str, fields: dict[str, str]) -> str:
    """One draft for one person of the roster (the API's and the page's single draft); the same checks as a
    CSV row except completeness, which a draft need not have yet."""
    require_filing_allowed(session, member.organisation_id)
    org = session.execute(sa.select(organisations).where(organisations.c.id == member.organisation_id)).one()
    person = session.execute(
        sa.select(people).where(
            people.c.id == person_id,
            people.c.removed_at.is_(None),
            people.c.organisation_id == member.organisation_id,
            readable_people,
        )
    ).first()
    if person is None:
        raise LookupError(person_id)
    if not rules.consent_in_force(person.consent, person.consent_document_until, today_jst()):
        raise NotAllowed("org.error.no_consent")
    if procedure not in procedures.MAIN:
        raise NotAllowed("error.choice")
    role, filer = filer_values(org)
    problems = filers.role_problems(procedure, role, {}, ())
    if problems:
        raise NotAllowed(problems[0][1])
    choice = form.Choice(procedure, (), role)
    fields = {str(k): str(v) for k, v in fields.items()}
    draft_limits.check_fields(choice, fields)  # DraftRefused: unknown or over-long fields
    data = {**filer, "card_number": person.card_number, **fields}
    draft_id = new_id()
    with personal(session, person.id):  # under the roster entry's own data key
        session.execute(
            org_drafts.insert().values(
                id=draft_id,
                organisation_id=member.organisation_id,
                person_id=person.id,
                procedure=procedure,
                filer_role=role,
                data=json.dumps(data, ensure_ascii=False),
                created_by=member.staff_id,
                created_at=now(),
                updated_at=now(),
            )
        )
    return draft_id


# -- correcting one draft on the organisation's page ------------------------------------------------------------
# The filer section is the organisation's own (filer_values) and the card number names the roster person: neither is
# corrected in one draft (the roster, or the organisation's application for use, is where they change).
FIXED_FIELDS = frozenset({"card_number"})
FIXED_SECTIONS = frozenset({"filer"})


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class Editable:
    draft_id: str
    person_id: str | None
    procedure: str
    choice: form.Choice
    sections: tuple[str, ...]  # the form's sections staff may correct, in the form's order
    data: dict[str, Any]


def _editable_row(session, member: Member, draft_id: str):
    row = session.execute(
        sa.select(org_drafts).where(
            org_drafts.c.id == draft_id,
            org_drafts.c.organisation_id == member.organisation_id,
            org_drafts.c.submitted_application_id.is_(None),  # a filed draft is the record of what was filed
        )
    ).first()
    if row is None:
        raise NotFound(draft_id)
    return row


def editable(session, member: Member, draft_id: str) -> Editable:
    """A draft of this organisation not filed yet, with the sections of its form staff may correct (NotFound for
    another organisation's draft, as for an unknown one)."""
    row = _editable_row(session, member, draft_id)
    data = json.loads(row.data)
    choice = form.Choice(row.procedure, (), row.filer_role)
    governing = (
        data.get("desired_status") if procedures.needs_desired_status(row.procedure) else data.get("current_status")
    )
    sections = tuple(s for s in form.sections_for(choice, governing) if s not in FIXED_SECTIONS)
    return Editable(row.id, row.person_id, row.procedure, choice, sections, data)


def editable_fields(found: Editable, section: str) -> tuple[Field, ...]:
    return tuple(f for f in form.fields_for(found.choice, section) if f.name not in FIXED_FIELDS)


def correct(session, member: Member, draft_id: str, section: str, raw: dict[str, str]) -> None:
    """Staff correct one section of a draft before it is signed, with the checks of the form itself: an unknown or
    over-long value, or one its field refuses (a date that is not one, a choice not offered, a required field left
    empty...) saves nothing and comes back per field (Invalid). The whole form's and eligibility rules then show on
    the draft's page, as for an imported draft. Only while the organisation may file and the person consents."""
    require_filing_allowed(session, member.organisation_id)
    found = editable(session, member, draft_id)
    if section not in found.sections:
        raise NotFound(section)
    person = session.execute(
        sa.select(people).where(
            people.c.id == found.person_id,
            people.c.organisation_id == member.organisation_id,
            people.c.removed_at.is_(None),
            readable_people,
        )
    ).first()
    if person is None or not rules.consent_in_force(person.consent, person.consent_document_until, today_jst()):
        raise NotAllowed("org.error.no_consent")
    fields = {f.name: str(raw.get(f.name) or "").strip() for f in editable_fields(found, section)}
    try:
        draft_limits.check_fields(found.choice, fields)
    except draft_limits.DraftRefused as refused:
        raise Invalid(dict(refused.errors)) from None
    _values, errors = form.validate_section(found.choice, section, {**found.data, **fields})
    errors = {k: v for k, v in errors.items() if k in fields}
    if errors:
        raise Invalid(errors)
    data = {k: v for k, v in {**found.data, **fields}.items() if v != "" or k in FIXED_FIELDS}
    with personal(session, person.id):  # under the roster entry's own data key
        session.execute(
            org_drafts.update()
            .where(org_drafts.c.id == draft_id, org_drafts.c.submitted_application_id.is_(None))
            .values(data=json.dumps(data, ensure_ascii=False), updated_at=now())
        )
