"""Server settings read from the environment into one `Config` value.

Nothing is read at import time; `Config.from_env()` is called by whoever builds the app.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from quart import current_app

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"
DATABASE_FILE = "cadenza.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 5000  # how long a write waits for another worker's lock
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    """Everything the app needs to start; tests build one directly."""

    instance_path: Path
    secret_key: str
    database_url: str
    redis_url: str | None = None
    # The Redis pub/sub channel every worker of one deployment shares (REDIS_CHANNEL).
    socketio_channel: str = "cadenza-socketio"
    cookie_secure: bool = False  # True behind HTTPS so cookies never travel in clear text
    # Reverse proxies in front that set X-Forwarded-For/-Proto; 0 trusts no such header.
    trusted_proxy_hops: int = 0
    session_idle_seconds: int = 7 * 24 * 3600  # inactivity that ends any session
    session_seconds: int = 12 * 3600  # absolute lifetime of a browser-session login
    remember_seconds: int = 30 * 24 * 3600  # absolute lifetime of a "remember me" login
    max_content_length: int = 6 * 1024 * 1024  # bytes per request body: a 5 MB photo plus form
    argon2_time_cost: int = 3  # iterations
    argon2_memory_cost: int = 64 * 1024  # KiB, i.e. 64 MiB per hash
    argon2_parallelism: int = 4  # lanes
    rate_limits_enabled: bool = True
    model_dir: Path = REPO_ROOT / "checkpoints" / "melody"  # the melody checkpoint folder
    # The progression network that writes chords when a request gives none.
    progression_dir: Path = REPO_ROOT / "checkpoints" / "progressions"
    stream_pacing: bool = True  # False writes live streams flat out (tests, benchmarks)
    # The melody network's steps in a process of their own, on a core the event loop does not
    # use (server/generation/network_process.py); on by default when served (from_env) on more
    # than one core: on one, the process would only add its copies to the same core's work.
    network_process: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Read INSTANCE_PATH, SECRET_KEY, DATABASE_URL, REDIS_URL, REDIS_CHANNEL, COOKIE_SECURE,
        TRUSTED_PROXY_HOPS, RATE_LIMITS, CADENZA_MODEL_DIR, CADENZA_PROGRESSION_DIR,
        CADENZA_STREAM_PACING and CADENZA_NETWORK_PROCESS."""
        env = os.environ if environ is None else environ
        instance_path = Path(env.get("INSTANCE_PATH") or REPO_ROOT / "instance").resolve()
        instance_path.mkdir(parents=True, exist_ok=True)
        network_default = "on" if usable_cores() > 1 else "off"
        return cls(
            instance_path=instance_path,
            secret_key=env.get("SECRET_KEY") or load_or_create_secret_key(instance_path),
            database_url=env.get("DATABASE_URL") or sqlite_url(instance_path / DATABASE_FILE),
            redis_url=env.get("REDIS_URL") or None,
            socketio_channel=env.get("REDIS_CHANNEL") or "cadenza-socketio",
            cookie_secure=env.get("COOKIE_SECURE", "").strip().lower() in _TRUE,
            trusted_proxy_hops=_whole_number(env, "TRUSTED_PROXY_HOPS", default=0),
            rate_limits_enabled=env.get("RATE_LIMITS", "on").strip().lower() in _TRUE,
            model_dir=Path(env.get("CADENZA_MODEL_DIR") or REPO_ROOT / "checkpoints" / "melody"),
            progression_dir=Path(
                env.get("CADENZA_PROGRESSION_DIR") or REPO_ROOT / "checkpoints" / "progressions"
            ),
            stream_pacing=env.get("CADENZA_STREAM_PACING", "on").strip().lower() in _TRUE,
            network_process=env.get("CADENZA_NETWORK_PROCESS", network_default).strip().lower()
            in _TRUE,
        )


def usable_cores() -> int:
    """Cores this process may run on (a container's or taskset's limit, not the machine's)."""
    return len(os.sched_getaffinity(0))


def _whole_number(env: Mapping[str, str], name: str, *, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number of 0 or more, got {value!r}")
    return int(value)


def current_config() -> Config:
    """The `Config` of the app handling the current request."""
    config: Config = current_app.extensions["studio_config"]
    return config


def sqlite_url(path: Path) -> str:
    """The Tortoise URL of an SQLite file; writers from other workers wait rather than fail."""
    return f"sqlite://{path}?busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"


def load_or_create_secret_key(instance_path: Path) -> str:
    """The key kept in the instance folder, written once (mode 600) by whichever worker is first.

    The key is written to a private temporary file and hard-linked into place, so another
    worker never reads a half-written key.
    """
    key_path = instance_path / SECRET_KEY_FILE
    if key_path.exists():
        return _read_secret_key(key_path)
    descriptor, temporary = tempfile.mkstemp(dir=instance_path, prefix=".secret-")
    try:
        with os.fdopen(descriptor, "w") as key_file:
            key_file.write(secrets.token_urlsafe(64))
        os.link(temporary, key_path)
    except FileExistsError:
        pass  # another worker won the race; its key is the one everybody uses
    finally:
        os.unlink(temporary)
    return _read_secret_key(key_path)


def _read_secret_key(key_path: Path) -> str:
    key = key_path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{key_path} holds no usable secret key; delete it to make a new one")
    return key
