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
        return self._post(
            "/internal/v1/verifications/cms",
            {
                "content_b64": content_b64,
                "signature_b64": signature_b64,
                "profile": "jpki-sign",
                "expected_holder": expected_holder,
                "language": language,
            },
        )

    def attest_follow_up(self, content_b64: str, request: dict, language: str = "en") -> dict:
        """A correction or withdrawal the filing organisation's staff sent without a card: {"verdict", "reason",
        "message", "checks"} from signing (``request``: application_id, applicant_id, requested_at and
        authentication, in their JSON form)."""
        return self._post(
            "/internal/v1/attestations/follow-up", {"content_b64": content_b64, **request, "language": language}
        )

    def _post(self, path: str, payload: dict) -> dict:
        body = json.dumps(payload).encode()
        request = urllib.request.Request(
            f"{self.base_url}{path}",
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
