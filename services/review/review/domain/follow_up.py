"""Who may correct or withdraw an application, and how review checks that it was them.

The rule. An application is corrected or withdrawn by the person it is for, with their own My Number Card; an
application an approved organisation filed may also be corrected or withdrawn by that organisation's staff: a
member still active in an organisation whose approval for use is current, signing with a card in their staff
session or, without a card, with a fresh TOTP code (the same step-up as filing without a card). Nobody else: the
signature of any other JPKI card holder, another organisation's staff, or a member removed from the organisation,
is refused (intake refuses them before anything is sent; review refuses what reaches it anyway).

Sources:
- Neither the Immigration Control Act nor its enforcement regulations say who may withdraw an application (a
  practitioner's note, office-immi-lawyer.com/blog/immigration-law/torisage: "入管法、施行規則…に取下げに関する規定は
  ありません"); in practice the bureau takes a written withdrawal from the applicant, a representative (a relative
  or the employing company's staff) or the 申請取次者 who filed it (visa-com.jp/common/torisage-cancel/: 取り下げが
  できる人 — 申請人本人, 代理人 (親族や雇用会社の職員), 取次者).
- An organisation's staff use ISA's online system as 申請等取次者 approved by (or meeting the requirements of) a
  regional bureau, once the organisation's application for use is approved (ISA Q&A, Q1-1 注3・注4 and Q1-3,
  moj.go.jp/isa/applications/online/online-QA.html; moj.go.jp/isa/applications/online/10_00114.html), and a user
  who leaves the organisation stops being one (ISA, 利用者情報の修正・変更等, 所属機関等の利用者が離職した場合,
  moj.go.jp/isa/applications/online/online-riyousyajyouhouhenkou.html): so only active staff of the organisation
  that filed act on its filings.
- A 取次者 may hand in a 申請内容の変更申出 for the applicant (otk-gyosho.com, 申請取次の範囲: その他 (3)) but may not
  rewrite the applicant's form (marumero-firm.com, 申請取次の部屋): here a correction is a request to the bureau, never
  an edit of the filed form, whoever sends it.
- The person's own card: the applicant signs their own requests (ISA leaflet 「令和4年3月以降のオンラインによる在留手続
  について」, moj.go.jp/isa/content/001368775.pdf: the foreign national files with the My Number Card and JPKI).

How review checks it (intake is the authority on accounts, staff and approvals, and already refused the others):
- requested by the applicant: the signature must be the case's signer's when the person filed it themself or a
  private person filed it for them (the holder the case keeps); on an organisation's filing the case keeps no
  holder of the person (the staff member signed, or nobody did), so the signature must be of the holder intake
  found on the person's own account (``expected_holder``), which signing checks against the certificate;
- requested by organisation staff: only on a case an organisation filed, and only by that organisation; with a card
  (signing checks the signature, with the holder intake found in the staff member's certificate) or with the staff
  session's attestation (signing checks its bytes and times);
- anything else (a v1 request on an organisation's case, with no holder to check against): refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from review.domain.authentication import ORGANISATION_FILER_ROLES, ORGANISATION_STAFF

__all__ = ["ORGANISATION_STAFF", "Check", "check_for", "requester"]

HOLDER_KEYS = ("name", "date_of_birth", "sex", "address")

# Why a request was refused before any signature was looked at (the case page names them in Japanese).
NOT_THE_FILING_ORGANISATION = "not_the_filing_organisation"
NO_HOLDER_TO_CHECK = "no_holder_to_check"
NOT_THE_APPLICANT = "not_the_applicant"
MESSAGES = {
    NOT_THE_FILING_ORGANISATION: "Only the staff of the organisation that filed this application may correct or "
    "withdraw it.",
    NO_HOLDER_TO_CHECK: "There is no holder to check the signature against: only the person, with their own card, "
    "or the filing organisation's staff may correct or withdraw this application.",
    NOT_THE_APPLICANT: "The request names another applicant than this application's.",
}


@dataclass(frozen=True)
class Check:
    """What to ask signing: verify a card's signature against ``holder``, or judge a staff session's attestation
    (``attest``); or nothing, ``refused`` with a reason code."""

    holder: dict[str, Any] | None = None
    attest: bool = False
    refused: str | None = None


def _holder(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if not values:
        return None
    found: dict[str, Any] = {k: values.get(k) for k in HOLDER_KEYS}
    return {k: (v if isinstance(v, str) or v is None else v.isoformat()) for k, v in found.items()}


def organisation_filed(filer: dict[str, Any] | None) -> bool:
    return filer is not None and str(filer.get("role")) in ORGANISATION_FILER_ROLES


def filing_organisation(form: dict[str, Any]) -> str | None:
    """The id of the organisation that filed, as the filed bytes name it (intake's organisation filings write it
    into the signed or attested document's ``filer``, card or no card)."""
    filer = form.get("filer")
    return filer.get("organisation_id") if isinstance(filer, dict) else None


def check_for(
    filer: dict[str, Any] | None, form: dict[str, Any], evidence: dict[str, Any], request: dict[str, Any]
) -> Check:
    """How to check one correction request or withdrawal (``request``: the event's data) on a case filed by
    ``filer`` (the case's filer record), whose filed document is ``form``, with ``evidence`` (what the case keeps of
    how the filer was authenticated)."""
    by = request.get("requested_by") or {"role": "applicant"}  # v1: the applicant's own account
    if by["role"] == "organisation_staff":
        filed_by = filing_organisation(form) if organisation_filed(filer) else None
        if filed_by is None or filed_by != by.get("organisation_id"):
            return Check(refused=NOT_THE_FILING_ORGANISATION)
        if (request.get("authentication") or {}).get("method") == "organisation_staff":
            return Check(attest=True)
        holder = _holder(request.get("expected_holder"))
        return Check(holder=holder) if holder else Check(refused=NO_HOLDER_TO_CHECK)
    if organisation_filed(filer):
        holder = _holder(request.get("expected_holder"))  # the person's own card: the case has no holder of theirs
    else:
        holder = _holder(evidence.get("holder"))  # whoever signed the application signs its follow-ups
    return Check(holder=holder) if holder else Check(refused=NO_HOLDER_TO_CHECK)


def actor(request: dict[str, Any]) -> str:
    """Who the case's history names for the request: the applicant, or the filing organisation (its staff)."""
    by = request.get("requested_by") or {}
    return "filing_organisation" if by.get("role") == "organisation_staff" else "applicant"


def requester(request: dict[str, Any]) -> dict[str, Any]:
    """Who asked, as the case keeps and shows it (ids, and the staff member's name)."""
    by = request.get("requested_by") or {"role": "applicant"}
    return {k: v for k, v in by.items() if v is not None}
