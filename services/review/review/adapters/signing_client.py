"""Signing's synchronous verification API (withdrawals and corrections carry their own signatures)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


class SigningUnavailable(Exception):
    """No verdict (network, 5xx): the caller retries later; never treated as valid or invalid."""


class SigningVerifier:
    def __init__(self, base_url: str, timeout: float = 15.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def verify_cms(
        self, content_b64: str, signature_b64: str, expected_holder: dict | None, language: str = "en"
    ) -> dict:
        """{"verdict": "valid"|"invalid", "reason", "message", "evidence"} from signing."""
        body = json.dumps(
            {
                "content_b64": content_b64,
                "signature_b64": signature_b64,
                "profile": "jpki-sign",
                "expected_holder": expected_holder,
                "language": language,
            }
        ).encode()
        request = urllib.request.Request(
            f"{self.base_url}/internal/v1/verifications/cms",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise SigningUnavailable(f"signing answered {exc.code}: {exc.read()[:300]!r}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise SigningUnavailable(f"signing not reachable: {exc}") from exc
        if answer.get("verdict") not in ("valid", "invalid"):
            raise SigningUnavailable(f"signing gave no verdict: {answer!r:.300}")
        return answer
