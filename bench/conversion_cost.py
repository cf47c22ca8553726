"""What a conversion costs the model, with the style search (each bar the best of its
candidates) and without: the time to the first note a listener can hear (the first bar planned),
and a whole 16-bar conversion, one BLAS thread as the server runs it.
`python -m bench.conversion_cost` prints them as JSON.
"""

from __future__ import annotations

import json
import statistics
import time

from threadpoolctl import threadpool_limits

from server.config import REPO_ROOT
from server.generation.classifier import GenreClassifier
from server.generation.lstm import LstmNetwork
from server.generation.sampler import SamplingParams, generate, run_to_end, step_streams
from server.generation.style_search import CANDIDATES, StyleSearch
from server.generation.transfer import TransferStream
from server.generation.transfer_params import TransferParams

SOURCE_BARS = 16
SEEDS = 8  # conversions measured per variant (medians reported)


def conversion_costs(network: LstmNetwork, classifier: GenreClassifier) -> dict:
    """Median milliseconds to the first note and for a whole conversion, with and without the
    style search; the sources are 16-bar melodies the model writes in another genre."""
    sources = generate(
        network, [SamplingParams("folk", bars=SOURCE_BARS, seed=s) for s in range(SEEDS)]
    )
    search = StyleSearch(network, classifier)
    results = {"source_bars": SOURCE_BARS, "candidates": CANDIDATES, "conversions": SEEDS}
    with threadpool_limits(1, user_api="blas"):
        for name, variant in (("plain", None), ("search", search)):
            first, whole = [], []
            for seed, source in enumerate(sources):
                first.append(_first_note_seconds(network, source, seed, variant))
                whole.append(_whole_seconds(network, source, seed, variant))
            results[name] = {
                "first_note_ms": round(statistics.median(first) * 1e3, 2),
                "conversion_ms": round(statistics.median(whole) * 1e3, 1),
            }
    results["search_over_plain"] = round(
        results["search"]["conversion_ms"] / results["plain"]["conversion_ms"], 1
    )
    return results


def _stream(network, source, seed: int, search) -> TransferStream:
    return TransferStream(
        source, TransferParams("jazz", seed=seed), network.vocabulary, network, search
    )


def _first_note_seconds(network, source, seed: int, search) -> float:
    began = time.perf_counter()
    stream = _stream(network, source, seed, search)
    step_streams(network, [stream], network.initial_state(1))
    return time.perf_counter() - began


def _whole_seconds(network, source, seed: int, search) -> float:
    began = time.perf_counter()
    run_to_end(network, [_stream(network, source, seed, search)])
    return time.perf_counter() - began


def main() -> None:
    network = LstmNetwork.load(REPO_ROOT / "checkpoints" / "melody")
    classifier = GenreClassifier.load(REPO_ROOT / "checkpoints" / "classifier")
    print(json.dumps(conversion_costs(network, classifier), indent=2))


if __name__ == "__main__":
    main()
