"""One structured (JSON) log line per request, and a request id in ``X-Request-Id``.

The id is the caller's ``X-Request-Id`` when it is a plausible one (up to 128 letters, digits and
``.-_:``), else a new random one; the response echoes it. Lines go to the ``hyperapi.request`` logger.
With ``REQUEST_LOG`` on (the default) and outside tests, that logger writes to stderr — one JSON object
a line, which gunicorn passes through — so production needs no logging set-up; a deployment with its
own logging configuration can attach handlers to the logger instead.
"""
import logging
import os
import re
import time
import uuid
from datetime import datetime, timezone

import orjson
from flask import g, request

logger = logging.getLogger("hyperapi.request")

_PLAUSIBLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def init_app(app):
    logger.setLevel(logging.INFO)
    if app.config.get("REQUEST_LOG", True) and not app.testing and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False

    @app.before_request
    def start_request():
        g.request_started = time.perf_counter()
        g.request_id = request_id_from(request.headers.get("X-Request-Id"))

    @app.after_request
    def log_request(response):
        request_id = g.get("request_id") or request_id_from(None)
        response.headers["X-Request-Id"] = request_id
        if app.config.get("REQUEST_LOG", True) and logger.isEnabledFor(logging.INFO):
            logger.info(orjson.dumps(request_record(request_id, response)).decode())
        return response


def request_id_from(incoming):
    if incoming and _PLAUSIBLE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def request_record(request_id, response):
    from app.auth import current_caller

    started = g.get("request_started")
    duration = (time.perf_counter() - started) * 1000 if started is not None else None
    return {
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "event": "request",
        "request_id": request_id,
        "method": request.method,
        "path": request.path,
        "query": request.query_string.decode("latin-1"),
        "status": response.status_code,
        "duration_ms": round(duration, 2) if duration is not None else None,
        "caller": current_caller().user_id,
        "queries": g.get("query_count", 0),
        "remote": request.remote_addr,
        "pid": os.getpid(),
    }
