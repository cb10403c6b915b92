"""The web front's blueprints, one per concern."""

from .access_log import bp as access_log
from .account_email import bp as account_email
from .api import bp as api
from .apply import bp as apply
from .attachments import bp as attachments
from .auth import bp as auth
from .demo_psp import bp as demo_psp
from .drafts import bp as drafts
from .org_api import bp as org_api
from .org_filing import bp as org_filing
from .org_follow_up import bp as org_follow_up
from .org_roster import bp as org_roster
from .org_staff_filing import bp as org_staff_filing
from .organisations import bp as organisations
from .payments import bp as payments
from .personal_data import bp as personal_data
from .public import bp as public
from .register import bp as register
from .signing import bp as signing
from .status import bp as status

BLUEPRINTS = [
    public,
    register,
    auth,
    apply,
    drafts,
    attachments,
    signing,
    status,
    payments,
    organisations,
    org_filing,
    org_roster,
    org_staff_filing,
    org_follow_up,
    org_api,
    personal_data,
    account_email,
    access_log,
    api,
]
# Registered only when ZAIRYU_PAYMENT_PROVIDER=demo, which the settings allow in the embedded run only.
DEMO_BLUEPRINTS = [demo_psp]
