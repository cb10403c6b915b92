"""Demo bureaus (Tokyo, Osaka) with one officer of each role, and Tokyo's Yokohama district office
with an examiner and a supervisor of its own; credentials printed once."""

from __future__ import annotations

import sqlalchemy as sa

from review.adapters import audit
from review.adapters.accounts import create_officer
from review.adapters.tables import officers
from zairyu_shared.db import transaction

DEMO = [
    ("tokyo", "examiner"),
    ("tokyo", "supervisor"),
    ("tokyo", "bureau_admin"),
    ("tokyo", "auditor"),
    ("osaka", "examiner"),
    ("osaka", "supervisor"),
    ("osaka", "bureau_admin"),
    ("osaka", "auditor"),
]
# (bureau, office, role): officers who see only their office's cases (Kanagawa's applications).
DEMO_OFFICES = [("tokyo", "yokohama", "examiner"), ("tokyo", "yokohama", "supervisor")]


def seed_demo(runtime, out=print) -> list[dict]:
    created = []
    with transaction(runtime.session_factory) as session:
        for bureau, office, role in [(b, None, r) for b, r in DEMO] + DEMO_OFFICES:
            username = "-".join(p for p in (bureau, office, role.replace("bureau_", "")) if p)
            if session.execute(sa.select(officers.c.id).where(officers.c.username == username)).first():
                continue
            display = " ".join(p.title() for p in (bureau, office) if p) + f" {role}"
            officer_id, password, secret = create_officer(
                session,
                username,
                display,
                role,
                bureau,
                office=office,
                staff_id=f"DEMO-{username}",
                created_by="seed-demo",
            )
            audit.append(
                session,
                "seed-demo",
                "officer.created",
                bureau=bureau,
                target=officer_id,
                detail={
                    "username": username,
                    "role": role,
                    "office": office,
                    "staff_id": f"DEMO-{username}",
                    "enrolment": "enrolled (DEMO seed, pre-approved)",
                },
            )
            created.append(
                {
                    "username": username,
                    "password": password,
                    "totp_secret": secret,
                    "id": officer_id,
                    "role": role,
                    "bureau": bureau,
                    "office": office,
                }
            )
    if created:
        out(
            "review DEMO officers, pre-approved by the seed for trying (shown once; add the TOTP secret to an "
            "authenticator app):"
        )
        for c in created:
            out(f"  {c['username']:26} password {c['password']:18} TOTP secret {c['totp_secret']}")
    else:
        out("review demo officers already exist")
    return created
