"""The app's long-lived services in one typed object: `init_services` sets it on the app at
start-up (loading the networks when the app starts serving) and `services(app)` finds it."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from quart import Quart, current_app

from server.config import Config
from server.memory import settle_heap
from server.services.generation import GenerationService, load_generation, unavailable
from server.services.room_broker import RoomBroker
from server.services.sounds_like import SoundsLike, load_sounds_like

EXTENSION = "services"


@dataclass
class Services:
    """What handlers and services share for the life of one worker."""

    # Kept with each room connection this worker holds, and with its Redis heartbeat.
    worker_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    generation: GenerationService | None = None  # None: no checkpoint, or not serving (yet)
    sounds_like: SoundsLike | None = None  # None: no classifier checkpoint
    rooms: RoomBroker | None = None  # set when the socket server is made
    password_decoy_hash: str | None = None  # checked for unknown emails; made on first use

    def live_generation(self) -> GenerationService:
        """The generation service, or `model_unavailable` when there is none now."""
        if self.generation is None:
            raise unavailable()
        return self.generation


def services(app: Quart | None = None) -> Services:
    """The services of `app` (the current app by default)."""
    held = (app or current_app).extensions.get(EXTENSION)
    if not isinstance(held, Services):
        raise RuntimeError("this app has no services: build it with create_app()")
    return held


def init_services(app: Quart, config: Config) -> Services:
    """Hold the services on `app`; the networks load when it starts serving (the melody engine
    runs until it stops)."""
    held = app.extensions[EXTENSION] = Services()

    async def start() -> None:
        generation = await asyncio.to_thread(load_generation, config)
        if generation is not None:
            generation.engine.start()
        held.generation = generation
        held.sounds_like = await asyncio.to_thread(load_sounds_like)
        settle_heap()  # what start-up made lives as long as the worker (server/memory.py)

    async def stop() -> None:
        generation, held.generation = held.generation, None
        if generation is not None:
            await generation.aclose()

    app.before_serving(start)
    app.after_serving(stop)
    return held
