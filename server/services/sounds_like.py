"""The dashboard's "sounds like": the genre classifier's verdict on saved songs, loaded once
per server (none when models/classifier is missing), computed off the event loop and kept per
song, since a song's notes never change after it is saved.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable

from quart import Quart

from server.config import REPO_ROOT
from server.generation.classifier import ClassifierError, GenreClassifier
from server.generation.midi_io import MidiError, midi_to_melody
from server.models.song import Song

log = logging.getLogger(__name__)

CLASSIFIER_DIR = REPO_ROOT / "models" / "classifier"
REMEMBERED_SONGS = 10_000  # verdicts kept per server process (a few hundred bytes each)
Verdict = tuple[str, float]  # (genre, probability)


class SoundsLike:
    """Verdicts of one classifier, remembered by song id (least recently used dropped)."""

    def __init__(self, classifier: GenreClassifier) -> None:
        self.classifier = classifier
        self._known: OrderedDict[str, Verdict | None] = OrderedDict()

    async def of_songs(self, songs: Iterable[Song]) -> dict[str, Verdict]:
        """Song id -> verdict for the songs that have notes; reads MIDI only for new ones."""
        songs = list(songs)
        missing = [song.id for song in songs if song.id not in self._known]
        if missing:
            rows = await Song.filter(id__in=missing).values_list("id", "midi")
            found = await asyncio.to_thread(self._classify_all, rows)
            self._remember(found)
        return {song.id: v for song in songs if (v := self._known.get(song.id)) is not None}

    def _classify_all(self, rows: list[tuple[str, bytes]]) -> dict[str, Verdict | None]:
        return {song_id: self._classify(bytes(midi)) for song_id, midi in rows}

    def _classify(self, midi: bytes) -> Verdict | None:
        try:
            melody = midi_to_melody(midi)  # the studio's own files, not uploads
        except MidiError:
            return None
        probabilities = self.classifier.classify(melody)
        genre = max(probabilities, key=probabilities.__getitem__)
        return genre, probabilities[genre]

    def _remember(self, found: dict[str, Verdict | None]) -> None:
        self._known.update(found)
        while len(self._known) > REMEMBERED_SONGS:
            self._known.popitem(last=False)


async def verdicts(app: Quart, songs: Iterable[Song]) -> dict[str, Verdict]:
    """What each song sounds like; empty when the server has no classifier."""
    service: SoundsLike | None = app.extensions.get("sounds_like")
    return {} if service is None else await service.of_songs(songs)


def init_sounds_like(app: Quart) -> None:
    """Load the classifier when the app starts serving."""

    async def load() -> None:
        try:
            classifier = await asyncio.to_thread(GenreClassifier.load, CLASSIFIER_DIR)
        except ClassifierError as error:
            log.warning("songs will not say what they sound like: %s", error)
            classifier = None
        app.extensions["sounds_like"] = classifier and SoundsLike(classifier)

    app.before_serving(load)
