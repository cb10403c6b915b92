"""Databases for tests, already migrated: each service's Alembic history runs once per test process into a
template (a SQLite file, a PostgreSQL template database) and every test's database starts as a copy of it.
The schema is the one the migrations give, as before; what is saved is running them again for every test
(about 1.5 s a SQLite database and 1-3 s a PostgreSQL one on the CI machine's two cores)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .testing import as_admin, clean_up_later, database_url, drop_database, require_postgres

if TYPE_CHECKING:
    from .runtime import Runtime, ServiceDefinition


_sqlite_templates: dict[str, Path] = {}


def migrate_for_test(runtime: Runtime) -> None:
    """``runtime.migrate()``, quicker for a new SQLite file: the service's Alembic history is run once per test
    process into a template file, and each new database starts as a copy of it (about 1.5 s of migrations
    saved per test); then ``migrate()`` runs as always (a no-op upgrade, and the keyring's re-application).
    An existing file (a test restarting a service on its data) and other databases are migrated as given."""
    import atexit
    import tempfile

    import sqlalchemy as sa

    url = sa.engine.make_url(runtime.settings.database_url)
    target = Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
    if target is not None and target.name != ":memory:" and not target.exists():
        key = str(runtime.definition.migrations)
        template = _sqlite_templates.get(key)
        if template is None:
            folder = Path(tempfile.mkdtemp(prefix="zt-sqlite-template-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            template = folder / "template.db"
            from .migrations import upgrade

            upgrade(runtime.definition.migrations, url.set(database=str(template)).render_as_string(False))
            _sqlite_templates[key] = template
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)
    runtime.migrate()


_pg_templates: dict[str, str] = {}


@contextmanager
def migrated_database(definition: ServiceDefinition, prefix: str = "zt") -> Iterator[str]:
    """A new PostgreSQL database already holding the service's schema, dropped afterwards. The Alembic history
    runs once per test process into a template database; each database is a copy of it (CREATE DATABASE ...
    TEMPLATE, a file copy on the server), seconds quicker than migrating every one. Callers still call
    ``runtime.migrate()`` (then a no-op upgrade, and the keyring's re-application)."""
    import atexit

    from .migrations import upgrade

    require_postgres()
    key = str(definition.migrations)
    template = _pg_templates.get(key)
    if template is None:
        template = f"zt_template_{definition.name.replace('-', '_')}_{uuid.uuid4().hex[:12]}"
        as_admin(f'CREATE DATABASE "{template}"')
        atexit.register(drop_database, template)
        upgrade(definition.migrations, database_url(template))  # NullPool: no connection left on the template
        _pg_templates[key] = template
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    as_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield database_url(name)
    finally:
        clean_up_later(drop_database, name)
