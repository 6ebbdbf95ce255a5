"""The logging of `takedown api`, `takedown worker` (and so `takedown up`): text or JSON lines.

Our loggers, uvicorn's and RQ's write to stderr at TAKEDOWN_LOG_LEVEL; every other library only
from WARNING, since some (httpx) log each URL they fetch at INFO. uvicorn's access log, which
has every client's address, is never attached: service/accesslog.py logs requests instead.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from casework.settings import LogFormat

#: Loggers whose INFO lines are ours to vouch for.
OWN_LOGGERS = ("service", "casework", "workers", "uvicorn", "rq")


def log_config(level: str, log_format: LogFormat) -> dict[str, Any]:
    """A logging.config.dictConfig dictionary (uvicorn takes it as its log_config)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            LogFormat.TEXT.value: {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            LogFormat.JSON.value: {"()": JsonLines},
        },
        "filters": {"bind_address": {"()": WithoutBindAddress}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": log_format.value,
                "filters": ["bind_address"],
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            **{name: {"level": level.upper(), "propagate": True} for name in OWN_LOGGERS},
            # uvicorn.access would print "127.0.0.1:53124 - GET /path": never shown.
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message (and a traceback if any)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class WithoutBindAddress(logging.Filter):
    """uvicorn's "running on http://HOST:PORT" line, told by its port alone.

    The host is the operator's own, but a log that never holds an address is a rule anyone can
    check with a pattern; the port is what the operator looks for.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.error" and str(record.msg).startswith("Uvicorn running on"):
            if isinstance(record.args, tuple) and len(record.args) == 3:
                record.msg = "Uvicorn running on port %d (Press CTRL+C to quit)"
                record.args = (record.args[2],)
            else:
                # A unix socket or an inherited one: its path or descriptor says enough.
                record.msg = "Uvicorn running (Press CTRL+C to quit)"
                record.args = ()
            record.__dict__.pop("color_message", None)
        return True
