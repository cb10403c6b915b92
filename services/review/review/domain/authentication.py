"""How the filer of a case was authenticated, and which filings the bureau accepts without a card signature.

An application reaches review either signed with a JPKI card (``signature.verified``: signing checked the signature
and the certificate) or, with no signature at all, as an approved organisation's staff filing
(``attestation.accepted``, issue 21). ISA admits the staff of organisations whose application for use (利用申出) it
approved, lawyers and gyoseishoshi, public-interest corporations and registered support organisations to file with
the user ID and password the approval gave them; the foreign national, a legal representative or a relative files
with the My Number Card (ISA leaflet 「令和4年3月以降のオンラインによる在留手続について」,
moj.go.jp/isa/content/001368775.pdf; Q&A Q1-1, Q1-3, moj.go.jp/isa/applications/online/online-QA.html). So review,
beside signing, files an unsigned application only when its filer is an organisation (the roles intake's
organisations file as), and keeps how it was authenticated for the officer.
"""

from __future__ import annotations

from typing import Any

# The filer roles of intake's organisations (its domain/organisations.FILER_ROLE_BY_KIND).
ORGANISATION_FILER_ROLES = frozenset(
    {"employer_staff", "licensed_agent", "support_organisation", "supervising_organisation"}
)
CARD_SIGNATURE, ORGANISATION_STAFF = "card_signature", "organisation_staff"


def accepts_without_signature(submission: dict[str, Any]) -> bool:
    """An application without a card signature is filed only as an approved organisation's staff filing."""
    auth = submission.get("authentication") or {}
    filer = submission.get("filer") or {}
    return (
        auth.get("method") == ORGANISATION_STAFF
        and bool(auth.get("organisation_staff"))
        and not submission.get("signature_cms_b64")
        and filer.get("role") in ORGANISATION_FILER_ROLES
    )


def method_of(evidence: dict[str, Any]) -> str:
    """How the case's filer was authenticated, from the evidence the case keeps."""
    auth = evidence.get("authentication") or {}
    return ORGANISATION_STAFF if auth.get("method") == ORGANISATION_STAFF else CARD_SIGNATURE
