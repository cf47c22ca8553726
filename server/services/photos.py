"""Profile photos: untrusted uploads in, a clean 256x256 WebP out.

The header is read first so that oversized or bomb images are refused before any pixel is
decoded; decoding, cropping and encoding then run in a worker thread.
"""

from __future__ import annotations

import asyncio
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from server.errors import AppError

MAX_PHOTO_BYTES = 5 * 1024 * 1024  # 5 MB upload limit
MAX_PHOTO_PIXELS = 40_000_000  # 40 megapixels: any real camera, far below a bomb
PHOTO_SIDE = 256  # pixels, square
PHOTO_FORMATS = ("PNG", "JPEG", "WEBP")
PHOTO_CONTENT_TYPE = "image/webp"
WEBP_QUALITY = 85
ACCEPTED = "Photos must be PNG, JPEG or WebP images of at most 5 MB."


class PhotoError(AppError):
    code = "invalid_photo"


async def photo_to_avatar(data: bytes) -> bytes:
    """Validate an uploaded image and return it as a 256x256 WebP without metadata."""
    if not data:
        raise PhotoError(f"The photo is empty. {ACCEPTED}")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError(f"The photo is larger than 5 MB. {ACCEPTED}")
    _check_header(data)
    return await asyncio.to_thread(_decode_and_resize, data)


def _check_header(data: bytes) -> None:
    """Format and dimensions from the header alone (no pixel data is decoded here)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as image:
                width, height = image.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PhotoError(_too_many_pixels()) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoError(f"The file is not a readable image. {ACCEPTED}") from None
    if width * height > MAX_PHOTO_PIXELS:
        raise PhotoError(_too_many_pixels())


def _decode_and_resize(data: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as image:
            image.verify()  # structure and checksums (PNG) before the full decode
        with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as image:
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGBA")  # WebP keeps transparency
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoError(f"The image is damaged or truncated. {ACCEPTED}") from None
    square = ImageOps.fit(upright, (PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    # A new image carries no EXIF, ICC or text chunks: location and camera data stay behind.
    square.save(output, format="WEBP", quality=WEBP_QUALITY)
    return output.getvalue()


def _too_many_pixels() -> str:
    return f"The image has too many pixels (at most {MAX_PHOTO_PIXELS // 1_000_000} megapixels)."
