"""Melodies grouped by genre, the one grouping every evaluation reads its corpora through."""

from __future__ import annotations

from collections import defaultdict

from server.generation.melody import Melody


def by_genre(melodies: list[Melody]) -> dict[str, list[Melody]]:
    """Genre -> its melodies, genres in alphabetical order ("any" for a melody without one)."""
    grouped = defaultdict(list)
    for melody in melodies:
        grouped[melody.genre or "any"].append(melody)
    return dict(sorted(grouped.items()))
