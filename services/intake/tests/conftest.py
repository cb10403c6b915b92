"""Fixtures live in intake_testkit (a unique module name: every package's tests share one sys.path)."""

from intake_testkit import *  # noqa: F403
