"""The fronts' access log without the secrets a path can carry (issue 20: logs are kept 90 days).

One-time links put their token in the path (``/register/verify/<token>``, ``/login/reset/<token>``,
``/account/email/confirm/<token>``, the signer's ``/sign/<code>``): whoever reads the log platform could use
a link not yet spent. ``RedactingLogger`` (gunicorn ``--logger-class``) writes those segments as ``…``;
identifiers that are not secrets (a case's UUID) stay, so an incident can still be followed. The peer's
address, the query string, the referrer and the browser are left out by the format itself
(deploy/k8s/tools/generate.py, ACCESS_LOG_FORMAT).
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,}$")  # the links' tokens: secrets.token_urlsafe(32), 43 characters
_CODE = re.compile(r"^[A-Z0-9]{4}(?:-[A-Z0-9]{4}){2,}$")  # signing codes, K7QM-2HXD-9PZA


def redact_path(path: str) -> str:
    return "/".join(
        "…" if not _UUID.match(part) and (_TOKEN.match(part) or _CODE.match(part)) else part for part in path.split("/")
    )


class RedactingLogger(Logger):  # type: ignore[misc]
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact_path(atoms.get("U") or "")
        atoms["r"] = "%s %s %s" % (atoms["m"], atoms["U"], atoms["H"])
        atoms["q"] = "-"
        return atoms
