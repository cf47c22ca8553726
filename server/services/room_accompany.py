"""A room's live piece that accompanies what its members play (docs/protocol.md,
"Accompaniment"): `room:generate` with `accompany: true`, the members' notes heard by the
piece's `Accompaniment`, and each chord it commits announced to the room as `jam:chord` before
its bar sounds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from server.generation.accompaniment import Accompaniment, Commit
from server.generation.accompanying_melody import AccompanyingMelody
from server.generation.live_stream import BEATS_PER_BAR
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import Vocabulary
from server.models.room import MS_PER_MINUTE, Playback, Room
from server.services.rooms import invalid_params

if TYPE_CHECKING:  # the broker uses this module
    from server.services.room_broker import Channel

CHORD = "jam:chord"
ACCOMPANY = "accompany"


def accompany_from(data: Any) -> tuple[Any, bool]:
    """The `room:generate` payload without its `accompany` field, and that field (false when
    left out); chords or a primer given with it are refused: the room's playing decides."""
    if not isinstance(data, dict) or ACCOMPANY not in data:
        return data, False
    accompany = data[ACCOMPANY]
    if not isinstance(accompany, bool):
        raise invalid_params(ACCOMPANY, f"accompany: must be true or false, got {accompany!r}")
    if accompany and data.get("chords") is not None:
        raise invalid_params(
            "chords", "chords: an accompanying piece takes its chords from what the room plays"
        )
    if accompany and data.get("primer"):
        raise invalid_params("primer", "primer: an accompanying piece follows the room, unprimed")
    return {name: value for name, value in data.items() if name != ACCOMPANY}, accompany


def accompanying_melody(params: SamplingParams, vocabulary: Vocabulary) -> AccompanyingMelody:
    """The live piece of `params`, its chords committed from what the room plays."""
    accompaniment = Accompaniment(params.tonic, params.mode, params.bars)
    return AccompanyingMelody(params, vocabulary, accompaniment)


def chord_payload(room: Room, stream_id: str, commit: Commit) -> dict[str, Any]:
    """The `jam:chord` payload of one committed bar; `at_ms` is when its bar line sounds (None
    while the room is paused)."""
    at_beats = commit.bar * BEATS_PER_BAR
    at_ms = None
    if room.playback is Playback.PLAYING and room.anchor_ms is not None:
        at_ms = room.anchor_ms + at_beats * MS_PER_MINUTE / room.tempo
    return {
        "stream_id": stream_id,
        "bar": commit.bar,
        "at_beats": at_beats,
        "at_ms": at_ms,
        "chord": commit.chord.to_wire(),
        "committed_ms": commit.committed_ms,
    }


async def announce(channel: Channel, room_id: str, stream_id: str, commits: list[Commit]) -> None:
    """Tell the room's members of the chords just committed, in bar order."""
    room = await Room.get_or_none(id=room_id)
    if room is None:
        return  # closed meanwhile
    for commit in commits:
        await channel.emit(CHORD, chord_payload(room, stream_id, commit), to=room.channel)
