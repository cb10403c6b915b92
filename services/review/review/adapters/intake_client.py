"""Attachments, fetched byte-exact from intake's content-addressed store and checked against their hash."""

from __future__ import annotations

import hashlib
import re
import urllib.error
import urllib.request


class AttachmentUnavailable(Exception):
    pass


class AttachmentCorrupt(Exception):
    """What intake sent is not what the applicant signed (hash mismatch)."""


class IntakeAttachments:
    def __init__(self, base_url: str, timeout: float = 10.0, max_bytes: int = 26 * 1024 * 1024):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_bytes = max_bytes

    def fetch(self, sha256: str) -> bytes:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError("not a sha256")
        url = f"{self.base_url}/internal/v1/attachments/{sha256}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                body = response.read(self.max_bytes + 1)
        except (urllib.error.URLError, OSError) as exc:
            raise AttachmentUnavailable(f"intake did not deliver {sha256}: {exc}") from exc
        if len(body) > self.max_bytes:
            raise AttachmentCorrupt(f"{sha256}: larger than any attachment may be")
        got = hashlib.sha256(body).hexdigest()
        if got != sha256:
            raise AttachmentCorrupt(f"asked for {sha256}, received bytes hashing to {got}")
        return body
