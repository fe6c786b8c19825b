"""A real viewer opens a produced manifest: headless Chromium (Debian's, driven by Playwright through its
executable path, as in tests/test_explorer_browser.py) loads a page that runs Mirador — the published
``dist/mirador.min.js`` of the ``mirador`` npm package in tests/clients/node_modules, served from the local
disk by a small loopback server with the page and the images — and opens a public image set's manifest from
the live server (another origin: the manifest is fetched across origins, as viewers do). The test waits for
the manifest's label, one thumbnail per canvas and the first canvas's annotations listed in Mirador's
annotation panel, sees no console error and no request off loopback, and keeps test-artifacts/mirador.png."""
import os
import shutil
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.annotations_helpers import annotate
from tests.image_sets_helpers import create_set, make_image, patch_set
from tests.live_server import live_server  # noqa: F401 - fixture
from tests.writing_helpers import create_collection

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
MIRADOR = Path(__file__).resolve().parent / "clients" / "node_modules" / "mirador" / "dist" / "mirador.min.js"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COLOURS = [(200, 60, 40), (40, 140, 200), (60, 170, 80)]
# React 19's development warning that mirador 4.0.0's own bundle logs (console.error) while rendering; it is
# about Mirador's code, not about the manifest, and is the only console message let through
MIRADOR_OWN_WARNINGS = ("Accessing element.ref was removed in React 19",)

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (make test installs it)"),
    pytest.mark.skipif(not MIRADOR.exists(), reason="needs the npm clients (make node)"),
    pytest.mark.skipif(os.environ.get("SKIP_BROWSER") == "1", reason="make test runs it in the SQLite pass"),
]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Mirador</title>
<style>html, body, #viewer { margin: 0; width: 100%; height: 100%; }</style></head>
<body><div id="viewer"></div>
<script src="/mirador.min.js"></script>
<script>
  Mirador.viewer({
    id: "viewer",
    windows: [{ manifestId: MANIFEST, thumbnailNavigationPosition: "far-bottom",
                sideBarOpen: true }],
    workspaceControlPanel: { enabled: false },
  });
</script></body></html>"""


def png(width, height, colour):
    """A plain PNG of one colour (what the viewer shows; any real image would do)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + bytes(colour) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


class StaticSite:
    """The viewer's page, Mirador's bundle and the images, on 127.0.0.1."""

    def __init__(self):
        files = {"/mirador.min.js": ("text/javascript", MIRADOR.read_bytes()),
                 "/favicon.ico": ("image/png", png(16, 16, (0, 0, 0)))}
        for n, colour in enumerate(COLOURS, 1):
            files[f"/img/{n}.png"] = ("image/png", png(320, 240, colour))
        self.files = files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # http.server's naming
                found = files.get(self.path.split("?", 1)[0])
                status, (kind, body) = (200, found) if found else (404, ("text/plain", b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def page(self, manifest_url):
        html = PAGE.replace("MANIFEST", '"' + manifest_url + '"')
        self.files["/index.html"] = ("text/html", html.encode())
        return self.base + "/index.html"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_mirador_opens_a_produced_manifest(app, client, people, live_server):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    site = StaticSite()
    alice = people.user("alice")
    cid = create_collection(client, alice, "Viewer")
    images = [make_image(client, alice, uri=f"{site.base}/img/{n}.png", name=f"Plate {n}", width=320, height=240,
                         mime_type="image/png") for n in range(1, len(COLOURS) + 1)]
    sid = create_set(client, alice, cid, "Botanical plates", attribution="Test herbarium", image_ids=images)
    assert patch_set(client, alice, cid, sid, {"published": True}).status_code == 200
    notes = ["A torn corner", "Watermark here"]
    for text in notes:
        annotate(client, alice, sid, images[0], text=text, language=None)
    manifest_url = f"{live_server.base_url}/api/iiif/manifests/{sid}"
    ARTIFACTS.mkdir(exist_ok=True)
    problems, outside = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error"
                    and not m.text.startswith(MIRADOR_OWN_WARNINGS) else None)
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1:", "data:", "blob:"))
                    else outside.append(r.url))
            page.goto(site.page(manifest_url))
            expect(page.get_by_text("Botanical plates").first).to_be_visible(timeout=30_000)
            nav = page.get_by_role("grid").filter(has=page.get_by_role("gridcell"))
            expect(nav.get_by_role("gridcell")).to_have_count(len(images), timeout=30_000)
            # the first canvas is painted: its image was fetched
            page.wait_for_function("() => performance.getEntriesByType('resource').some("
                                   "e => e.name.endsWith('/img/1.png'))", timeout=30_000)
            expect(page.get_by_text("1 of 3 • Plate 1")).to_be_visible(timeout=30_000)
            # the annotation panel lists the first canvas's annotations
            page.get_by_role("tab", name="Annotations").click()
            for text in notes:
                expect(page.get_by_text(text).first).to_be_visible(timeout=30_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "mirador.png"))
            cells = nav.get_by_role("gridcell").count()
            browser.close()
    finally:
        site.close()
    assert cells == len(images)
    assert problems == [], problems
    assert outside == [], outside
    fetched = [e for e in live_server.exchanges if e.raw_uri == f"/api/iiif/manifests/{sid}"]
    assert fetched and fetched[0].status == 200
