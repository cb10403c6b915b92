"""The files' names apart from their hashes: what the applicant called a file is personal data (it may be
'passport_nguyen_van_an.pdf'), so it is stored encrypted (cases.attachment_names,
document_requests.answer_attachment_names) while the hashes, kinds and media types stay readable for the
attachment route and the statistics."""

from __future__ import annotations

import json


def split(attachments: list[dict]) -> tuple[str, str | None]:
    """(the attachments' JSON without names, the names' JSON by hash or None when there are none)."""
    plain = [{k: v for k, v in a.items() if k != "filename"} for a in attachments]
    names = {a["sha256"]: a["filename"] for a in attachments if a.get("filename")}
    return json.dumps(plain), json.dumps(names, ensure_ascii=False) if names else None


def merged(attachments_json: str | None, names_json: str | None) -> list[dict]:
    """The attachments with their names again (older cases stored the name in the plain list; it stays)."""
    attachments = json.loads(attachments_json) if attachments_json else []
    names = json.loads(names_json) if names_json else {}
    for a in attachments:
        if names.get(a["sha256"]):
            a["filename"] = names[a["sha256"]]
    return attachments
