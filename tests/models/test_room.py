"""A room's playback clock: positions derived from the stored reference, through play, pause,
resume, seek and tempo changes, the way every worker and client derives them."""

from __future__ import annotations

import pytest

from server.models.room import Playback, Room

START = 1_700_000_000_000.0  # server ms


@pytest.fixture
def room(app) -> Room:
    """A room with a piece loaded at 120 bpm, playing from beat 0 at START."""
    room = Room(name="Clock")
    room.load(120.0, START)
    return room


def test_playing_moves_at_the_tempo(room):
    assert room.playback is Playback.PLAYING
    assert room.position_at(START) == 0.0
    assert room.position_at(START + 1500) == pytest.approx(3.0)  # 120 bpm: 2 beats a second
    assert room.position_at(START - 400) == 0.0  # before it starts


def test_pause_holds_the_position_and_resume_continues_from_it(room):
    room.pause_at(START + 2000)
    assert room.playback is Playback.PAUSED
    assert room.position_at(START + 60_000) == pytest.approx(4.0)
    room.play_from(room.paused_beats, START + 10_000)
    assert room.position_at(START + 10_500) == pytest.approx(5.0)


def test_a_tempo_change_keeps_the_position_where_it_takes_effect(room):
    room.change_tempo(60.0, START + 3000)  # at beat 6
    assert room.position_at(START + 3000) == pytest.approx(6.0)
    assert room.position_at(START + 5000) == pytest.approx(8.0)  # 60 bpm: a beat a second


def test_a_seek_while_paused_moves_only_the_paused_position(room):
    room.pause_at(START + 1000)
    room.seek(10.0, START + 2000)
    assert room.playback is Playback.PAUSED and room.position_at(START + 9000) == 10.0


def test_every_change_is_a_new_revision_effective_from_its_time(room):
    revision = room.revision
    room.seek(4.0, START + 500)
    state = room.clock_json(START + 100)
    assert state["revision"] == revision + 1 and state["effective_ms"] == START + 500
    assert state["position_beats"] == pytest.approx(4.0)  # where it will be when it holds
