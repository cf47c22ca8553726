"""Images made on the fly for photo tests: good ones, broken ones and hostile ones."""

from __future__ import annotations

import io
import os
import struct
import zlib

from PIL import Image


def image_bytes(size=(320, 200), format="PNG", color=(200, 40, 90), **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=format, **save_options)
    return buffer.getvalue()


def jpeg_with_gps_exif() -> bytes:
    """A JPEG carrying EXIF (camera and GPS tags) that must not survive processing."""
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0)}  # GPS IFD: latitude
    return image_bytes(format="JPEG", exif=exif.tobytes())


def truncated_jpeg() -> bytes:
    noisy = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    buffer = io.BytesIO()
    noisy.save(buffer, format="JPEG", quality=95)
    whole = buffer.getvalue()
    return whole[: len(whole) // 2]


def noise_png(min_bytes: int) -> bytes:
    """A real PNG of random pixels (incompressible), at least `min_bytes` long."""
    side = int((min_bytes / 3) ** 0.5) + 16
    noisy = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    noisy.save(buffer, format="PNG", compress_level=0)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims huge dimensions: a decompression bomb's opening move."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload)
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
