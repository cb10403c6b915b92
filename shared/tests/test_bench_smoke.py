"""zairyu_shared.testing.run_bench_smoke: a bench that outlives its timeout is interrupted so that it cleans up.

A smoke run of bench_shape killed at the test's timeout left its four scratch databases and its vhost on the
machine (found after a CI try); the next CI runs on that machine as the session left it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from zairyu_shared import testing

HANGS_IN_A_SCRATCH_DATABASE = """
import time
from zairyu_shared import testing
with testing.fresh_database("zt_smoke_hang") as url:
    print("# database", url.rsplit("/", 1)[1], flush=True)
    time.sleep(600)
"""


def _exists(name: str) -> bool:
    engine = sa.create_engine(testing.PG_ADMIN_URL, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    engine.dispose()
    return found is not None


def test_a_bench_past_its_timeout_fails_the_test_and_drops_its_scratch_database(tmp_path):
    testing.require_postgres()
    script = tmp_path / "bench_hangs.py"
    script.write_text(HANGS_IN_A_SCRATCH_DATABASE)
    with pytest.raises(pytest.fail.Exception) as failed:
        testing.run_bench_smoke(script, timeout=8)
    said = str(failed.value)
    assert "still running after 8 s" in said
    name = re.search(r"# database (\S+)", said)
    assert name, said  # what it printed before the timeout is in the failure
    assert not _exists(name.group(1)), "the interrupted bench left its database behind"


def test_a_line_that_is_no_figure_fails(tmp_path):
    script = tmp_path / "bench_says.py"
    script.write_text(
        'print("bench_rate: 12.5 ops/s")\nprint("# a comment")\nprint("  detail 3")\nprint("ratio: 0.5")\n'
    )
    with pytest.raises(AssertionError, match="no `name: value unit`: 'ratio: 0.5'"):
        testing.run_bench_smoke(script)
    script.write_text('print("bench_rate: 12.5 ops/s")\nprint("# a comment")\nprint("  detail 3")\n')
    assert testing.run_bench_smoke(script) == {"bench_rate": 12.5}
