"""Every column holding ciphertext is stored without a compression attempt, in every service's migrated database.

Ciphertext never compresses, and PostgreSQL's default tries pglz on each long value first: wasted server CPU on every
sealed outbox body, form and notice (zairyu_shared.migrations.store_uncompressed says how much). A column added later
holding ciphertext needs its migration to say so too; this test names it.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
import sqlalchemy as sa

from zairyu_shared import testing
from zairyu_shared.migrations import ciphertext_columns

SERVICES = sorted(entry.name for entry in entry_points(group="zairyu.services"))


def _storage(engine: sa.Engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT c.relname, a.attname, a.attstorage FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped"
            )
        )
        return {(table, column): storage for table, column, storage in rows}


@pytest.mark.parametrize("service", SERVICES)
def test_ciphertext_is_stored_without_a_compression_attempt(service):
    (entry,) = entry_points(group="zairyu.services", name=service)
    definition = entry.load()
    with testing.fresh_database() as url:
        runtime = testing.service_runtime(definition, database_url=url)
        try:
            storage = _storage(runtime.engine)
        finally:
            runtime.engine.dispose()
    columns = ciphertext_columns(definition.metadata)
    assert columns, "every service stores some personal data encrypted"
    compressed = [f"{table}.{column}" for table, column in columns if storage[(table, column)] != "e"]
    assert compressed == [], f"ciphertext columns PostgreSQL would try to compress (store_uncompressed): {compressed}"
