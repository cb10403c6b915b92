"""Fixtures live in notify_testkit (a unique module name: every package's tests share one sys.path)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from notify_testkit import *  # noqa: F403
