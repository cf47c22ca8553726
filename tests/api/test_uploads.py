"""MIDI uploads: what a person sees about their file (tracks, chosen melody, key, meter, tempo,
bars), that it is theirs alone, and that every kind of bad file is a clear 400 or 413 with
nothing saved, while a file too slow to read is cut off and the server keeps serving; the
listing, deleting, the storage quota, and a flood of uploads refused past its share."""

from __future__ import annotations

import asyncio

import mido
import psutil
import pytest

from server.api.uploads import TOO_LARGE
from server.errors import AppError
from server.models.upload import Upload
from server.services.uploads import (
    MIDI_PARSING,
    PAGE_SIZE,
    QUOTA_BYTES,
    QUOTA_FILES,
    WorkerLimits,
    parse_midi,
)
from tests.conftest import photo_file
from tests.generation.test_midi_guard import END_OF_TRACK, header, meta_event, one_track_file
from tests.generation.test_midi_io import D_MAJOR_LINE, meta, midi_bytes, note_messages

ACCOMPANIMENT = [(50, beat, 2) for beat in range(0, 8, 2)] + [
    (57, beat, 2) for beat in range(0, 8, 2)
]
DRUMS = [(36, beat / 2, 0.25) for beat in range(16)]


def named(name: str, messages: list, program: int | None = None, channel: int = 0) -> list:
    head = [mido.MetaMessage("track_name", name=name)]
    if program is not None:
        head.append(mido.Message("program_change", program=program, channel=channel))
    return head + messages


async def upload(client, data: bytes, filename: str = "song.mid"):
    return await client.post(
        "/api/uploads", files={"midi": photo_file(data, filename, "audio/midi")}
    )


async def analysis_of(client, data: bytes) -> dict:
    response = await upload(client, data)
    assert response.status_code == 201, await response.get_json()
    return (await response.get_json())["analysis"]


async def test_a_type_1_file_reports_its_tracks_and_picks_the_named_melody(auth, client):
    await auth.signup()
    data = midi_bytes(
        [
            meta(tempo=100, meter=(4, 4), key="D"),
            named("Strings", note_messages(ACCOMPANIMENT * 3, channel=1), 40, channel=1),
            named("Lead Vocal", note_messages(D_MAJOR_LINE), 73),
            named("Kit", note_messages(DRUMS, channel=9)),
        ]
    )
    found = await analysis_of(client, data)
    assert found["melody_track"] == 2 and found["melody_notes"] == len(D_MAJOR_LINE)
    tracks = [(t["name"], t["instrument"], t["note_count"], t["is_drums"]) for t in found["tracks"]]
    assert tracks == [
        ("", "Unknown", 0, False),
        ("Strings", "Strings", 24, False),
        ("Lead Vocal", "Pipe", 7, False),
        ("Kit", "Drums", 16, True),
    ]
    assert (found["key"], found["meter"], found["tempo"], found["bars"]) == (
        "D major",
        "4/4",
        100,
        3,
    )


async def test_control_characters_in_a_track_name_are_dropped(auth, client):
    await auth.signup()
    lead = named("Lead\x00 Vocal\x07\x1b", note_messages(D_MAJOR_LINE), 73)
    found = await analysis_of(client, midi_bytes([meta(), lead]))
    assert [track["name"] for track in found["tracks"]] == ["", "Lead Vocal"]


async def test_a_type_0_file_takes_the_top_voice_of_its_busiest_pitched_channel(auth, client):
    await auth.signup()
    chords = [(60, beat, 1) for beat in range(8)] + [(64, beat, 1) for beat in range(8)]
    messages = note_messages(chords) + []
    data = midi_bytes([meta(tempo=90, meter=(3, 4), key="C") + messages], midi_type=0)
    found = await analysis_of(client, data)
    assert found["format"] == 0 and len(found["tracks"]) == 1
    assert found["melody_track"] == 0 and found["polyphonic"] is True
    assert (found["meter"], found["bars"], found["melody_notes"]) == ("3/4", 3, 8)


async def test_the_melody_found_comes_back_so_the_studio_can_play_the_original(auth, client):
    await auth.signup()
    found = await analysis_of(client, midi_bytes([meta(tempo=100), note_messages(D_MAJOR_LINE)]))
    melody, onset, heard = found["melody"], 0, []
    for pitch, ticks in melody["events"]:  # [pitch or null for a rest, ticks at 12 a beat]
        if pitch is not None:
            heard.append((pitch, onset / 12, ticks / 12))
        onset += ticks
    assert heard == [(pitch, float(start), float(length)) for pitch, start, length in D_MAJOR_LINE]
    assert (melody["bar_ticks"], melody["tempo"]) == (36, 100)


async def test_tempo_changes_and_a_pickup_are_reported(auth, client):
    await auth.signup()
    tempo_map = meta(tempo=120, meter=(4, 4)) + [
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(80), time=96 * 4)
    ]
    pickup_line = [(pitch, start + 3, length) for pitch, start, length in D_MAJOR_LINE]
    found = await analysis_of(client, midi_bytes([tempo_map, note_messages(pickup_line)]))
    assert (found["tempo"], found["tempo_changes"]) == (120, 1)
    assert found["pickup_beats"] == 1.0 and found["bars"] == 3


