"""What notify consumes, each event bound to its use case (run in the inbox transaction).

One queue for all the notice events keeps intake's order (registration before the first application), so
notices are written in the applicant's language from the start.
"""

from __future__ import annotations

from notify.application import notices, personal_data
from notify.domain.notices import CONSUMED_EVENTS
from zairyu_shared.bus import Handler

HANDLERS = [
    Handler("notices", CONSUMED_EVENTS, notices.write_notices),
    Handler("personal_data", ("personal_data.export_requested",), personal_data.export_requested),
    Handler("account_closed", ("applicant.account_closed",), personal_data.account_closed),
]
