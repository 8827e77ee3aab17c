"""Logs for people (text) or for machines (one JSON object a line), both carrying the request id
of the request that caused them (`REELGATE_LOG_FORMAT`)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from reelgate.observability.request_ids import current_request_id

TEXT_FORMAT = "%(levelname)-9s %(name)s: %(message)s"


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on each record (`record.request_id`, None outside)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _handler(log_format: str) -> logging.Handler:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(level: str, log_format: str = "text") -> None:
    root = logging.getLogger()
    root.handlers[:] = [_handler(log_format)]
    root.setLevel(level.upper())


def uvicorn_log_config(log_format: str) -> dict[str, Any]:
    """uvicorn's own loggers (errors, access log): its usual setup for text; for JSON they go
    to the root handler, so every line is one JSON object with the request id."""
    if log_format != "json":
        from uvicorn.config import LOGGING_CONFIG

        return LOGGING_CONFIG
    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "loggers": {name: {"handlers": [], "propagate": True} for name in names},
    }
