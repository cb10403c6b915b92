"""A Verdict told to others: evidence for events and the internal API, and messages people read.

Consumers branch on the reason code; the message is for the applicant (in their language) and
never contains personal data, only which check failed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from signing.domain.verdict import Reason, Verdict

# Only these holder fields leave the service (the evidence contract's holder dict).
HOLDER_FIELDS = ("name", "name_substitution", "sex", "date_of_birth", "address", "address_substitution")
# Reasons that exist only at the service boundary (before the CMS is even looked at).
BOUNDARY_REASONS = ("content_mismatch", "malformed")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "valid": "The signature and the certificate are valid.",
        Reason.SIGNATURE_INVALID.value: "The signature does not match the signed document. Please sign and submit again.",
        Reason.CONTENT_MISMATCH.value: "The application changed after it was signed. Please sign and submit again.",
        Reason.UNTRUSTED_ISSUER.value: "The certificate was not issued by the Japan Agency for Local Authority Information Systems (J-LIS). Please sign with your My Number Card.",
        Reason.ISSUER_GENERATION_UNKNOWN.value: "The certificate's issuing authority is not recognised. Please sign with your My Number Card.",
        Reason.EXPIRED.value: "The signature certificate on your card has expired. Renew it at your municipal office, then sign again.",
        Reason.NOT_YET_VALID.value: "The signature certificate on your card is not valid yet. Please try again later.",
        Reason.REVOKED.value: "The signature certificate on your card has been revoked (for example after a change of name or address). Renew it at your municipal office, then sign again.",
        Reason.REVOCATION_STALE.value: "We could not confirm that your certificate is still valid because our revocation data is out of date. This is our problem, not yours: please submit again later.",
        Reason.REVOCATION_UNAVAILABLE.value: "We could not check whether your certificate is still valid. This is our problem, not yours: please submit again later.",
        Reason.WRONG_KEY_USAGE.value: "The certificate used is not a signature certificate. Please sign with the signature password (6 to 16 characters) of your My Number Card.",
        Reason.WRONG_POLICY.value: "The certificate used is not a JPKI signature certificate. Please sign with the signature password of your My Number Card.",
        Reason.LEAF_IS_CA.value: "The certificate used is not a personal signature certificate.",
        Reason.WEAK_KEY.value: "The certificate's key is too weak to be accepted.",
        Reason.WEAK_ALGORITHM.value: "The signature uses an algorithm that is no longer accepted.",
        Reason.HOLDER_MISMATCH.value: "The card used does not belong to the registered applicant (name, date of birth, sex or address differ). If your details changed, update your registration first.",
        Reason.MALFORMED.value: "The signature could not be read. Please sign and submit again.",
    },
    "ja": {
        "valid": "署名と証明書は有効です。",
        Reason.SIGNATURE_INVALID.value: "署名が署名対象の文書と一致しません。もう一度署名して提出してください。",
        Reason.CONTENT_MISMATCH.value: "署名後に申請内容が変更されています。もう一度署名して提出してください。",
        Reason.UNTRUSTED_ISSUER.value: "証明書が地方公共団体情報システム機構（J-LIS）の発行したものではありません。マイナンバーカードで署名してください。",
        Reason.ISSUER_GENERATION_UNKNOWN.value: "証明書の発行元を確認できません。マイナンバーカードで署名してください。",
        Reason.EXPIRED.value: "カードの署名用電子証明書の有効期限が切れています。市区町村の窓口で更新してから、もう一度署名してください。",
        Reason.NOT_YET_VALID.value: "カードの署名用電子証明書はまだ有効になっていません。しばらくしてからお試しください。",
        Reason.REVOKED.value: "カードの署名用電子証明書は失効しています（氏名・住所の変更など）。市区町村の窓口で更新してから、もう一度署名してください。",
        Reason.REVOCATION_STALE.value: "失効情報が古いため証明書の有効性を確認できませんでした。こちら側の問題です。しばらくしてから再度提出してください。",
        Reason.REVOCATION_UNAVAILABLE.value: "証明書の有効性を確認できませんでした。こちら側の問題です。しばらくしてから再度提出してください。",
        Reason.WRONG_KEY_USAGE.value: "署名用の証明書ではありません。マイナンバーカードの署名用パスワード（6～16文字）で署名してください。",
        Reason.WRONG_POLICY.value: "JPKIの署名用電子証明書ではありません。マイナンバーカードの署名用パスワードで署名してください。",
        Reason.LEAF_IS_CA.value: "個人の署名用電子証明書ではありません。",
        Reason.WEAK_KEY.value: "証明書の鍵の強度が不足しています。",
        Reason.WEAK_ALGORITHM.value: "現在受け付けていない署名方式です。",
        Reason.HOLDER_MISMATCH.value: "使用されたカードは登録された申請者のものではありません（氏名・生年月日・性別・住所が異なります）。変更があった場合は、先に登録情報を更新してください。",
        Reason.MALFORMED.value: "署名を読み取れませんでした。もう一度署名して提出してください。",
    },
}


def message(reason: str | None, language: str = "en") -> str:
    """The applicant-facing text; languages without a translation yet fall back to English."""
    table = MESSAGES.get(language, MESSAGES["en"])
    key = reason or "valid"
    return table.get(key) or MESSAGES["en"].get(key) or MESSAGES["en"][Reason.MALFORMED.value]


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _subject_cn(subject: str | None) -> str | None:
    if not subject:
        return None
    try:
        names = x509.Name.from_rfc4514_string(subject).get_attributes_for_oid(NameOID.COMMON_NAME)
    except ValueError:
        return None
    return str(names[0].value) if names else None


def revocation_source(verdict: Verdict) -> str | None:
    rev = verdict.revocation
    if rev is None or rev.source is None:
        return None
    # A CRL's file name, not the server path: the evidence travels to other services.
    where = PurePath(rev.source).name if rev.source_kind == "crl" else rev.source
    return f"{rev.source_kind}:{where}"


def holder_of(verdict: Verdict) -> dict[str, Any]:
    return {k: verdict.holder.get(k) for k in HOLDER_FIELDS} if verdict.holder else {}


def evidence(verdict: Verdict) -> dict[str, Any]:
    """The evidence as the internal API and signature.rejected carry it (JSON-safe)."""
    rev = verdict.revocation
    out: dict[str, Any] = {
        "certificate_serial": verdict.serial,
        "issuer": verdict.issuer,
        "issuer_fingerprint": verdict.root_fingerprint,
        "issuer_label": verdict.root_label,
        "profile": verdict.profile,
        "validation_time": _iso(verdict.validation_time),
        "signing_time": _iso(verdict.signing_time),
        "revocation_status": rev.status if rev else None,
        "revocation_source": revocation_source(verdict),
        "revocation_this_update": _iso(rev.this_update) if rev else None,
        "revocation_next_update": _iso(rev.next_update) if rev else None,
        "revocation_age_seconds": rev.age_seconds if rev else None,
        "soft_fail": verdict.soft_fail,
        "detail": verdict.detail or None,
    }
    if verdict.profile == "jpki-auth":
        out["subject_cn"] = _subject_cn(verdict.subject)
    else:
        out["holder"] = holder_of(verdict)
    return out


def event_evidence(verdict: Verdict) -> dict[str, Any]:
    """Exactly the fields of the SignatureEvidence contract (it refuses unknown ones)."""
    full = evidence(verdict)
    return {
        "certificate_serial": full["certificate_serial"] or "",
        "issuer": full["issuer"] or "",
        "issuer_fingerprint": full["issuer_fingerprint"],
        "holder": full.get("holder") or {},
        "validation_time": full["validation_time"],
        "signing_time": full["signing_time"],
        "revocation_source": full["revocation_source"],
        "revocation_this_update": full["revocation_this_update"],
        "revocation_next_update": full["revocation_next_update"],
        "revocation_age_seconds": full["revocation_age_seconds"],
        "soft_fail": full["soft_fail"],
    }


def boundary_rejection(reason: str, detail: str) -> Verdict:
    """A verdict for input refused before verification (undecodable base64, hash mismatch)."""
    return Verdict(valid=False, reason=Reason(reason), detail=detail)
