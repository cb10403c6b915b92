"""A Verdict told to others: evidence for events and the internal API, and messages people read.

Consumers branch on the reason code; the message is for the applicant (in their language) and
never contains personal data, only which check failed.
"""

from __future__ import annotations

import datetime as dt
import os.path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from signing.domain.verdict import Reason, Verdict
from signing.domain.verdict_messages import TRANSLATED

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


# A submission without a card signature (signing.domain.attestation, issue 21): what the person reads, in the eight
# contract languages (the other reasons: verdict_messages.TRANSLATED).
_UNSIGNED_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "unsigned": "This application has no signature. Sign it with your My Number Card and submit it again; only the staff of an approved organisation can file without a card.",
        "attestation_invalid": "The application your organisation filed for you could not be accepted: its record of who filed it is not consistent. This is not your fault: the organisation can file it again.",
    },
    "ja": {
        "unsigned": "この申請には署名がありません。マイナンバーカードで署名してから、もう一度提出してください。カードなしで申請できるのは、承認を受けた所属機関等の職員だけです。",
        "attestation_invalid": "所属機関等があなたのために行った申請は受け付けられませんでした。申請した人の認証の記録に不整合があります。あなたの責任ではありません。所属機関等が改めて申請できます。",
    },
    "vi": {
        "unsigned": "Hồ sơ này không có chữ ký. Hãy ký bằng thẻ My Number rồi nộp lại; chỉ nhân viên của tổ chức đã được chấp thuận mới có thể nộp mà không cần thẻ.",
        "attestation_invalid": "Hồ sơ mà tổ chức đã nộp cho bạn không được tiếp nhận: thông tin về người nộp không nhất quán. Đây không phải lỗi của bạn; tổ chức có thể nộp lại.",
    },
    "zh_Hans": {
        "unsigned": "此申请没有签名。请用您的个人编号卡（My Number卡）签名后重新提交；只有获得批准的所属机构职员才能不用卡提交申请。",
        "attestation_invalid": "所属机构为您提交的申请未被受理：提交人的认证记录不一致。这不是您的过错，机构可以重新提交。",
    },
    "ko": {
        "unsigned": "이 신청에는 서명이 없습니다. 마이넘버카드로 서명한 후 다시 제출해 주십시오. 카드 없이 신청할 수 있는 사람은 승인을 받은 소속기관 직원뿐입니다.",
        "attestation_invalid": "소속기관이 귀하를 위해 제출한 신청을 접수할 수 없었습니다. 제출자 인증 기록이 일치하지 않습니다. 귀하의 잘못이 아니며, 기관이 다시 제출할 수 있습니다.",
    },
    "pt_BR": {
        "unsigned": "Este pedido não tem assinatura. Assine-o com o seu My Number Card e envie-o novamente; só os funcionários de uma organização aprovada podem apresentar pedidos sem o cartão.",
        "attestation_invalid": "O pedido que a sua organização apresentou por você não pôde ser aceito: o registro de quem o apresentou não é consistente. Não é culpa sua: a organização pode apresentá-lo novamente.",
    },
    "tl": {
        "unsigned": "Walang pirma ang aplikasyong ito. Pirmahan ito gamit ang iyong My Number Card at isumite muli; ang mga kawani lamang ng aprubadong organisasyon ang maaaring mag-file nang walang card.",
        "attestation_invalid": "Hindi natanggap ang aplikasyong isinumite ng iyong organisasyon para sa iyo: hindi tugma ang talaan kung sino ang nag-file nito. Hindi mo ito kasalanan; maaari itong i-file muli ng organisasyon.",
    },
    "ne": {
        "unsigned": "यो आवेदनमा हस्ताक्षर छैन। आफ्नो माइ नम्बर कार्डले हस्ताक्षर गरेर फेरि पेश गर्नुहोस्; स्वीकृत संस्थाका कर्मचारीले मात्र कार्डबिना आवेदन दिन सक्छन्।",
        "attestation_invalid": "तपाईंको संस्थाले तपाईंका लागि दिएको आवेदन स्वीकार गर्न सकिएन: आवेदन दिने व्यक्तिको प्रमाणीकरणको अभिलेख मेल खाँदैन। यो तपाईंको गल्ती होइन; संस्थाले फेरि आवेदन दिन सक्छ।",
    },
}
for _language, _texts in _UNSIGNED_MESSAGES.items():
    MESSAGES.setdefault(_language, {}).update(_texts)
for _language, _texts in TRANSLATED.items():  # the reasons in the other six languages (verdict_messages)
    MESSAGES.setdefault(_language, {}).update(_texts)


def message(reason: str | None, language: str = "en") -> str:
    """The applicant-facing text in one of the eight contract languages (English for any other)."""
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
    where = os.path.basename(rev.source) if rev.source_kind == "crl" else rev.source
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


def event_evidence(full: dict[str, Any], holder: dict[str, Any] | None) -> dict[str, Any]:
    """Exactly the fields of the SignatureEvidence contract (it refuses unknown ones), from ``evidence()``'s
    (``holder``: its holder, kept apart from the rest for sealing)."""
    return {
        "certificate_serial": full["certificate_serial"] or "",
        "issuer": full["issuer"] or "",
        "issuer_fingerprint": full["issuer_fingerprint"],
        "holder": holder or {},
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
