"""HTTP client for the signing service's internal verification API (synchronous answers).

Only the two calls intake needs: a CMS signature over bytes (registration, card re-binding) and a
Web eID authentication token (card login). A transport failure is a ``SigningUnavailable``, which
the pages show as "try again shortly", never as a verdict.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field


class SigningUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str | None
    message: str
    evidence: dict = field(default_factory=dict)

    @property
    def holder(self) -> dict:
        return self.evidence.get("holder") or {}


class SigningClient:
    def __init__(self, base_url: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _post(self, path: str, body: dict) -> Verdict:
        req = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                answer = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                raise SigningUnavailable(f"signing service answered {exc.code}") from exc
            try:
                answer = json.loads(exc.read())
            except ValueError as inner:
                raise SigningUnavailable(f"signing service answered {exc.code}") from inner
            if "verdict" not in answer:
                raise SigningUnavailable(f"signing service refused the request ({exc.code}): {answer}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise SigningUnavailable(str(exc)) from exc
        return Verdict(
            valid=answer.get("verdict") == "valid",
            reason=answer.get("reason"),
            message=answer.get("message") or "",
            evidence=answer.get("evidence") or {},
        )

    def verify_cms(
        self, content: bytes, signature_der: bytes, expected_holder: dict | None = None, language: str | None = None
    ) -> Verdict:
        """``language``: the signer's, for the verdict's message (signing answers in English without it, and a
        Vietnamese applicant read why their signature failed in English)."""
        body = {
            "content_b64": base64.b64encode(content).decode(),
            "signature_b64": base64.b64encode(signature_der).decode(),
            "profile": "jpki-sign",
            "expected_holder": expected_holder,
        }
        if language:
            body["language"] = language
        return self._post("/internal/v1/verifications/cms", body)

    def verify_auth_token(self, token: dict, origin: str, nonce: str) -> Verdict:
        return self._post("/internal/v1/verifications/auth-token", {"token": token, "origin": origin, "nonce": nonce})
