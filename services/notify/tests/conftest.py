"""Fixtures live in notify_testkit (a unique module name: every package's tests share one sys.path)."""

from notify_testkit import *  # noqa: F403
