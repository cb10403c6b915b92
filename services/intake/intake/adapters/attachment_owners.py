"""Whose file a stored hash is: the rows that name it (an applicant's upload, a roster entry's paper consent).

The store seals each file under its owner's data key; a read by hash alone (review's internal fetch) and
the sealing of the older plain files (``rotate-keys``) find the owners here.
"""

from __future__ import annotations

import sqlalchemy as sa

from zairyu_shared.db import reading

from .organisation_tables import people
from .store import AttachmentStore
from .tables import attachments


def owners_of(conn: sa.Connection, sha256: str, scans: bool = True) -> list[str]:
    uploads = sa.select(attachments.c.applicant_id).where(attachments.c.sha256 == sha256)
    found = [str(o) for o in conn.execute(uploads.distinct()).scalars()]
    if scans:
        consents = sa.select(people.c.id).where(people.c.consent_document_sha256 == sha256)
        found += [str(o) for o in conn.execute(consents).scalars()]
    return found


def lookup(engine: sa.Engine):
    """For a read by hash alone: review's fetch of an application's uploads (indexed by hash). A roster
    entry's consent scan is never fetched by hash: it is not looked for there."""

    def owners(sha256: str) -> list[str]:
        with reading(engine) as conn:
            return owners_of(conn, sha256, scans=False)

    return owners


def seal_plain_files(engine: sa.Engine, store: AttachmentStore, batch: int = 100) -> dict[str, int]:
    """``rotate-keys``: every file stored plain (before sealing) goes under its owners' keys, in batches.

    The plain copy is deleted once the sealed ones are committed. A plain file no row names is left and
    counted (``files_unreferenced``): during a rolling deploy an older process may be about to record it.
    """
    report = {"files_sealed": 0, "files_erased_owner": 0, "files_unreferenced": 0}
    pending = store.plain_files()
    for start in range(0, len(pending), batch):
        done: list[str] = []
        with engine.begin() as conn:
            for sha in pending[start : start + batch]:
                owners = owners_of(conn, sha)
                if not owners:
                    report["files_unreferenced"] += 1
                    continue
                sealed, erased = store.seal_plain(sha, owners, conn)
                report["files_sealed"] += sealed
                report["files_erased_owner"] += erased
                done.append(sha)
        for sha in done:  # committed: the keys the sealed copies need exist
            store.delete_plain(sha)
    return report
