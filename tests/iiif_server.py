"""A real HTTP server on 127.0.0.1 (ephemeral port) serving tests/fixtures/iiif/ for the IIIF import tests.

Manifests are served under ``/iiif/<file>``; a test adds other answers (redirects, generated manifests,
non-JSON pages) with ``route``. ``seen`` lists the paths requested, so a test can tell whether the server
was reached at all.
"""
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "iiif")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):  # http.server's naming
        server = self.server
        path = urlsplit(self.path).path
        server.seen.append(path)
        if path in server.routes:
            status, headers, body, delay, before, drip = server.routes[path]
            if before is not None:
                before()
            if delay:
                time.sleep(delay)
        elif path.startswith("/iiif/") and "/" not in path[len("/iiif/"):]:
            name = path[len("/iiif/"):]
            file_path = os.path.join(FIXTURES, name)
            if os.path.isfile(file_path):
                with open(file_path, "rb") as f:
                    status, headers, body = 200, {"Content-Type": "application/ld+json"}, f.read()
            else:
                status, headers, body = 404, {"Content-Type": "text/plain"}, b"no such fixture"
        else:
            status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
        drip = server.routes[path][5] if path in server.routes else 0
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if drip:  # the body in ten pieces over ``drip`` seconds: a slow server, not a silent one
                step = max(1, -(-len(body) // 10))
                for start in range(0, len(body), step):
                    self.wfile.write(body[start:start + step])
                    self.wfile.flush()
                    time.sleep(drip / 10)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def log_message(self, *args):
        pass


class FixtureServer:
    """tests/fixtures/iiif/ under /iiif/<file>, plus the routes a test adds."""

    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.routes = {}
        self.httpd.seen = []
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="iiif-fixture-server", daemon=True)
        self.thread.start()

    def url(self, name):
        return f"{self.base}/iiif/{name}"

    def route(self, path, body, status=200, content_type="application/json", delay=0, before=None, drip=0,
              **headers):
        """Answer ``path`` with this status, body and headers (after ``delay`` seconds; ``before()`` is called
        first, while the client waits for the answer; ``drip``: the body is sent over that many seconds);
        returns its URL."""
        self.httpd.routes[path] = (status, {"Content-Type": content_type, **headers}, body, delay, before, drip)
        return self.base + path

    @property
    def seen(self):
        return self.httpd.seen

    def reset(self):
        self.httpd.routes.clear()
        self.httpd.seen.clear()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


# -- fixtures for the tests that import through it --------------------------------------------------

import pytest  # noqa: E402 - fixtures below need it, the server above does not


@pytest.fixture(scope="module")
def _manifest_server():
    server = FixtureServer()
    yield server
    server.close()


@pytest.fixture
def server(app, _manifest_server, monkeypatch):
    """The fixture server, allow-listed for this test only (host:port, so other loopback ports stay refused)."""
    monkeypatch.setitem(app.config, "MANIFEST_FETCH_ALLOWLIST", f"127.0.0.1:{_manifest_server.port}")
    _manifest_server.reset()
    yield _manifest_server
    _manifest_server.reset()
