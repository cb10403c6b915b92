"""The events signing consumes, bound to the use cases that handle them (queue ``signing.<name>``)."""

from __future__ import annotations

from signing.application import personal_data, verifying
from zairyu_shared.bus import Handler

HANDLERS = [
    Handler("on_application_submitted", ("application.submitted",), verifying.on_application_submitted),
    Handler("personal_data", ("personal_data.export_requested",), personal_data.on_export_requested),
]
