"""Switching the tests' Celery app from eager execution to a broker, and back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from settings.celery_app import app

__all__ = ["app", "sending_to"]


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
