from notify.adapters.tables import metadata
from zairyu_shared.migrations import run_env

run_env(metadata)