async def test_the_upload_can_be_read_back_by_its_owner_only(auth, client, new_client):
    await auth.signup()
    created = await (
        await upload(client, midi_bytes([note_messages(D_MAJOR_LINE)]), "../My Tune.mid")
    ).get_json()
    assert created["filename"] == "My Tune.mid"
    mine = await client.get(f"/api/uploads/{created['id']}")
    assert (await mine.get_json()) == created
    stranger = new_client()
    await auth.signup(client=stranger)
    theirs = await stranger.get(f"/api/uploads/{created['id']}")
    assert theirs.status_code == 404 and (await theirs.get_json())["error"]["code"] == "not_found"
    assert (await new_client().get(f"/api/uploads/{created['id']}")).status_code == 401


def zero_length_notes(count: int) -> list[mido.Message]:
    """Each note switched off at the tick it starts, a beat apart."""
    messages = []
    for index in range(count):
        messages.append(mido.Message("note_on", note=60 + index, velocity=80, time=96))
        messages.append(mido.Message("note_off", note=60 + index, time=0))
    return messages


BAD_FILES = {
    "not a MIDI file": (b"ID3\x03\x00 an mp3 renamed to .mid" * 20, "not a MIDI file"),
    "empty file": (b"", "empty"),
    "drums only": (midi_bytes([note_messages(DRUMS, channel=9)]), "no pitched notes"),
    "no notes at all": (midi_bytes([meta()]), "no pitched notes"),
    "zero-length notes": (midi_bytes([zero_length_notes(8)]), "zero length"),
    "absurd tempo": (one_track_file(meta_event(0x51, b"\x00\x00\x01")), "tempo map"),
    "truncated chunk": (midi_bytes([note_messages(D_MAJOR_LINE)])[:-9], "truncated"),
    "corrupted chunk": (header() + b"XXXX\x00\x00\x00\x04" + END_OF_TRACK, "not a track"),
    "ticks per beat 0": (one_track_file(b"", division=0), "0 ticks per beat"),
    "empty key signature": (one_track_file(meta_event(0x59, b"")), "key signature"),
    "huge variable-length quantity": (one_track_file(b"\xff" * 8 + b"\x7f"), "4 bytes"),
    "too few notes": (midi_bytes([note_messages(D_MAJOR_LINE[:3])]), "fewer than 4 notes"),
    "a megabyte of junk after the last track": (
        midi_bytes([note_messages(D_MAJOR_LINE)]) + bytes(range(256)) * 3900,
        "998400 bytes of other data after its last track",
    ),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
async def test_bad_files_are_a_clear_400_and_nothing_is_saved(auth, client, name):
    user = (await (await auth.signup()).get_json())["id"]
    data, reason = BAD_FILES[name]
    response = await upload(client, data)
    body = await response.get_json()
    assert response.status_code == 400, body
    assert body["error"]["code"] == "invalid_midi" and reason in body["error"]["message"]
    assert "Traceback" not in body["error"]["message"]
    assert await Upload.filter(owner_id=user).count() == 0


async def test_a_file_just_over_a_megabyte_is_a_413(auth, client):
    await auth.signup()
    data = midi_bytes([note_messages(D_MAJOR_LINE)])
    response = await upload(client, data + bytes(1024 * 1024 + 40_000 - len(data)))
    assert response.status_code == 413
    assert (await response.get_json())["error"] == {"code": "too_large", "message": TOO_LARGE}


async def test_a_50_megabyte_body_is_refused_by_its_length_before_it_is_read(auth, client):
    await auth.signup()
    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    response = await client.post("/api/uploads", data=bytes(50 * 1024 * 1024), headers=headers)
    assert response.status_code == 413
    assert (await response.get_json())["error"] == {"code": "too_large", "message": TOO_LARGE}


async def test_a_missing_file_field_is_a_400(auth, client):
    await auth.signup()
    response = await client.post("/api/uploads", form={"other": "x"})
    assert response.status_code == 400


def slow_file() -> bytes:
    """A legal file near every limit: tens of thousands of events mido reads one by one."""
    notes = [(48 + step % 36, step / 8, 0.125) for step in range(40_000)]
    return midi_bytes([meta(), note_messages(notes)])


async def test_a_file_too_slow_to_read_is_cut_off_and_the_server_keeps_serving(auth, client):
    await auth.signup()
    data = slow_file()
    # the test process's other children (e.g. multiprocessing's resource tracker, started by an
    # earlier test that shared memory with a network process) are not the parser's worker
    before = set(psutil.Process().children())
    slow = asyncio.create_task(parse_midi(data, limits=WorkerLimits(wall_seconds=0.3)))
    health = await client.get("/healthz")  # answered while the worker grinds
    assert health.status_code == 200
    with pytest.raises(AppError, match="took longer than 0.3 s"):
        await slow
    assert set(psutil.Process().children()) == before  # the worker was killed and reaped
    assert (await upload(client, midi_bytes([note_messages(D_MAJOR_LINE)]))).status_code == 201


async def keep_files(owner_id: int, count: int, size: int = 100) -> None:
    """`count` stored uploads of `size` bytes each, straight into the database (no parsing)."""
    for number in range(count):
        await Upload.create(
            owner_id=owner_id, filename=f"kept {number}.mid", midi=bytes(size), size=size
        )


@pytest.mark.parametrize(
    ("files", "size", "shown"),
    [(QUOTA_FILES, 100, f"{QUOTA_FILES} files"), (20, QUOTA_BYTES // 20, "20.0 MB")],
)
async def test_an_upload_past_the_quota_is_refused_before_reading_and_says_what_is_used(
    auth, client, files, size, shown
):
    user = (await (await auth.signup()).get_json())["id"]
    await keep_files(user, files, size)
    response = await upload(client, midi_bytes([note_messages(D_MAJOR_LINE)]))
    body = await response.get_json()
    assert response.status_code == 409, body
    assert body["error"]["code"] == "quota_exceeded"
    assert shown in body["error"]["message"] and "Delete" in body["error"]["message"]
    assert await Upload.filter(owner_id=user).count() == files
    listing = await (await client.get("/api/uploads")).get_json()
    assert (listing["total"], listing["used_bytes"]) == (files, files * size)


async def test_uploads_are_listed_newest_first_a_page_at_a_time_and_only_your_own(
    auth, client, new_client
):
    user = (await (await auth.signup()).get_json())["id"]
    await keep_files(user, PAGE_SIZE)
    first = await (
        await upload(client, midi_bytes([note_messages(D_MAJOR_LINE)]), "a.mid")
    ).get_json()
    second = await (
        await upload(client, midi_bytes([note_messages(D_MAJOR_LINE)]), "b.mid")
    ).get_json()
    stranger = new_client()
    await auth.signup(client=stranger)
    await upload(stranger, midi_bytes([note_messages(D_MAJOR_LINE)]), "theirs.mid")
    page = await (await client.get("/api/uploads")).get_json()
    assert [item["id"] for item in page["uploads"][:2]] == [second["id"], first["id"]]
    assert (page["page"], page["pages"], page["total"], page["page_size"]) == (
        1,
        2,
        PAGE_SIZE + 2,
        PAGE_SIZE,
    )
    assert page["uploads"][0]["analysis"]["melody_track"] == second["analysis"]["melody_track"]
    assert "melody" not in page["uploads"][0]["analysis"]  # its notes: GET /api/uploads/{id}
    assert (page["quota_bytes"], page["quota_files"]) == (QUOTA_BYTES, QUOTA_FILES)
    rest = await (await client.get("/api/uploads?page=2")).get_json()
    assert len(rest["uploads"]) == 2 and "theirs.mid" not in str(page) + str(rest)
    assert (await client.get("/api/uploads?page=0")).status_code == 400
    assert (await new_client().get("/api/uploads")).status_code == 401


async def test_deleting_an_upload_frees_its_place_and_only_the_owner_can(auth, client, new_client):
    await auth.signup()
    created = await (await upload(client, midi_bytes([note_messages(D_MAJOR_LINE)]))).get_json()
    stranger = new_client()
    await auth.signup(client=stranger)
    theirs = await stranger.delete(f"/api/uploads/{created['id']}")
    assert theirs.status_code == 404 and (await theirs.get_json())["error"]["code"] == "not_found"
    for malformed in ("x", "not-an-upload-id", "0" * 33, "%00", "..%2F..%2Fetc"):
        assert (await client.delete(f"/api/uploads/{malformed}")).status_code == 404
    assert (await client.delete(f"/api/uploads/{created['id']}")).status_code == 204
    assert (await client.get(f"/api/uploads/{created['id']}")).status_code == 404
    assert (await (await client.get("/api/uploads")).get_json())["total"] == 0
    assert (await client.delete(f"/api/uploads/{created['id']}")).status_code == 404


async def test_a_flood_of_uploads_is_refused_past_its_share_and_others_still_upload(
    auth, client, new_client
):
    """One account sending many files at once gets `busy` past its share before any is read;
    another account's upload sent meanwhile is read and kept."""
    flooder = (await (await auth.signup()).get_json())["id"]
    other = new_client()
    await auth.signup(client=other)
    data = midi_bytes([note_messages(D_MAJOR_LINE)])
    flood = [upload(client, data) for _ in range(4 * MIDI_PARSING.per_owner)]
    *answers, theirs = await asyncio.gather(*flood, upload(other, data))
    statuses = [answer.status_code for answer in answers]
    assert theirs.status_code == 201
    assert statuses.count(201) >= 1 and set(statuses) == {201, 429}
    refused = await next(answer for answer in answers if answer.status_code == 429).get_json()
    assert refused["error"]["code"] == "busy" and "wait for one" in refused["error"]["message"]
    assert await Upload.filter(owner_id=flooder).count() == statuses.count(201)
    assert MIDI_PARSING.in_flight == 0
