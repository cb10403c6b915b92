"""The service's objects built once per runtime: the attachment store and the signing client."""

from __future__ import annotations

from intake.adapters.signing_client import SigningClient
from intake.adapters.store import AttachmentStore


def store(runtime) -> AttachmentStore:
    if "store" not in runtime.extras:
        runtime.extras["store"] = AttachmentStore(runtime.settings.store_dir)
    return runtime.extras["store"]


def signing(runtime) -> SigningClient:
    if "signing" not in runtime.extras:
        runtime.extras["signing"] = SigningClient(runtime.settings.signing_url)
    return runtime.extras["signing"]
