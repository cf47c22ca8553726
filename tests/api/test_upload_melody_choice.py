"""The upload answer says which track the studio takes as the melody and how sure it is, with
a short preview of every track's melody, so the studio can ask when it is unsure."""

from __future__ import annotations

from tests.api.test_uploads import analysis_of
from tests.generation.test_melody_track import ACCOMPANIMENT, TUNE, tune_file
from tests.generation.test_midi_io import meta, midi_bytes, note_messages


async def test_the_tune_over_a_busier_accompaniment_is_a_sure_choice(auth, client):
    await auth.signup()
    found = await analysis_of(client, tune_file(("accompaniment", "tune")))
    assert found["melody_track"] == 2
    assert found["melody_choice"]["track"] == 2 and found["melody_choice"]["confident"] is True
    assert found["melody_notes"] == len(TUNE)
    tracks = found["tracks"]
    assert tracks[2]["melody_probability"] > tracks[1]["melody_probability"]
    assert tracks[1]["note_count"] == len(ACCOMPANIMENT) and tracks[1]["preview"]["events"]
    assert tracks[0]["preview"] is None and tracks[0]["melody_probability"] is None


async def test_two_tracks_alike_are_reported_unsure_with_a_preview_of_each(auth, client):
    await auth.signup()
    data = midi_bytes([meta(), note_messages(TUNE), note_messages(TUNE, channel=1)])
    found = await analysis_of(client, data)
    choice = found["melody_choice"]
    assert choice["confident"] is False and 0 <= choice["confidence"] < 0.5
    assert choice["track"] == found["melody_track"] == 1
    previews = [track["preview"] for track in found["tracks"][1:]]
    assert previews[0] == previews[1] and previews[0]["events"][0] == [72, 12]
