"""The dashboard's "Your MIDI files" in Chromium: each upload with its size and date, the storage
in use against the quota, Delete (confirmed) removing a file from the list and the server,
paging, the empty state, and the studio's "uploads are full" message leading there."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable

import mido
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.browser.conftest import Account, screenshot

PAGE_SIZE = 20  # uploads a page, as the API lists them
SCALE = [(60 + step, float(step), 1.0) for step in (0, 2, 4, 5, 7, 9, 11, 12)]


def midi_file(notes: int) -> bytes:
    """A one-track melody of `notes` quarter notes climbing C major; about 8 bytes a note."""
    track = mido.MidiTrack([mido.MetaMessage("track_name", name="Melody")])
    scale = (60, 62, 64, 65, 67, 69, 71, 72)
    for index in range(notes):
        pitch = scale[index % len(scale)]
        track.append(mido.Message("note_on", note=pitch, velocity=80, time=0))
        track.append(mido.Message("note_off", note=pitch, velocity=0, time=480))
    midi = mido.MidiFile(ticks_per_beat=480)
    midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def upload(context: BrowserContext, filename: str, data: bytes) -> str:
    """Uploads `data` as the signed-in user, as the studio's converter does; returns its id."""
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrf_token")
    response = context.request.post(
        "/api/uploads",
        multipart={"midi": {"name": filename, "mimeType": "audio/midi", "buffer": data}},
        headers={"X-CSRF-Token": token},
    )
    assert response.status == 201, response.text()
    return response.json()["id"]


def kilobytes(size: int) -> str:
    """A size of 1,000 bytes or more as the page writes it: "1.6 kB", "2 kB"."""
    return f"{size / 1000:.1f}".removesuffix(".0") + " kB"


def test_an_upload_is_listed_with_its_size_and_the_storage_in_use(
    page: Page, context: BrowserContext, signed_in: Account, insert_song: Callable[..., str]
):
    small, large = midi_file(12), midi_file(200)
    assert len(small) < 1000 <= len(large)  # one size in bytes, one in kB
    upload(context, "Etude in C.mid", small)
    upload(context, "Long Walk.midi", large)
    for number in range(6):  # songs enough to push the files below the first screen
        insert_song(signed_in.email, SCALE, title=f"Sketch {number}")
    page.goto("/dashboard#uploads")

    section = page.get_by_role("region", name="Your MIDI files")
    expect(page.locator("[data-song]")).to_have_count(6)
    expect(section).to_be_in_viewport()  # where the studio's "uploads are full" link lands
    rows = section.locator("[data-upload]")
    expect(rows.locator("[data-upload-name]")).to_have_text(["Long Walk.midi", "Etude in C.mid"])
    expect(rows.nth(0).locator("[data-upload-meta]")).to_contain_text(f"{kilobytes(len(large))} · ")
    expect(rows.nth(1).locator("[data-upload-meta]")).to_contain_text(f"{len(small)} bytes · ")
    used = kilobytes(len(small) + len(large))
    expect(section.locator("[data-upload-usage]")).to_have_text(f"{used} of 20 MB · 2 of 100 files")
    expect(section.get_by_role("navigation", name="MIDI file pages")).to_be_hidden()
    section.scroll_into_view_if_needed()
    screenshot(page, "dashboard-uploads")


def test_delete_asks_first_then_removes_the_file_from_the_list_and_the_server(
    page: Page, context: BrowserContext, signed_in: Account
):
    kept = upload(context, "Keep me.mid", midi_file(8))
    gone = upload(context, "Old sketch.mid", midi_file(16))
    page.goto("/dashboard")
    section = page.get_by_role("region", name="Your MIDI files")
    row = section.locator(f"[data-upload-id='{gone}']")

    row.get_by_role("button", name="Delete Old sketch.mid").click()
    dialog = page.get_by_role("dialog", name="Delete “Old sketch.mid”?")
    expect(dialog).to_contain_text("Songs converted from it stay.")
    dialog.get_by_role("button", name="Cancel").click()
    expect(row).to_be_visible()

    row.get_by_role("button", name="Delete Old sketch.mid").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete file").click()
    expect(row).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="Deleted “Old sketch.mid”.")).to_be_visible()
    expect(section.locator("[data-upload-usage]")).to_contain_text("· 1 of 100 files")
    listed = page.request.get("/api/uploads").json()
    assert [item["id"] for item in listed["uploads"]] == [kept]


def test_without_uploads_the_section_says_so_and_leads_to_the_converter(
    page: Page, signed_in: Account
):
    page.goto("/dashboard")
    section = page.get_by_role("region", name="Your MIDI files")
    expect(section.locator("[data-upload-usage]")).to_have_text("0 bytes of 20 MB · 0 of 100 files")
    expect(section.get_by_text("No MIDI files yet")).to_be_visible()
    expect(section.get_by_role("link", name="Convert a MIDI file")).to_have_attribute(
        "href", "/studio#convert"
    )
    expect(section.locator("[data-upload]")).to_have_count(0)


def test_more_files_than_a_page_are_paged_and_deleting_the_last_one_on_a_page_goes_back(
    page: Page, context: BrowserContext, signed_in: Account
):
    oldest = upload(context, "File 0.mid", midi_file(4))
    for number in range(1, PAGE_SIZE + 1):
        upload(context, f"File {number}.mid", midi_file(4))
    page.goto("/dashboard")
    section = page.get_by_role("region", name="Your MIDI files")
    pager = section.get_by_role("navigation", name="MIDI file pages")
    expect(section.locator("[data-upload]")).to_have_count(PAGE_SIZE)
    expect(pager).to_contain_text("Page 1 of 2")
    expect(section.locator("[data-upload-name]").first).to_have_text(f"File {PAGE_SIZE}.mid")

    pager.get_by_role("button", name="Older →").click()
    expect(pager).to_contain_text("Page 2 of 2")
    expect(section.locator("[data-upload-id]")).to_have_attribute("data-upload-id", oldest)
    section.get_by_role("button", name="Delete File 0.mid").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete file").click()
    expect(section.locator("[data-upload]")).to_have_count(PAGE_SIZE)
    expect(pager).to_be_hidden()  # one page left, shown in place of the emptied one
    expect(section.locator("[data-upload-usage]")).to_contain_text(f"· {PAGE_SIZE} of 100 files")


def test_an_upload_refused_for_a_full_quota_links_to_the_files_on_the_dashboard(
    page: Page, signed_in: Account, problems
):
    # Filling the quota takes 100 real uploads; the refusal the server gives then is staged.
    problems.expect_console_error("status of 409")
    message = "Your uploads are full: 100 files using 0.4 MB of 100 files and 20 MB."

    def refuse_uploads(route: Route) -> None:
        if route.request.method != "POST":
            route.fallback()  # the dashboard's listing reaches the server
            return
        body = {"error": {"code": "quota_exceeded", "message": message}}
        route.fulfill(status=409, content_type="application/json", body=json.dumps(body))

    page.route("**/api/uploads*", refuse_uploads)
    page.goto("/studio#convert")
    page.get_by_label("Choose a MIDI file").set_input_files(
        files=[{"name": "One more.mid", "mimeType": "audio/midi", "buffer": midi_file(8)}]
    )
    error = page.locator("[data-error-for='midi']")
    expect(error).to_contain_text(message)
    screenshot(page, "convert-uploads-full")
    error.get_by_role("link", name="Manage your MIDI files").click()
    expect(page).to_have_url(re.compile(r"/dashboard#uploads$"))
    expect(page.get_by_role("region", name="Your MIDI files")).to_be_in_viewport()
