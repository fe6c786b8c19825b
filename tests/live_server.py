"""Serve the test app over real HTTP on 127.0.0.1, for clients that run in another process.

The `live_server` fixture wraps the same app object the `app` fixture yields (same test database) in a
small WSGI layer that records every exchange and runs tests.jsonapi_checks.check_response on each
JSON:API-dialect response it sends. Failures are collected, not raised inside the server thread: the
test asserts `live_server.failures == []` at the end. Flask refuses new after_request hooks once an app
has served a request (the session-scoped app has), so the check sits in WSGI middleware instead: it
sees exactly the bytes that go over the wire.
"""
import io
import json
import threading

import pytest
from werkzeug.serving import make_server

from tests.jsonapi_checks import check_response


class Exchange:
    """One request/response pair as the server saw it."""

    def __init__(self, environ, request_body, status, headers):
        self.method = environ["REQUEST_METHOD"]
        self.request_body = request_body
        # REQUEST_URI / RAW_URI keep the path as sent (e.g. a %2C a client encoded)
        self.raw_uri = environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ.get("PATH_INFO", "")
        self.accept = environ.get("HTTP_ACCEPT")
        self.content_type = environ.get("CONTENT_TYPE")
        self.if_match = environ.get("HTTP_IF_MATCH")
        self.status = int(status.split(" ", 1)[0])
        self.headers = {name.lower(): value for name, value in headers}

    def __repr__(self):
        return f"<{self.method} {self.raw_uri} -> {self.status}>"


def error_code(status, body):
    """The ``code`` of an error answer's first error, or its ``message`` in the Panoptes form (None for other
    answers)."""
    if status < 400:
        return None
    try:
        errors = json.loads(body).get("errors")
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        return first.get("code") or first.get("message")
    except (ValueError, AttributeError):
        return None


class ValidatingMiddleware:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.lock = threading.Lock()
        self.exchanges = []
        self.failures = []

    def __call__(self, environ, start_response):
        seen = {}
        # keep a copy of the request body for the test, and hand the app an unread stream
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > 0:
            request_body = environ["wsgi.input"].read(length)
        elif environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream for us
            request_body = environ["wsgi.input"].read()
        else:
            request_body = b""
        environ["wsgi.input"] = io.BytesIO(request_body)

        def capture(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, list(headers)
            return start_response(status, headers, exc_info)

        iterable = self.wsgi_app(environ, capture)
        try:
            body = b"".join(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        exchange = Exchange(environ, request_body, seen.get("status", "500 UNKNOWN"), seen.get("headers", []))
        exchange.error_code = error_code(exchange.status, body)
        try:
            check_response(exchange.status, exchange.headers.get("content-type"), body,
                           exchange.headers.get("location"), query=environ.get("QUERY_STRING", ""))
        except Exception as exc:  # noqa: BLE001 - every kind of failure is reported to the test
            with self.lock:
                self.failures.append(f"{exchange.method} {exchange.raw_uri} -> {exchange.status}: {exc}")
        with self.lock:
            self.exchanges.append(exchange)
        return [body]


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.middleware = ValidatingMiddleware(app)
        # port 0: the OS picks a free port; loopback only
        self.server = make_server("127.0.0.1", 0, self.middleware, threaded=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    @property
    def failures(self):
        return list(self.middleware.failures)

    @property
    def exchanges(self):
        return list(self.middleware.exchanges)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app):
    server = LiveServer(app).start()
    try:
        yield server
    finally:
        server.stop()
