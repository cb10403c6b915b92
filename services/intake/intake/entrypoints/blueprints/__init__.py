"""The web front's blueprints, one per concern."""
from .api import bp as api
from .apply import bp as apply
from .attachments import bp as attachments
from .auth import bp as auth
from .drafts import bp as drafts
from .public import bp as public
from .register import bp as register
from .signing import bp as signing
from .status import bp as status

BLUEPRINTS = [public, register, auth, apply, drafts, attachments, signing, status, api]
