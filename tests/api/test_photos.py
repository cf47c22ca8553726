"""Profile photos: accepted formats, the 256x256 result, and every kind of bad upload."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path

import aiohttp
import psutil
import pytest
from PIL import Image

from server.models.user import User
from server.security.csrf import CSRF_COOKIE, CSRF_HEADER
from tests.api.images import (
    image_bytes,
    jpeg_with_gps_exif,
    noise_png,
    png_header_only,
    truncated_jpeg,
)
from tests.conftest import photo_file, serving, unique_email
from tests.databases import one_database

PARALLEL_BOMBS = 6
MEGABYTE = 1024 * 1024
PHOTO_PER_ACCOUNT = 5  # photo changes a minute
PHOTO_PER_ADDRESS = 20

BAD_PHOTOS = {
    "text renamed .png": b"just some words, not an image\n" * 10,
    "truncated jpeg": truncated_jpeg(),
    "6 MB image": noise_png(6_000_000),
    "bomb past Pillow's hard limit": png_header_only(30_000, 30_000),
    "bomb past Pillow's warning": png_header_only(10_000, 10_000),
    "too many pixels": png_header_only(8_000, 8_000),
    "too many pixels for a WebP": image_bytes((3000, 2000), format="WEBP", lossless=True),
    "gif": image_bytes(format="GIF"),
    "empty file": b"",
}


async def put_photo(client, data: bytes, filename: str = "photo.png"):
    return await client.put("/api/me/photo", files={"photo": photo_file(data, filename)})


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("format", ["PNG", "JPEG", "WEBP"])
async def test_each_accepted_format_becomes_a_256_webp(auth, client, format):
    await auth.signup()
    response = await put_photo(client, image_bytes((900, 300), format=format))
    assert response.status_code == 200
    photo = decoded(await (await client.get("/api/me/photo")).get_data())
    assert (photo.format, photo.size) == ("WEBP", (256, 256))


async def test_metadata_is_stripped(auth, client):
    await auth.signup()
    await put_photo(client, jpeg_with_gps_exif(), "holiday.jpg")
    photo = decoded(await (await client.get("/api/me/photo")).get_data())
    assert not photo.getexif()
    assert "exif" not in photo.info and "icc_profile" not in photo.info


async def test_replacing_the_photo_changes_its_url_and_bytes(auth, client):
    first = await (await auth.signup(photo=image_bytes(color=(255, 0, 0)))).get_json()
    before = await (await client.get("/api/me/photo")).get_data()
    second = await (await put_photo(client, image_bytes(color=(0, 0, 255)))).get_json()
    after = await (await client.get("/api/me/photo")).get_data()
    assert second["photo_url"] != first["photo_url"]
    assert after != before


async def test_removing_the_photo(auth, client):
    await auth.signup(photo=image_bytes())
    response = await client.delete("/api/me/photo")
    assert (await response.get_json())["photo_url"] is None
    assert (await client.get("/api/me/photo")).status_code == 404


@pytest.mark.parametrize("name", BAD_PHOTOS)
async def test_bad_photo_upload_is_refused_and_keeps_the_old_one(auth, client, name):
    await auth.signup(photo=image_bytes())
    before = await (await client.get("/api/me/photo")).get_data()
    response = await put_photo(client, BAD_PHOTOS[name])
    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert error["code"] == "invalid_photo"
    assert "PNG, JPEG or WebP" in error["message"] or "pixels" in error["message"]
    assert await (await client.get("/api/me/photo")).get_data() == before


@pytest.mark.parametrize("name", BAD_PHOTOS)
async def test_signup_with_bad_photo_creates_no_account(client, name):
    form = {"email": unique_email(), "password": "long enough", "display_name": "Bo"}
    files = {"photo": photo_file(BAD_PHOTOS[name])}
    response = await client.post("/api/auth/signup", form=form, files=files)
    assert response.status_code == 400
    assert await User.all().count() == 0


async def test_photo_upload_needs_a_file(auth, client):
    await auth.signup()
    response = await client.put("/api/me/photo", form={"photo": "not a file"})
    assert response.status_code == 400
    assert (await response.get_json())["error"]["message"].startswith("photo:")


async def test_another_users_photo_needs_login_and_is_served_on_purpose(auth, client, new_client):
    owner = await (await auth.signup(photo=image_bytes())).get_json()
    stranger = new_client()
    path = f"/api/users/{owner['id']}/photo"
    assert (await stranger.get(path)).status_code == 401
    await auth.signup(client=stranger)
    assert (await stranger.get(path)).status_code == 200
    for nobody in (999999, 2**31, 2**63):  # past the id column's range too (32 bits on PostgreSQL)
        assert (await stranger.get(f"/api/users/{nobody}/photo")).status_code == 404


def peak_rss_growth(server_pid: int) -> Callable[[], int]:
    """Start watching the serving process's peak resident size (the kernel's high-water mark,
    reset now); the returned function gives how far it rose above the resident size of this
    moment. Hypercorn serves from a child process of the one started."""
    server = psutil.Process(server_pid)
    workers = [child for child in server.children() if "spawn_main" in " ".join(child.cmdline())]
    pid = (workers or [server])[0].pid
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # 5: reset the peak RSS (VmHWM)
    before = psutil.Process(pid).memory_info().rss

    def growth() -> int:
        status = Path(f"/proc/{pid}/status").read_text()
        peak_kb = next(int(line.split()[1]) for line in status.splitlines() if "VmHWM" in line)
        return peak_kb * 1024 - before

    return growth


async def put_photo_live(http: aiohttp.ClientSession, url: str, data: bytes) -> tuple[int, dict]:
    form = aiohttp.FormData()
    form.add_field("photo", data, filename="bomb.webp", content_type="image/webp")
    async with http.put(f"{url}/api/me/photo", data=form) as answer:
        return answer.status, await answer.json()


async def test_parallel_webp_bombs_under_the_pixel_cap_cost_the_server_little(tmp_path, databases):
    """A 1.6 KB WebP of 16383x2441 pixels is refused from its header or read cheaply: six at
    once raise the server's peak memory by less than 100 MB and it keeps serving."""
    bomb = image_bytes((16383, 2441), format="WEBP", lossless=True)
    assert len(bomb) < 4096
    with one_database(databases, tmp_path) as url, serving(tmp_path, DATABASE_URL=url) as server:
        cookie = await server.session_cookie()
        token = cookie.split(f"{CSRF_COOKIE}=")[1]
        headers = {"Cookie": cookie, CSRF_HEADER: token}
        async with aiohttp.ClientSession(headers=headers) as http:
            growth = peak_rss_growth(server.pid)
            answers = await asyncio.gather(
                *(put_photo_live(http, server.base_url, bomb) for _ in range(PARALLEL_BOMBS))
            )
            async with http.get(f"{server.base_url}/healthz") as health:
                assert health.status == 200
        assert growth() < 100 * MEGABYTE, f"peak grew {growth() / MEGABYTE:.0f} MB"
    for status, body in answers:
        assert status in (400, 429, 503), body
        assert body["error"]["code"] in ("invalid_photo", "busy", "rate_limited")
    assert any("megapixels" in body["error"]["message"] for _, body in answers)


async def test_photo_changes_are_rate_limited_per_account_and_per_address(auth, new_client):
    """An account may change its photo a few times a minute; one address, a few more."""
    photo = image_bytes((64, 64))
    first = new_client()
    await auth.signup(client=first)
    statuses = [(await put_photo(first, photo)).status_code for _ in range(PHOTO_PER_ACCOUNT + 1)]
    assert statuses == [200] * PHOTO_PER_ACCOUNT + [429]
    refused = await put_photo(first, photo)
    assert (await refused.get_json())["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    fresh_accounts = []  # other accounts at the same address, each within its own share
    for _ in range(PHOTO_PER_ADDRESS // 3 + 1):
        other = new_client()
        await auth.signup(client=other)
        fresh_accounts += [(await put_photo(other, photo)).status_code for _ in range(3)]
    assert fresh_accounts[0] == 200
    assert fresh_accounts[-1] == 429
