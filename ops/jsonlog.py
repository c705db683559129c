"""
One JSON object per log record, on one line: what a log collector parses without rules.

Twenty lines of our own rather than python-json-logger: the fields are few and fixed, and this
module must import nothing from Django (gunicorn's master process uses it before Django exists).
"""

import datetime
import json
import logging
import traceback

from ops import requestid

# What every LogRecord has; anything else on a record came as ``extra=`` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Extras that are objects rather than values (django.request passes the request itself).
_SKIPPED = {"request", "server_time"}


class RequestIdFilter(logging.Filter):
    """Put the current request's id (``ops.requestid``) on every record, ``None`` outside one."""

    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = requestid.current()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ).replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in _SKIPPED and name not in entry:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.stack_info:
            entry["stack"] = record.stack_info
        # default=str: an odd extra (a datetime, a Path) is written as text, never lost.
        return json.dumps(entry, ensure_ascii=False, default=str)
