"""Words of the access log page (issue 22), in the applicant's language through the catalogs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLES = {
    "examiner": _l("Examiner"),
    "supervisor": _l("Supervisor"),
    "bureau_admin": _l("Administrator"),
    "auditor": _l("Auditor"),
}
PURPOSES = {
    "examination": _l("Examination of the application"),
    "supervision": _l("Supervision of the examination"),
    "audit": _l("Audit"),
    "applicant_request": _l("Your own request"),
    "legal_request": _l("A request under the law"),
}
KINDS = {
    "read": _l("Opened the file"),
    "decision": _l("Took a step in the decision"),
    "handover": _l("Handed the file to another office"),
    "export": _l("Exported the file"),
}
