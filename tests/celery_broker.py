"""Switching the tests' Celery app from eager execution to a broker, and back; a private broker."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from settings.celery_app import app

__all__ = ["PrivateRedis", "app", "private_redis", "sending_to"]


def _drop_connections() -> None:
    # The producer pool keeps the broker it was first built for: rebuild it on next use.
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def sending_to(broker_url: str, *, publish_retry: bool = True) -> Iterator[None]:
    """Tasks are sent to ``broker_url`` (not run inline) until the block ends."""
    conf = app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.broker_write_url, conf.task_publish_retry)
    _drop_connections()
    conf.task_always_eager, conf.task_publish_retry = False, publish_retry
    conf.broker_url = conf.broker_write_url = broker_url
    try:
        yield
    finally:
        conf.task_always_eager, conf.broker_url, conf.broker_write_url, conf.task_publish_retry = saved
        _drop_connections()


class PrivateRedis:
    """A running ``redis-server`` of a test: its broker URL, and a way to lose it."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    """
    Debian's ``redis-server`` on a private unix socket, no persistence; stopped and its files removed
    afterwards. Skips the test when it is not installed (``make test`` installs it).
    """
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (make test installs Debian's redis-server)")
    # A unix socket path must stay under ~100 bytes: a short private directory, not var/ of a deep clone.
    folder = Path(tempfile.mkdtemp(prefix="lc-redis-"))
    socket, log = folder / "redis.sock", folder / "redis.log"
    process = subprocess.Popen(
        [server, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700", "--save", "",
         "--appendonly", "no", "--dir", str(folder), "--logfile", str(log), "--daemonize", "no"],
    )  # fmt: skip
    redis = PrivateRedis(process, f"redis+socket://{socket}", log)
    try:
        deadline = time.monotonic() + 20
        while not socket.exists():
            if time.monotonic() > deadline or process.poll() is not None:
                tail = log.read_text()[-4000:] if log.exists() else ""
                pytest.fail(f"redis-server did not start\n{tail}")
            time.sleep(0.05)
        yield redis
    finally:
        redis.stop()
        shutil.rmtree(folder, ignore_errors=True)
