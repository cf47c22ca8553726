"""The dashboard's "sounds like": the genre classifier's calibrated view of saved songs, loaded
once per server (none when checkpoints/classifier is missing), computed off the event loop and kept
per song, since a song's notes never change after it is saved. What may be said of a song
(`GenreClassifier.verdict`) also depends on the genre it was asked for, so it is decided each
time the song is read; nothing is stored, and songs saved before calibration follow the rule.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable

from server.config import REPO_ROOT
from server.generation.classifier import Agreement, ClassifierError, GenreClassifier, Verdict
from server.generation.midi_io import MidiError, midi_to_melody
from server.models.song import Song

log = logging.getLogger(__name__)

CLASSIFIER_DIR = REPO_ROOT / "checkpoints" / "classifier"
REMEMBERED_SONGS = 10_000  # songs' probabilities kept per server process (a few hundred bytes each)
Probabilities = dict[str, float]  # genre -> calibrated probability


class SoundsLike:
    """Calibrated probabilities of one classifier, remembered by song id (least recently used
    dropped), and the verdict each song may show."""

    def __init__(self, classifier: GenreClassifier) -> None:
        self.classifier = classifier
        self._known: OrderedDict[str, Probabilities | None] = OrderedDict()

    async def of_songs(self, songs: Iterable[Song]) -> dict[str, Verdict]:
        """Song id -> verdict for the songs with notes whose verdict claims something (an
        unsure classifier says nothing); reads MIDI only for songs not seen before."""
        songs = list(songs)
        missing = [song.id for song in songs if song.id not in self._known]
        if missing:
            rows = await Song.filter(id__in=missing).values_list("id", "midi")
            found = await asyncio.to_thread(self._classify_all, rows)
            self._remember(found)
        verdicts = {}
        for song in songs:
            probabilities = self._known.get(song.id)
            if probabilities is None:
                continue
            verdict = self.classifier.verdict(probabilities, song.genre)
            if verdict.agreement is not Agreement.UNSURE:
                verdicts[song.id] = verdict
        return verdicts

    def _classify_all(self, rows: list[tuple[str, bytes]]) -> dict[str, Probabilities | None]:
        return {song_id: self._classify(bytes(midi)) for song_id, midi in rows}

    def _classify(self, midi: bytes) -> Probabilities | None:
        try:
            melody = midi_to_melody(midi)  # the studio's own files, not uploads
        except MidiError:
            return None
        if not melody.note_count:
            return None
        return self.classifier.calibrated_classify(melody)

    def _remember(self, found: dict[str, Probabilities | None]) -> None:
        self._known.update(found)
        while len(self._known) > REMEMBERED_SONGS:
            self._known.popitem(last=False)


async def verdicts(service: SoundsLike | None, songs: Iterable[Song]) -> dict[str, Verdict]:
    """What may be said of each song's genre; empty when the server has no classifier."""
    return {} if service is None else await service.of_songs(songs)


def load_sounds_like() -> SoundsLike | None:
    """The shipped classifier's view (blocking: run it in a thread); None when it is missing."""
    try:
        classifier = GenreClassifier.load(CLASSIFIER_DIR)
    except ClassifierError as error:
        log.warning("songs will not say what they sound like: %s", error)
        return None
    return SoundsLike(classifier)
