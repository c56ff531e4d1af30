"""Structured (JSON lines) request logging with request ids."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import current_app, g, request

if TYPE_CHECKING:
    import flask

REQUEST_LOGGER_NAME = "shisetsu.request"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9-]{8,64}")

#: Attributes every LogRecord has; anything else on a record came in through ``extra=``.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Render a record and its ``extra`` fields as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single-line JSON document."""
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):
    """Write to whatever ``sys.stderr`` is at emit time (servers and tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        """Emit to the current ``sys.stderr``."""
        self.stream = sys.stderr
        super().emit(record)


def get_request_id() -> str:
    """Return the current request's id, taking a well-formed ``X-Request-ID`` if sent."""
    existing = g.get("request_id")
    if isinstance(existing, str):
        return existing
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if _REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
    g.request_id = request_id
    return request_id


def _configure_logger() -> logging.Logger:
    logger = logging.getLogger(REQUEST_LOGGER_NAME)
    if not logger.handlers:
        handler = _StderrHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False  # our handler is the output; avoid a second plain-text copy
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return logger


def init_request_logging(app: flask.Flask) -> None:
    """Register hooks that assign request ids and log one JSON line per request."""
    logger = _configure_logger()

    def start_request() -> None:
        g._request_log_start = time.perf_counter()
        get_request_id()

    def finish_request(response: flask.Response) -> flask.Response:
        response.headers[REQUEST_ID_HEADER] = get_request_id()
        _log_request(logger, response.status_code)
        return response

    def teardown_request(exc: BaseException | None) -> None:
        # Only reached without a log line when the response was never finalised.
        if not g.get("_request_logged"):
            _log_request(logger, 500)

    # Run first, so requests rejected by other before_request hooks are timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(finish_request)
    app.teardown_request(teardown_request)


def _log_request(logger: logging.Logger, status: int) -> None:
    g._request_logged = True
    if not current_app.config.get("REQUEST_LOG", True):
        return
    start = g.get("_request_log_start")
    duration_ms = (
        round((time.perf_counter() - start) * 1000, 2) if isinstance(start, float) else None
    )
    logger.info(
        "request",
        extra={
            "method": request.method,
            "path": request.path,  # never the query string: it may hold personal data
            "endpoint": request.endpoint,
            "status": status,
            "duration_ms": duration_ms,
            "tenant": g.get("tenant_slug"),
            "request_id": get_request_id(),
            "remote_addr": request.remote_addr,
        },
    )
