"""Call and response over a real Hypercorn and real Socket.IO clients: a played phrase is
answered in `generate:notes` frames placed after it on the duet's timeline, turn by turn; bad
payloads, phrases out of turn and floods are refused with the documented codes; stopping saves
the whole duet as one song."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.sockets.streaming import (
    Listener,
    drafts_of,
    eventually,
    get_bytes,
    get_json,
    midi_notes,
)

DUET = {
    "genre": "jazz",
    "key": "D",
    "mode": "minor",
    "tempo": 200,
    "chords": "Dm Gm A7 Dm",
    "answer_bars": 2,
    "wait": "beat",
}
# D F A G, from beat 0: the phrase ends a beat after G ends, at beat 5.
PHRASE = [
    {"pitch": 62, "start": 0, "duration": 1},
    {"pitch": 65, "start": 1, "duration": 1},
    {"pitch": 69, "start": 2, "duration": 1},
    {"pitch": 67, "start": 3, "duration": 1, "velocity": 70},
]


class Duettist:
    """A Listener that also hears `duet:answered`."""

    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        self.answered: dict[int, asyncio.Future] = {}
        listener.sio.on("duet:answered", self._answered)

    def _answered(self, event: dict) -> None:
        self.answered.setdefault(
            event["turn"], asyncio.get_running_loop().create_future()
        ).set_result(event)

    async def call(self, event: str, payload: Any) -> dict:
        return await self.listener.sio.call(event, payload, timeout=10)

    async def start(self, **params: Any) -> str:
        ack = await self.call("duet:start", DUET | params)
        assert ack["ok"], ack
        return ack["duet_id"]

    async def turn(self, duet_id: str, notes: list[dict]) -> tuple[dict, list[dict]]:
        """Play a phrase and wait for the whole answer: (the acknowledgement, its notes)."""
        ack = await self.call("duet:phrase", {"duet_id": duet_id, "notes": notes})
        assert ack["ok"], ack
        loop = asyncio.get_running_loop()
        answered = self.answered.setdefault(ack["turn"], loop.create_future())
        event = await asyncio.wait_for(answered, 20)
        assert event["stream_id"] == ack["stream_id"] and event["first_note_ms"] >= 0, event
        return ack, self.listener.notes[ack["stream_id"]]


@pytest.fixture
async def duettist(unpaced_server, unpaced_cookie, listen) -> Duettist:
    return Duettist(await listen(unpaced_server, unpaced_cookie))


def shifted(notes: list[dict], beats: float) -> list[dict]:
    return [note | {"start": note["start"] + beats} for note in notes]


async def test_a_phrase_is_answered_after_it_in_its_bars_then_the_model_listens_again(duettist):
    duet_id = await duettist.start()
    ack, answer = await duettist.turn(duet_id, PHRASE)
    assert ack["turn"] == 1
    # A beat of silence after beat 4 ends the phrase; 0.3 s of lead at 200 BPM is one beat more.
    assert ack["answer_start"] == 6 and ack["answer_end"] == 6 + 8
    assert answer and all(6 <= n["start"] and n["start"] + n["duration"] <= 14 for n in answer)
    assert [n["index"] for n in answer] == list(range(len(answer)))
    assert all(n.get("part", "melody") == "melody" for n in answer)

    ack, second = await duettist.turn(duet_id, shifted(PHRASE, 16))  # after the first answer
    assert ack["turn"] == 2 and ack["answer_start"] == 22 and second
    assert all(22 <= n["start"] < 30 for n in second)


async def test_waiting_for_the_bar_line_answers_from_the_next_beat_after_it(duettist):
    duet_id = await duettist.start(wait="bar", answer_bars=1)
    ack, answer = await duettist.turn(duet_id, PHRASE[:3])  # ends at beat 3: over at the bar, 4
    assert ack["answer_start"] == 5 and ack["answer_end"] == 9
    assert answer and all(5 <= n["start"] < 9 for n in answer)


async def test_stopping_saves_the_duet_as_one_song_with_the_played_notes_marked(
    unpaced_server, unpaced_cookie, duettist
):
    duet_id = await duettist.start(instrument="pad")
    _, answer = await duettist.turn(duet_id, PHRASE)
    stopped = await duettist.call("duet:stop", {"duet_id": duet_id})
    assert stopped["ok"] and stopped["saved"], stopped
    song = await get_json(unpaced_server, unpaced_cookie, f"/api/songs/{stopped['song_id']}")
    played = [  # stored rows: [pitch, start, duration, velocity, part]
        [n["pitch"], n["start"] * 12, n["duration"] * 12, n.get("velocity", 90), "played"]
        for n in PHRASE
    ]
    assert song["parameters"]["played"] == played
    assert song["parameters"]["instrument"] == "pad" and song["parameters"]["turns"] == 1
    assert song["title"] == "Duet in D minor" and song["status"] == "complete"
    assert [chord["symbol"] for chord in song["chords"][:4]] == ["Dm", "Gm", "A7", "Dm"]
    midi = await get_bytes(unpaced_server, unpaced_cookie, f"/api/songs/{stopped['song_id']}/midi")
    heard = [(n["pitch"], n["start"], n["duration"]) for n in PHRASE + answer]
    assert [note[:2] for note in midi_notes(midi)] == [
        note[:2] for note in sorted(heard, key=lambda n: n[1])
    ]


async def test_leaving_mid_duet_keeps_what_was_played_as_a_draft(unpaced_server, listen):
    cookie = await unpaced_server.session_cookie()  # a user of its own: its songs are counted
    duettist = Duettist(await listen(unpaced_server, cookie))
    duet_id = await duettist.start()
    await duettist.turn(duet_id, PHRASE)
    await duettist.listener.sio.disconnect()
    drafts = await eventually(lambda: drafts_of(unpaced_server, cookie), lambda found: found)
    assert len(drafts) == 1 and drafts[0]["parameters"]["played"][0][0] == 62


async def test_discarding_saves_nothing_and_the_duet_is_gone(duettist):
    duet_id = await duettist.start()
    stopped = await duettist.call("duet:stop", {"duet_id": duet_id, "discard": True})
    assert stopped == {"ok": True, "duet_id": duet_id, "saved": False}
    refused = await duettist.call("duet:phrase", {"duet_id": duet_id, "notes": PHRASE})
    assert refused["error"]["code"] == "unknown_duet"


async def test_a_phrase_while_the_model_answers_is_out_of_turn(duettist):
    duet_id = await duettist.start(answer_bars=8, tempo=40)
    first = await duettist.call("duet:phrase", {"duet_id": duet_id, "notes": PHRASE})
    again = await duettist.call("duet:phrase", {"duet_id": duet_id, "notes": shifted(PHRASE, 64)})
    assert first["ok"] and again["error"]["code"] == "not_your_turn", again


async def test_a_phrase_over_the_last_answer_is_refused_naming_the_notes(duettist):
    duet_id = await duettist.start()
    await duettist.turn(duet_id, PHRASE)
    early = await duettist.call("duet:phrase", {"duet_id": duet_id, "notes": shifted(PHRASE, 10)})
    assert early["error"]["code"] == "invalid_params" and early["error"]["field"] == "notes"
    assert "beat 14" in early["error"]["message"]


async def test_a_flood_of_phrases_is_refused_past_the_rate(duettist):
    duet_id = await duettist.start()
    acks = [await duettist.call("duet:phrase", {"duet_id": duet_id, "notes": []}) for _ in range(6)]
    codes = [ack["error"]["code"] for ack in acks]
    assert codes[:3] == ["invalid_params"] * 3 and codes[3:] == ["rate_limited"] * 3


async def test_one_duet_per_connection(duettist):
    await duettist.start()
    second = await duettist.call("duet:start", DUET)
    assert second["error"]["code"] == "duet_running"


BAD_STARTS = [
    ("payload", "not an object"),
    ("answer_bars", DUET | {"answer_bars": 0}),
    ("answer_bars", DUET | {"answer_bars": 9}),
    ("answer_bars", DUET | {"answer_bars": True}),
    ("wait", DUET | {"wait": "forever"}),
    ("bars", DUET | {"bars": 8}),
    ("primer", DUET | {"primer": []}),
    ("tempo", DUET | {"tempo": 1000}),
    ("chords", DUET | {"chords": "H7"}),
    ("colour", DUET | {"colour": "blue"}),
]


@pytest.mark.parametrize(("field", "payload"), BAD_STARTS, ids=[case[0] for case in BAD_STARTS])
async def test_a_bad_duet_start_is_refused_naming_the_field(duettist, field, payload):
    ack = await duettist.call("duet:start", payload)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_params", ack
    assert ack["error"]["field"] == field


BAD_PHRASES = [
    ("no notes", []),
    ("not a list", {"pitch": 60}),
    ("too many notes", [{"pitch": 60, "start": i / 4, "duration": 0.25} for i in range(65)]),
    ("a pitch past MIDI", [{"pitch": 128, "start": 0, "duration": 1}]),
    ("a negative start", [{"pitch": 60, "start": -1, "duration": 1}]),
    ("a text duration", [{"pitch": 60, "start": 0, "duration": "long"}]),
    ("a note not an object", ["C4"]),
    (
        "longer than eight bars",
        [{"pitch": 60, "start": 0, "duration": 1}, {"pitch": 62, "start": 33, "duration": 1}],
    ),
]


@pytest.mark.parametrize(("case", "notes"), BAD_PHRASES, ids=[case[0] for case in BAD_PHRASES])
async def test_a_bad_phrase_is_refused_naming_the_notes(duettist, case, notes):
    duet_id = await duettist.start()
    ack = await duettist.call("duet:phrase", {"duet_id": duet_id, "notes": notes})
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_params", ack
    assert ack["error"]["field"] == "notes"
    ok = await duettist.call("duet:phrase", {"duet_id": duet_id, "notes": PHRASE})
    assert ok["ok"], ok  # nothing half done: the duet goes on


async def test_a_phrase_for_another_duet_is_unknown(duettist):
    await duettist.start()
    ack = await duettist.call("duet:phrase", {"duet_id": "0" * 32, "notes": PHRASE})
    assert ack["error"]["code"] == "unknown_duet"
