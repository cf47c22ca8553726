"""Profile photos: untrusted uploads in, a clean 256x256 WebP out.

The header is read first, and an image whose decoding would cost more memory than a 256x256
avatar warrants is refused before any pixel is decoded; decoding (JPEG at a reduced scale),
shrinking and encoding then run one at a time on a pool of their own.
"""

from __future__ import annotations

import io
import warnings
from typing import cast

from PIL import Image, ImageOps, UnidentifiedImageError
from PIL.JpegImagePlugin import JpegImageFile

from server.errors import AppError
from server.services.work_pools import WorkPool

MAX_PHOTO_BYTES = 5 * 1024 * 1024  # 5 MB upload limit
MAX_PHOTO_PIXELS = 40_000_000  # 40 megapixels: any real camera, far below a bomb
PHOTO_SIDE = 256  # pixels, square
PHOTO_FORMATS = ("PNG", "JPEG", "WEBP")
PHOTO_CONTENT_TYPE = "image/webp"
WEBP_QUALITY = 85
ACCEPTED = "Photos must be PNG, JPEG or WebP images of at most 5 MB."
DECODE_BUDGET_BYTES = 64 * 1024 * 1024  # peak memory one photo may take to decode
# Peak bytes per pixel of a full decode, measured with Pillow 13 (docs/performance.md, "Hostile
# load"): WebP goes through libwebp's animation decoder (its canvas, a copy, then the image).
FULL_DECODE_BYTES_PER_PIXEL = {"WEBP": 16, "PNG": 8}
PILLOW_BYTES_PER_PIXEL = 4  # RGB, RGBA and CMYK images alike
DCT_COEFFICIENT_BYTES = 2  # a progressive JPEG keeps every coefficient of the whole image
DRAFT_SCALES = (8, 4, 2)  # libjpeg decodes a JPEG at 1/8, 1/4 or 1/2 of its size
# One decode at a time (each may take DECODE_BUDGET_BYTES), two more may wait for it.
PHOTO_DECODES = WorkPool("photo-decode", "photo uploads", workers=1, waiting=2, per_owner=None)
FORMAT_NAMES = {"WEBP": "WebP", "PNG": "PNG", "JPEG": "JPEG"}


def invalid_photo(message: str) -> AppError:
    return AppError("invalid_photo", message)


async def photo_to_avatar(data: bytes) -> bytes:
    """Validate an uploaded image and return it as a 256x256 WebP without metadata; `busy`
    (503) while the photo pool is full."""
    if not data:
        raise invalid_photo(f"The photo is empty. {ACCEPTED}")
    if len(data) > MAX_PHOTO_BYTES:
        raise invalid_photo(f"The photo is larger than 5 MB. {ACCEPTED}")
    _check_header(data)
    return await PHOTO_DECODES.submit(None, _decode_and_resize, data)


def _check_header(data: bytes) -> None:
    """Format, dimensions and the cost of decoding, from the header alone (no pixel data is
    decoded here)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as image:
                width, height = image.size
                cost = _decode_bytes(image)
                kind = _kind(image)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise invalid_photo(_too_many_pixels()) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise invalid_photo(f"The file is not a readable image. {ACCEPTED}") from None
    if width * height > MAX_PHOTO_PIXELS:
        raise invalid_photo(_too_many_pixels())
    if cost > DECODE_BUDGET_BYTES:
        limit = width * height * DECODE_BUDGET_BYTES / cost / 1_000_000
        raise invalid_photo(
            f"The image has too many pixels for a {kind} ({width}x{height}): a {kind} photo may "
            f"have at most {limit:.0f} megapixels. Save it smaller (a photo is shown at "
            f"{PHOTO_SIDE}x{PHOTO_SIDE}) and try again."
        )


def _kind(image: Image.Image) -> str:
    progressive = image.format == "JPEG" and image.info.get("progressive")
    return "progressive JPEG" if progressive else FORMAT_NAMES[str(image.format)]


def _decode_bytes(image: Image.Image) -> float:
    """The peak bytes that decoding `image` the way `_decode_and_resize` does will take."""
    width, height = image.size
    if image.format != "JPEG":
        return width * height * FULL_DECODE_BYTES_PER_PIXEL[str(image.format)]
    if image.info.get("progressive"):
        # Each component is sampled at (h, v) of the largest sampling, e.g. 1.5 samples a
        # pixel for 4:2:0 colour; layers are (id, h, v, table) from the frame header.
        layers = cast(JpegImageFile, image).layer
        largest = max(h * v for _, h, v, _ in layers)
        samples = sum(h * v for _, h, v, _ in layers) / largest
        return width * height * samples * DCT_COEFFICIENT_BYTES
    scale = _draft_scale(image.size)
    return (width // scale) * (height // scale) * PILLOW_BYTES_PER_PIXEL


def _draft_scale(size: tuple[int, int]) -> int:
    """The reduction libjpeg is asked for: the largest that keeps the short side a photo."""
    return next((s for s in DRAFT_SCALES if min(size) // s >= PHOTO_SIDE), 1)


def _decode_and_resize(data: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as image:
            image.verify()  # structure and checksums (PNG) before the full decode
        with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as image:
            image.draft("RGB", (PHOTO_SIDE, PHOTO_SIDE))  # JPEG: decode at a reduced scale
            image.load()
            small = _shrunk(image)
        upright = ImageOps.exif_transpose(small).convert("RGBA")  # WebP keeps transparency
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise invalid_photo(f"The image is damaged or truncated. {ACCEPTED}") from None
    square = ImageOps.fit(upright, (PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    # A new image carries no EXIF, ICC or text chunks: location and camera data stay behind.
    square.save(output, format="WEBP", quality=WEBP_QUALITY)
    return output.getvalue()


def _shrunk(image: Image.Image) -> Image.Image:
    """`image` reduced by a whole factor to at least twice the photo's side (cheap box
    averaging), so that the full-size pixels are freed before any copy is made."""
    factor = min(image.size) // (2 * PHOTO_SIDE)
    if image.mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
        image = image.convert("RGBA")
    shrunk = image.reduce(factor) if factor > 1 else image.copy()
    shrunk.info = dict(image.info)  # the EXIF orientation, for exif_transpose
    return shrunk


def _too_many_pixels() -> str:
    return f"The image has too many pixels (at most {MAX_PHOTO_PIXELS // 1_000_000} megapixels)."
