"""JSON log lines, one object per line, for CloudWatch Logs Insights.

Only what a log line is given explicitly is written: request logs carry ids, routes, statuses
and timings, never bodies, phone numbers or email addresses."""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            # the exception's class and where it happened (file, line, function; no source text),
            # not its message: database errors quote row values (a failing row's phone, say)
            out["error"] = type(exc).__name__
            out["sqlstate"] = getattr(exc, "sqlstate", None)
            out["stack"] = [
                f"{f.filename}:{f.lineno} in {f.name}"
                for f in traceback.extract_tb(record.exc_info[2])
            ][-30:]
        return json.dumps(out, default=str)


def logconfig_dict(level: str = "INFO") -> dict:
    """gunicorn's and the app's logging: JSON on stdout."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"console": handler},
        "root": {"level": level, "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False},
        },
    }
