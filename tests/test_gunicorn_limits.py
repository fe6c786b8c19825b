"""The gunicorn configuration the project ships (gunicorn.conf.py), against a real gunicorn: URLs up to
its request-line limit (a filter[id] list of 1,300 ids) and a long If-None-Match list are served as JSON;
past the documented limits gunicorn itself refuses the request, with a JSON:API error document."""
import json
import socket

import requests

from tests.conftest import JSONAPI
from tests.gunicorn_server import GunicornServer
from tests.reading_seed import make_collection


def test_long_urls_and_header_lists_reach_the_api(app, client, people):
    cid = int(make_collection(client, people.user("alice"), "Flowers"))
    with GunicornServer(app.config["SQLALCHEMY_DATABASE_URI"], workers=1) as server:
        ids = [cid] + list(range(10000, 11299))  # 1,300 ids of up to five digits
        path = "/api/collections?filter[id]=" + ",".join(map(str, ids)) + "&page_size=100"
        assert 7000 < len(path) < 8100  # past gunicorn's default request line of 4094 bytes
        response = requests.get(server.base_url + path, headers={"Accept": JSONAPI}, timeout=30)
        assert response.status_code == 200, response.text[:300]
        assert [c["id"] for c in response.json()["data"]] == [str(cid)]
        etag = requests.get(f"{server.base_url}/api/collections/{cid}", headers={"Accept": JSONAPI},
                            timeout=30).headers["ETag"]
        tags = ", ".join([f'"{n:012x}"' for n in range(3000)] + [etag])  # about 48 KB
        response = requests.get(f"{server.base_url}/api/collections/{cid}",
                                headers={"Accept": JSONAPI, "If-None-Match": tags}, timeout=30)
        assert response.status_code == 304, response.text[:300]
        # past the documented limits gunicorn refuses before the application runs, in JSON
        too_long = "/api/collections?filter[id]=" + ",".join(str(n) for n in range(10000, 11700))
        refused = requests.get(server.base_url + too_long, headers={"Accept": JSONAPI}, timeout=30)
        assert_refusal(refused, 414, "request_line_too_long", "8190 bytes")
        huge = requests.get(server.base_url + "/api/collections", headers={"If-None-Match": "x" * 70000}, timeout=30)
        assert_refusal(huge, 431, "headers_too_large", "65536 bytes")
        many = {f"X-Extra-{n}": "1" for n in range(101)}
        assert_refusal(requests.get(server.base_url + "/api/collections", headers=many, timeout=30), 431,
                       "headers_too_large", "100 header fields")
        # a request line gunicorn cannot parse at all
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET /api/collections HTTP/9.x\r\nHost: x\r\n\r\n")
            raw = b""
            while chunk := sock.recv(65536):
                raw += chunk
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 ") and b"Content-Type: application/vnd.api+json" in head, raw
        assert json.loads(body)["errors"][0]["code"] == "bad_request"
        assert "Traceback" not in server.log_text()


def assert_refusal(response, status, code, detail_part):
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"] == JSONAPI
    error, = response.json()["errors"]
    assert (error["status"], error["code"]) == (str(status), code)
    assert detail_part in error["detail"]


def test_the_worker_hook_freezes_the_loaded_application_out_of_the_collectors_passes():
    """post_worker_init runs once the worker has loaded the application: what is alive then moves to the
    collector's permanent generation (full passes no longer walk it), and the JSON refusals are installed."""
    import gc
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    hooks = runpy.run_path(str(Path(__file__).resolve().parents[1] / "gunicorn.conf.py"))
    worker = SimpleNamespace(handle_error=lambda *a: None)
    original = worker.handle_error
    gc.unfreeze()
    try:
        hooks["post_worker_init"](worker)
        assert gc.get_freeze_count() > 1000
        assert worker.handle_error is not original
    finally:
        gc.unfreeze()
