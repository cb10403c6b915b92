"""Messages for signer errors and prompts, by language. Keys are the machine codes.

English and Japanese here; the platform's six further languages in ``signer_messages_more``.
"""

from __future__ import annotations

import os
from typing import Any

from .signer_errors import SignerError

PIN_NAMES = {
    "en": {"auth": "authentication PIN (4 digits)", "sign": "signature password (6-16 letters and digits)"},
    "ja": {
        "auth": "利用者証明用電子証明書の暗証番号（数字4桁）",
        "sign": "署名用電子証明書の暗証番号（英数字6～16文字）",
    },
}

MESSAGES = {
    "no_reader": {
        "en": "No card reader found. Connect an IC card reader (or check that the pcscd service is running).",
        "ja": "ICカードリーダーが見つかりません。リーダーを接続してください（pcscd サービスが動いているかも確認してください）。",
    },
    "no_card": {
        "en": "No card in the reader. Place your My Number Card on the reader.",
        "ja": "カードが置かれていません。マイナンバーカードをリーダーに置いてください。",
    },
    "not_jpki_card": {
        "en": "This card is not a My Number Card (no JPKI application was found).",
        "ja": "このカードはマイナンバーカードではありません（公的個人認証の機能が見つかりません）。",
    },
    "card_removed": {
        "en": "The card was removed during the operation. Place it on the reader again and retry.",
        "ja": "処理中にカードが離されました。もう一度カードを置いて、やり直してください。",
    },
    "card_error": {
        "en": "The card returned an unexpected answer ({sw}). Try again; if it persists, contact support.",
        "ja": "カードから予期しない応答がありました（{sw}）。もう一度お試しください。続く場合はお問い合わせください。",
    },
    "bad_pin_format": {
        "en": "That is not a valid {pin_name}. Nothing was sent to the card.",
        "ja": "{pin_name}の形式が正しくありません。カードには送信していません。",
    },
    "wrong_pin": {
        "en": "Wrong {pin_name}. {tries_left} tries left before it is locked.",
        "ja": "{pin_name}が違います。あと{tries_left}回間違えるとロックされます。",
    },
    "pin_blocked": {
        "en": "Your {pin_name} is locked after too many wrong tries. Only your municipal office "
        "(city hall) can reset it: bring your My Number Card there.",
        "ja": "{pin_name}は誤入力が続いたためロックされています。お住まいの市区町村の窓口で"
        "初期化の手続きをしてください（マイナンバーカードをお持ちください）。",
    },
    "bad_request": {
        "en": "Invalid request: {detail}",
        "ja": "不正な要求です：{detail}",
    },
    "tries_warning": {
        "en": "Careful: {tries_left} tries left for your {pin_name}.",
        "ja": "ご注意：{pin_name}の残り回数はあと{tries_left}回です。",
    },
    "prompt_password": {"en": "Signature password: ", "ja": "署名用電子証明書の暗証番号: "},
    "prompt_pin": {"en": "Authentication PIN (4 digits): ", "ja": "利用者証明用の暗証番号（数字4桁）: "},
}
from . import signer_messages_more as _more  # noqa: E402

PIN_NAMES.update(_more.PIN_NAMES)
for _key, _table in _more.MESSAGES.items():
    MESSAGES[_key].update(_table)
SUPPORTED = ("en", "ja", "vi", "zh", "ko", "pt", "tl", "ne")


def pick_language(explicit: str | None = None) -> str:
    """--lang wins, then LANGUAGE/LC_ALL/LC_MESSAGES/LANG (``ja_JP.UTF-8`` -> ``ja``), then English."""
    candidates = [explicit] + [os.environ.get(v) for v in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")]
    for value in candidates:
        if value:
            lang = value.split(":")[0].split(".")[0].split("_")[0].lower()
            if lang in SUPPORTED:
                return lang
    return "en"


def text(key: str, lang: str = "en", **params: object) -> str:
    table = MESSAGES[key]
    template = table.get(lang) or table["en"]
    pin = params.get("pin")
    if pin in ("auth", "sign"):
        params.setdefault("pin_name", PIN_NAMES.get(lang, PIN_NAMES["en"])[pin])
    params.setdefault("sw", "?")
    params.setdefault("detail", "")
    params.setdefault("tries_left", "?")
    return template.format(**params)


def describe(error: SignerError, lang: str = "en") -> dict[str, Any]:
    """Machine code + human message, e.g. for JSON answers."""
    out: dict[str, Any] = {"code": error.code, "message": text(error.code, lang, detail=error.detail, **error.params)}
    out.update({k: v for k, v in error.params.items() if isinstance(v, (int, str))})
    return out
