"""Structured JSON logs that carry the correlation id (the application) of what is being handled."""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from pythonjsonlogger.json import JsonFormatter

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
_service: str = "zairyu"


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.service = _service
        if not getattr(record, "correlation_id", None):
            record.correlation_id = correlation_id.get()
        return True


class _StderrHandler(logging.StreamHandler[IO[str]]):
    """Writes to whatever sys.stderr is now (test runners swap it; a stale stream breaks logging)."""

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        pass


def configure(service: str, level: str = "INFO", stream: IO[str] | None = None) -> None:
    global _service
    _service = service
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(correlation_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_zairyu", False):
            root.removeHandler(old)
    handler._zairyu = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())


@contextmanager
def correlated(value: str | None) -> Iterator[None]:
    token = correlation_id.set(value)
    try:
        yield
    finally:
        correlation_id.reset(token)
