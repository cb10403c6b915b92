"""Demo bureaus (Tokyo, Osaka) with one officer of each role; credentials printed once."""
from __future__ import annotations

import sqlalchemy as sa

from review.adapters import audit
from review.adapters.accounts import create_officer
from review.adapters.tables import officers
from zairyu_shared.db import transaction

DEMO = [("tokyo", "examiner"), ("tokyo", "supervisor"), ("tokyo", "bureau_admin"), ("tokyo", "auditor"),
        ("osaka", "examiner"), ("osaka", "supervisor"), ("osaka", "bureau_admin"), ("osaka", "auditor")]


def seed_demo(runtime, out=print) -> list[dict]:
    created = []
    with transaction(runtime.session_factory) as session:
        for bureau, role in DEMO:
            username = f"{bureau}-{role.replace('bureau_', '')}"
            if session.execute(sa.select(officers.c.id).where(officers.c.username == username)).first():
                continue
            officer_id, password, secret = create_officer(session, username, f"{bureau.title()} {role}", role, bureau)
            audit.append(session, "seed-demo", "officer.created", bureau=bureau, target=officer_id,
                         detail={"username": username, "role": role})
            created.append({"username": username, "password": password, "totp_secret": secret, "id": officer_id,
                            "role": role, "bureau": bureau})
    if created:
        out("review demo officers (shown once; add the TOTP secret to an authenticator app):")
        for c in created:
            out(f"  {c['username']:20} password {c['password']:18} TOTP secret {c['totp_secret']}")
    else:
        out("review demo officers already exist")
    return created
