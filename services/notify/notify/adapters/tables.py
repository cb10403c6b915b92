"""The notify service's own tables (its database is its alone)."""
from __future__ import annotations

import sqlalchemy as sa

from zairyu_shared.db import add_messaging_tables

metadata = sa.MetaData()
outbox, inbox = add_messaging_tables(metadata)
