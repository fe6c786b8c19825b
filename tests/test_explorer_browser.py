"""The API explorer in a real browser: headless Chromium (Debian's, driven by Playwright through its
executable path; nothing is downloaded) opens /api/explorer on the live server, finds the three families'
endpoints, authorises with a bearer token, runs GET /api/collections through the page and sees a 200 with
data; and signs in with a login and password through the Authorize dialog's OAuth password flow. Screenshots
are kept in test-artifacts/: explorer-families.png (the endpoint list), explorer.png (the call and its
answer) and explorer-sign-in.png (the dialog after signing in)."""
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.live_server import live_server  # noqa: F401 - fixture
from tests.sets_helpers import create_item, published_set
from tests.writing_helpers import create_collection

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# Chromium's own background traffic (updates, sync, lookups of Google's hosts) is refused on machines with
# no internet access; these flags keep the browser to the page under test.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (make test installs it)"),
    pytest.mark.skipif(os.environ.get("SKIP_BROWSER") == "1", reason="make test runs it in the SQLite pass"),
]


def test_explorer_lists_every_family_and_runs_a_call(app, client, people, live_server):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    alice = people.user("alice")
    collection = create_collection(client, alice, "Explorer flowers")
    published_set(client, alice, items=[("layers", create_item(client, alice))])
    ARTIFACTS.mkdir(exist_ok=True)
    outside = []
    with sync_playwright() as playwright:  # a new empty profile each launch
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.on("request", lambda r: None if r.url.startswith(live_server.base_url) or r.url.startswith("data:")
                else outside.append(r.url))
        page.goto(live_server.base_url + "/api/explorer")
        tags = page.locator(".opblock-tag-section h3 .nostyle span")
        expect(tags.first).to_be_visible(timeout=30_000)
        listed = set(tags.all_inner_texts())
        for family in ("collections", "subjects", "image_sets", "images", "sets", "set_versions", "layers",
                       "set_permissions", "publishes"):
            assert family in listed, (family, sorted(listed))

        page.screenshot(path=str(ARTIFACTS / "explorer-families.png"))
        page.click("button.authorize")
        page.fill(".modal-ux input[type=text], .modal-ux input[type=password]", alice.token)
        page.click(".modal-ux .auth-btn-wrapper button.authorize")
        page.click(".modal-ux .auth-btn-wrapper button.btn-done")

        page.click("#operations-tag-collections")
        operation = page.locator(".opblock-get").filter(
            has=page.locator('.opblock-summary-path[data-path="/api/collections"]')).first
        operation.locator(".opblock-summary").click()
        operation.locator("button.try-out__btn").click()
        operation.locator("button.execute").click()
        status = operation.locator(".live-responses-table .response .response-col_status").first
        expect(status).to_have_text("200", timeout=30_000)
        body = operation.locator(".live-responses-table .response-col_description pre").first.inner_text()
        operation.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=False)
        browser.close()
    doc = json.loads(body)
    assert [item["id"] for item in doc["data"]] == [collection]
    assert doc["data"][0]["attributes"]["display_name"] == "Explorer flowers"
    assert outside == [], outside
    calls = [e for e in live_server.exchanges if e.raw_uri.startswith("/api/collections")]
    assert calls and calls[-1].status == 200 and calls[-1].accept.startswith("application/vnd.api+json")


def test_explorer_signs_in_with_a_password_and_calls_as_that_user(app, people, live_server):  # noqa: F811
    """The Authorize dialog's OAuth password flow gets a token from /oauth/token; calls then carry it."""
    from playwright.sync_api import expect, sync_playwright

    people.user("alice", password="correct horse")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(live_server.base_url + "/api/explorer")
        expect(page.locator(".opblock-tag-section").first).to_be_visible(timeout=30_000)
        page.click("button.authorize")
        flow = page.locator(".modal-ux .auth-container").filter(has=page.locator("#oauth_username"))
        flow.locator("#oauth_username").fill("alice")
        flow.locator("#oauth_password").fill("correct horse")
        flow.locator(".auth-btn-wrapper button.authorize").click()
        # once the token came, the flow's form gives way to a Logout button
        expect(page.locator(".modal-ux .auth-btn-wrapper button", has_text="Logout")).to_be_visible(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "explorer-sign-in.png"))
        page.click(".modal-ux .btn-done")

        me_path = page.locator('.opblock-summary-path[data-path="/api/me"]')
        if not me_path.first.is_visible():
            page.click("#operations-tag-users")
        operation = page.locator(".opblock-get").filter(has=me_path).first
        operation.locator(".opblock-summary").click()
        operation.locator("button.try-out__btn").click()
        operation.locator("button.execute").click()
        status = operation.locator(".live-responses-table .response .response-col_status").first
        expect(status).to_have_text("200", timeout=30_000)
        body = operation.locator(".live-responses-table .response-col_description pre").first.inner_text()
        browser.close()
    assert json.loads(body)["data"]["attributes"]["login"] == "alice"
    grants = [e for e in live_server.exchanges if e.method == "POST" and e.raw_uri.startswith("/oauth/token")]
    assert [e.status for e in grants] == [200]
