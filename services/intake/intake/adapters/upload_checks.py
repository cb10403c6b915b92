"""What an uploaded file really is, judged by its content (never its name), and whether we accept it.

Accepted: PDF, JPEG, PNG. Refused with a reason the applicant can act on (a message key):
anything else, encrypted or permission-restricted PDFs, malformed or active-content PDFs (scripts,
embedded files, actions that submit, import, open other files or launch programs, XFA scripts),
broken or oversized (decompression-bomb) images and PDFs (streams inflating beyond a budget, images
declaring more pixels than a scan needs),
and photos that are not 3:4 portrait of a usable size. Nothing is ever dropped silently: every refusal is an ``UploadRefused``.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from . import pdf_streams

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
MAGIC = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
MAX_PIXELS = 40_000_000  # beyond this an image is refused before it is decoded (decompression bombs)
PHOTO_MIN = (300, 400)  # width, height in pixels: prints well at 3 x 4 cm
PHOTO_MAX = (6000, 8000)
PHOTO_ASPECT = 3 / 4
PHOTO_ASPECT_TOLERANCE = 0.03


class UploadRefused(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Checked:
    media_type: str
    size: int
    pixels: tuple[int, int] | None = None
    pages: int | None = None


def sniff(data: bytes) -> str | None:
    for magic, media_type in MAGIC:
        if data.startswith(magic):
            return media_type
    return None


def check(data: bytes, kind: str) -> Checked:
    """Check one file for attachment ``kind`` ("photo" or a document kind)."""
    if not data:
        raise UploadRefused("upload.empty")
    media_type = sniff(data)
    if media_type is None:
        raise UploadRefused("upload.unsupported_type")
    if media_type != PDF and b"%PDF-" in data:
        # An image carrying a whole PDF (after its end marker, in a comment) opens as either: a polyglot.
        raise UploadRefused("upload.unsupported_type")
    if kind == "photo":
        if media_type == PDF:
            raise UploadRefused("upload.photo_type")
        width, height = _check_image(data, media_type)
        _check_photo(width, height)
        return Checked(media_type, len(data), pixels=(width, height))
    if media_type == PDF:
        return Checked(media_type, len(data), pages=_check_pdf(data))
    return Checked(media_type, len(data), pixels=_check_image(data, media_type))


def _check_pdf(data: bytes) -> int:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            # An empty user password that opens it means owner-password restrictions only.
            opened: int  # a PasswordType (an int) or 0
            try:
                opened = reader.decrypt("")
            except Exception:  # unsupported crypt filters count as encrypted
                opened = 0
            raise UploadRefused("upload.pdf_restricted" if opened else "upload.pdf_encrypted")
        pages = len(reader.pages)
        if pages == 0:
            raise UploadRefused("upload.pdf_malformed")
        for page in reader.pages:
            _ = page.mediabox  # every page must resolve
        pdf_streams.inspect(reader)
        return pages
    except UploadRefused:
        raise
    except pdf_streams.Outward as exc:
        raise UploadRefused("upload.pdf_actions") from exc
    except pdf_streams.Active as exc:
        raise UploadRefused("upload.pdf_active") from exc
    except pdf_streams.ImageTooLarge as exc:
        raise UploadRefused("upload.pdf_image_too_large") from exc
    except (pdf_streams.TooMuch, LimitReachedError) as exc:
        raise UploadRefused("upload.pdf_inflates_too_much") from exc
    except (
        PdfReadError,
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        OSError,
    ) as exc:
        raise UploadRefused("upload.pdf_malformed") from exc


def _check_image(data: bytes, media_type: str) -> tuple[int, int]:
    expected = {JPEG: "JPEG", PNG: "PNG"}[media_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format != expected:
                    raise UploadRefused("upload.unsupported_type")
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise UploadRefused("upload.image_too_large")
                img.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()  # decode fully: truncated files fail here
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRefused("upload.image_too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UploadRefused("upload.image_broken") from exc
    return width, height


def _check_photo(width: int, height: int) -> None:
    if width < PHOTO_MIN[0] or height < PHOTO_MIN[1]:
        raise UploadRefused("upload.photo_small")
    if width > PHOTO_MAX[0] or height > PHOTO_MAX[1]:
        raise UploadRefused("upload.image_too_large")
    if abs(width / height - PHOTO_ASPECT) > PHOTO_ASPECT * PHOTO_ASPECT_TOLERANCE:
        raise UploadRefused("upload.photo_aspect")


def check_total(existing_total: int, new_size: int, limit: int) -> None:
    if existing_total + new_size > limit:
        raise UploadRefused("upload.total_too_large")


def clean_filename(name: str | None) -> str | None:
    """The name as the applicant's computer called the file, made harmless to store and show.

    Only the last path part; control characters (NUL breaks PostgreSQL text) and format characters
    (bidi overrides make 'x\u202efdp.exe' read as 'xexe.pdf') dropped; at most 255 characters.
    """
    import unicodedata

    last = re.split(r"[/\\]", name or "")[-1]
    kept = "".join(ch for ch in last if unicodedata.category(ch) not in ("Cc", "Cf")).strip()
    return kept[:255] or None
