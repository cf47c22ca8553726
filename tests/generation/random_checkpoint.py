"""A checkpoint folder with random weights that favour short notes, for tests that need a
loadable network writing many notes per bar but not a good one (the engine, the socket protocol)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from server.generation.lstm import LstmNetwork
from server.generation.vocabulary import default_vocabulary


def lively_network(hidden: int = 32) -> LstmNetwork:
    """Random weights; duration logits biased toward notes up to a quarter (12 ticks), by a
    margin that no pitch's random weights outweigh (at 4 some pitches still drew notes of
    several bars, most often where a genre's onset grid ruled out their short durations)."""
    network = LstmNetwork.random(default_vocabulary(), hidden=hidden, duration_hidden=hidden)
    durations = np.array(default_vocabulary().durations)
    network.arrays["duration_bias"][:] = np.where(durations <= 12, 8.0, -8.0)
    return network


def write_lively_checkpoint(folder: Path, hidden: int = 32) -> Path:
    lively_network(hidden).save(folder)
    return folder
