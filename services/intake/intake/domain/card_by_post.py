"""After an approval whose new card, or paper certificate of authorised employment, comes by post: what the
applicant sends, where, and the postage.

- What: the current residence card, the fee slip with revenue stamps (unless the fee was paid online), and a
  self-addressed return envelope with stamps for simple registered mail (residence-procedures.md, "What the
  applicant sees" item 6; ISA, オンライン申請の在留カード郵送受領). The employment certificate on paper costs a
  fee too (¥1,600 filed online, item 7) and is posted only once it is paid (card-delivery's document case
  waits for the envelope): the same envelope without a card. A paper COE is free and posted at once.
- Postage of the return envelope: a standard letter up to 50 g, ¥110, plus simple registered mail
  (簡易書留), ¥350 = ¥460 (Japan Post rates from 2024-10-01).
- Where: the office that received the application (the flyer's A2: "the office that accepted the application"):
  the regional bureau's postal address, or for Kanagawa, Hyogo and Okinawa the district office that receives their
  online applications (横オン, 神オン, 那オン: residence-procedures.md, "Who decides"; they sent the card to the
  regional bureau in Minato-ku, Osaka or Fukuoka before 2026-12-07). Addresses: ISA, 地方出入国在留管理官署
  https://www.moj.go.jp/isa/about/region/index.html; Sapporo and Sendai also as quoted by
  koyou.acroseed.com/visa1/000119.html; Kobe as quoted by visa.katsumi-office.com (海岸通29).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from intake.domain import timeline
from zairyu_shared.events.vocabulary import receiving_office_of

LETTER_YEN: Final = 110
SIMPLE_REGISTERED_YEN: Final = 350
RETURN_POSTAGE_YEN: Final = LETTER_YEN + SIMPLE_REGISTERED_YEN


@dataclass(frozen=True)
class PostalAddress:
    postal_code: str
    address: str
    name: str

    @property
    def lines(self) -> tuple[str, ...]:
        return (f"〒{self.postal_code}", self.address, f"{self.name} 御中")


BUREAUS: Final[dict[str, PostalAddress]] = {
    "sapporo": PostalAddress("060-0042", "北海道札幌市中央区大通西12丁目 札幌第3合同庁舎", "札幌出入国在留管理局"),
    "sendai": PostalAddress("983-0842", "宮城県仙台市宮城野区五輪1-3-20 仙台第二法務合同庁舎", "仙台出入国在留管理局"),
    "tokyo": PostalAddress("108-8255", "東京都港区港南5-5-30", "東京出入国在留管理局"),
    "nagoya": PostalAddress("455-8601", "愛知県名古屋市港区正保町5-18", "名古屋出入国在留管理局"),
    "osaka": PostalAddress("559-0034", "大阪府大阪市住之江区南港北1-29-53", "大阪出入国在留管理局"),
    "hiroshima": PostalAddress("730-0012", "広島県広島市中区上八丁堀2-31 広島法務総合庁舎内", "広島出入国在留管理局"),
    "takamatsu": PostalAddress("760-0033", "香川県高松市丸の内1-1 高松法務合同庁舎", "高松出入国在留管理局"),
    "fukuoka": PostalAddress("810-0073", "福岡県福岡市中央区舞鶴3-5-25 福岡第1法務総合庁舎", "福岡出入国在留管理局"),
}

# The district offices that receive one prefecture's online applications (routing.RECEIVING_BY_PREFECTURE).
DISTRICT_OFFICES: Final[dict[str, PostalAddress]] = {
    "yokohama": PostalAddress("236-0002", "神奈川県横浜市金沢区鳥浜町10-7", "東京出入国在留管理局横浜支局"),
    "kobe": PostalAddress("650-0024", "兵庫県神戸市中央区海岸通り29 神戸地方合同庁舎", "大阪出入国在留管理局神戸支局"),
    "naha": PostalAddress("900-0022", "沖縄県那覇市樋川1-15-15 那覇第一地方合同庁舎", "福岡出入国在留管理局那覇支局"),
}


def receiving_address(bureau: str, receipt_number: str | None) -> PostalAddress | None:
    """Where the envelope goes: the office whose prefix the receipt number carries (東オン-2026-…), else the bureau."""
    office = receiving_office_of(receipt_number)
    return DISTRICT_OFFICES.get(office or "") or BUREAUS.get(bureau)


# Checklist items (message keys), in the order they go into the envelope.
CURRENT_CARD, FEE_SLIP, FEE_PAID_ONLINE, RETURN_ENVELOPE = (
    "current_card",
    "fee_slip",
    "fee_paid_online",
    "return_envelope",
)


def checklist(fee_yen: int, paid_online: bool, *, card: bool = True) -> list[str]:
    items = [CURRENT_CARD] if card else []
    if fee_yen > 0:
        items.append(FEE_PAID_ONLINE if paid_online else FEE_SLIP)
    items.append(RETURN_ENVELOPE)
    return items


# What the label tells the bureau's mailroom the envelope is for (ISA's wording for the card).
LABEL_SUBJECT: Final = {"residence_card": "在留カード郵送受領", "employment_certificate": "就労資格証明書郵送受領"}


def due(deliverable: str, method: str, status: str, envelope_received: bool, fee_yen: int = 0) -> bool:
    """Shown from the approval until the bureau has the envelope: for a new card by post, and for a certificate
    on paper that carries a fee (card-delivery waits for that envelope only then)."""
    sent_for = deliverable == "residence_card" or (deliverable == "employment_certificate" and fee_yen > 0)
    return sent_for and method == "post" and status == "approved" and not envelope_received


# The e-receipt proves a pending application; once the new card is issued (or the case ended) it is no
# longer needed and leaves the application's first page.
RECEIPT_NO_LONGER_NEEDED: Final = timeline.CARD_ISSUED_ONWARD | timeline.TERMINAL
