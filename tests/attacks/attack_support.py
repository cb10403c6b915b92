"""Budgets for the hostile-input tests (imported by the test modules; conftest puts this folder on sys.path).

The default budget is derandomized and small so the suite stays fast and stable in CI;
``HYPOTHESIS_PROFILE=deep`` multiplies the example counts by 25 and draws fresh randomness.
Settings are applied per test, never loaded as a global profile, so other packages' hypothesis
tests in the same pytest run keep theirs.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

DEEP = os.environ.get("HYPOTHESIS_PROFILE", "").lower() == "deep"
DEEP_FACTOR = 25


def attack_settings(max_examples: int, **kw) -> settings:
    return settings(
        max_examples=max_examples * (DEEP_FACTOR if DEEP else 1),
        derandomize=not DEEP,
        deadline=kw.pop("deadline", 5000),  # a hang shows up as a deadline failure, not a stuck run
        database=None,  # no .hypothesis/ directory written into the repo
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
        **kw,
    )
