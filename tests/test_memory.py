"""The server holds glibc's mmap threshold, which keeps a long-running worker's memory flat
(server/memory.py); the machines it runs on use glibc. A worker freezes its start-up heap and
collects young objects less often, so that full collections are rare and short."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from server import memory
from server.app import create_app
from server.config import Config
from server.memory import hold_mmap_threshold
from server.services.registry import services


def test_the_mmap_threshold_is_held_on_glibc():
    assert hold_mmap_threshold() is True


@pytest.fixture
def unsettled_heap(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """CPython's own collector settings, as a process starts, restored afterwards."""
    thresholds = gc.get_threshold()
    monkeypatch.setattr(memory, "_heap_settled", False)
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*thresholds)


async def test_a_worker_freezes_its_start_up_heap_once_its_models_are_loaded(
    config: Config, unsettled_heap: None
):
    app = create_app(config)
    assert gc.get_freeze_count() == 0
    async with app.test_app():
        assert services(app).generation is not None  # the models are loaded
        assert gc.get_freeze_count() > 10_000  # modules, models, the app: out of every collection
        assert gc.get_threshold() == memory.GC_THRESHOLDS
        assert gc.get_threshold()[0] > 700  # young collections less often than CPython's
        frozen = gc.get_freeze_count()
        assert memory.settle_heap() is False  # once a process
        assert gc.get_freeze_count() == frozen
