"""The restore drill at a small size (issue 20): review restored to a pg_dump taken before some applications;
afterwards every application is a case with the receipt number intake recorded, no mail went out twice, and
new applications get numbers nobody has seen."""

from __future__ import annotations

import pytest
import restore_drill

from zairyu_shared import testing


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_review_restored_to_an_earlier_backup_comes_back_consistent(tmp_path):
    testing.require_postgres()
    testing.require_rabbitmq()
    lines: list[str] = []
    problems = restore_drill.run(4, 4, 2, tmp_path, out=lines.append)
    report = "\n".join(lines)
    assert not problems, report
    assert "drill_cases_missing_after_restore: 4 cases" in report, report  # the restore really went back
    assert "drill_cases_with_their_original_number: 8 of 8" in report, report
