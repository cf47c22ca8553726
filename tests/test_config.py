"""Configuration from the environment: the secret key, database and cookie settings."""

from __future__ import annotations

import os
import stat

import pytest

from server.config import DATABASE_FILE, SECRET_KEY_FILE, Config, sqlite_url


def test_defaults_live_in_the_instance_folder(tmp_path):
    config = Config.from_env({"INSTANCE_PATH": str(tmp_path)})
    assert config.database_url == sqlite_url(tmp_path / DATABASE_FILE)
    assert config.redis_url is None and config.cookie_secure is False
    assert config.rate_limits_enabled is True and config.trusted_proxy_hops == 0
    # A served worker on more than one core steps its network beside it.
    assert config.network_process is (len(os.sched_getaffinity(0)) > 1)


def test_one_usable_core_keeps_the_networks_steps_in_the_worker(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert Config.from_env({"INSTANCE_PATH": str(tmp_path)}).network_process is False
    environ = {"INSTANCE_PATH": str(tmp_path), "CADENZA_NETWORK_PROCESS": "on"}
    assert Config.from_env(environ).network_process is True


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = Config.from_env({"INSTANCE_PATH": str(tmp_path)})
    second = Config.from_env({"INSTANCE_PATH": str(tmp_path)})
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 64
    mode = stat.S_IMODE((tmp_path / SECRET_KEY_FILE).stat().st_mode)
    assert mode == 0o600
    assert [path.name for path in tmp_path.iterdir()] == [SECRET_KEY_FILE]  # no temporary left


def test_environment_wins(tmp_path):
    environ = {
        "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "k" * 40,
        "DATABASE_URL": "postgres://studio@db.internal:5432/cadenza",
        "REDIS_URL": "redis://cache.internal:6379/0",
        "COOKIE_SECURE": "true",
        "TRUSTED_PROXY_HOPS": "2",
        "RATE_LIMITS": "off",
        "CADENZA_NETWORK_PROCESS": "off",
    }
    config = Config.from_env(environ)
    assert config.secret_key == "k" * 40
    assert config.database_url == environ["DATABASE_URL"]
    assert config.redis_url == environ["REDIS_URL"]
    assert config.cookie_secure is True
    assert config.trusted_proxy_hops == 2 and config.rate_limits_enabled is False
    assert config.network_process is False
    assert not (tmp_path / SECRET_KEY_FILE).exists()


def test_unusable_key_file_is_reported(tmp_path):
    (tmp_path / SECRET_KEY_FILE).write_text("short")
    with pytest.raises(RuntimeError, match="no usable secret key"):
        Config.from_env({"INSTANCE_PATH": str(tmp_path)})


def test_bad_number_is_reported_by_name(tmp_path):
    with pytest.raises(ValueError, match="TRUSTED_PROXY_HOPS must be a whole number"):
        Config.from_env({"INSTANCE_PATH": str(tmp_path), "TRUSTED_PROXY_HOPS": "two"})
