"""The real npm clients (panoptes-client 5.6.2, kitsu 11.1.0), run by Node against the server on loopback.

Each test seeds its data through the app, starts the live server (tests/live_server.py), runs one Node
script from tests/clients/ and asserts on the JSON object the script prints: what the client itself
returned. Every JSON:API-dialect response the server sent is validated on the way out.
"""
import json
import os
import pathlib
import shutil
import subprocess

import pytest

from tests.conftest import JSONAPI, PANOPTES
from tests.live_server import live_server  # noqa: F401 - fixture

CLIENTS = pathlib.Path(__file__).parent / "clients"
NODE = shutil.which("node")

needs_node = pytest.mark.skipif(
    NODE is None or not (CLIENTS / "node_modules" / "panoptes-client").is_dir()
    or not (CLIENTS / "node_modules" / "kitsu").is_dir(),
    reason="needs node and `npm ci` in tests/clients (make node)",
)


def run_node(script, env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
                                                                          "https_proxy"))}
    full_env.update(env)
    full_env["NO_PROXY"] = full_env["no_proxy"] = "127.0.0.1,localhost"
    proc = subprocess.run([NODE, str(CLIENTS / script)], cwd=CLIENTS, env=full_env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, f"{script} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines, f"{script} printed nothing\nstderr:\n{proc.stderr}"
    return json.loads(lines[-1])


def make_subject(client, person, n):
    response = client.post("/api/subjects", headers=person.jsonapi(), content_type=JSONAPI, json={
        "data": {"type": "subjects",
                 "attributes": {"locations": [{"image/jpeg": f"https://images.example.org/{n}.jpg"}],
                                "metadata": {"n": n}}}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def make_collection(client, person, display_name, subjects=(), private=False):
    body = {"data": {"type": "collections", "attributes": {"display_name": display_name, "private": private}}}
    if subjects:
        body["data"]["relationships"] = {
            "subjects": {"data": [{"type": "subjects", "id": s} for s in subjects]}}
    response = client.post("/api/collections", headers=person.jsonapi(), content_type=JSONAPI, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def subject_ids_of(client, person, collection_id):
    response = client.get(f"/api/collections/{collection_id}/relationships/subjects", headers=person.jsonapi())
    assert response.status_code == 200, response.get_json()
    return sorted((item["id"] for item in response.get_json()["data"]), key=int)


def exchanges(server, method, fragment):
    return [e for e in server.exchanges if e.method == method and fragment in e.raw_uri]


@needs_node
def test_panoptes_client_end_to_end(app, client, people, live_server):
    alice = people.user("alice")
    bob = people.user("bob")
    s1, s2, s3, s4 = (make_subject(client, alice, n) for n in range(1, 5))
    first = make_collection(client, alice, "A flowers", subjects=[s1, s2])
    second = make_collection(client, alice, "B trees")
    third = make_collection(client, alice, "C birds")
    make_collection(client, bob, "A bob's", subjects=[s1])

    out = run_node("panoptes.js", {"API_BASE": live_server.base_url, "API_TOKEN": alice.token,
                                   "SUBJECT_IDS": ",".join([s1, s2, s3, s4])})

    # 10. paging by cursor through the next_href of each page
    assert len(out["all_ids"]) >= 2 and out["cursor_ids"] == out["all_ids"]
    assert out["cursor_pages"] == len(out["all_ids"])
    assert all("page[after]=" in href for href in out["cursor_hrefs"][:-1]) and out["cursor_hrefs"][-1] is None

    # 1. list: owner filter, page size, sort, include=owner
    assert [c["id"] for c in out["page1"]] == [first, second]
    assert [c["display_name"] for c in out["page1"]] == ["A flowers", "B trees"]
    assert out["page1"][0]["href"] == f"/collections/{first}"
    assert out["page1"][0]["owner"]["id"] == str(alice.id)
    assert out["page1"][0]["owner"]["display_name"] == "Alice"
    assert out["page1"][0]["owner"]["type"] == "users"
    assert out["page1"][0]["subjects"] == [s1, s2]
    meta = out["meta"]
    assert (meta["count"], meta["page"], meta["page_size"], meta["page_count"]) == (3, 1, 2, 2)
    assert meta["next_page"] == 2 and meta["previous_page"] is None
    assert meta["next_href"].startswith("/collections?") and "page=2" in meta["next_href"]
    assert "owner=alice" in meta["next_href"] and "include=owner" in meta["next_href"]
    assert out["linked_owner_ids"] == [str(alice.id)]
    assert out["templates"]["subjects"]["href"] == "/subjects?collection_id={collections.id}"
    assert out["templates"]["subjects"]["type"] == "subjects"

    # 2. next page through next_href
    assert [c["id"] for c in out["page2"]] == [third]
    assert out["page2_meta"]["page"] == 2 and out["page2_meta"]["next_href"] is None
    assert out["page2b_ids"] == [third]

    # 3-4. following links
    assert out["followed_subject_ids"] == [s1, s2]
    assert out["followed_subject_first_location"] == [{"image/jpeg": "https://images.example.org/1.jpg"}]
    assert out["owner"] == {"id": str(alice.id), "login": "alice", "display_name": "Alice"}

    # 5. addLink / removeLink, and the duplicate error as Panoptes gives it
    assert out["after_add"] == [s1, s2, s3, s4]
    assert out["duplicate_add"]["status"] == 400
    assert "already in" in out["duplicate_add"]["error"]
    assert out["after_remove"] == [s2, s4]
    assert out["after_remove_followed"] == [s2, s4]
    removal = exchanges(live_server, "DELETE", f"/collections/{first}/links/subjects/")
    assert [(e.raw_uri.split("?")[0].rsplit("/", 1)[1], e.status) for e in removal] == [(f"{s1}%2C{s3}", 204)]

    # 6. update().save(): GET then PUT with If-Match
    assert out["after_update"]["display_name"] == "Renamed by panoptes"
    assert out["after_update"]["description"] == "changed from node"
    assert out["after_update"]["name"] == "a_flowers"
    puts = exchanges(live_server, "PUT", f"/api/collections/{first}")
    assert [e.status for e in puts] == [200, 200]
    assert all(e.if_match for e in puts)
    first_put = json.loads(puts[0].request_body)
    assert first_put == {"http_cache": True, "collections": {"display_name": "Renamed by panoptes",
                                                              "description": "changed from node"}}

    # 7. a PUT echoing the whole links object replaces the subjects and keeps the owner
    echoed = json.loads(puts[1].request_body)["collections"]["links"]
    assert echoed["subjects"] == [s2] and echoed["owner"]["id"] == str(alice.id)  # read-only owner object sent back
    assert out["after_links_update"]["subjects"] == [s2]
    assert out["after_links_update"]["owner"]["id"] == str(alice.id)

    # 8. create, then delete
    created = out["created"]
    assert created["display_name"] == "Made by Panoptes client"
    assert created["name"] == "made_by_panoptes_client"
    assert created["private"] is True
    assert created["owner"]["id"] == str(alice.id)
    assert created["href"] == f"/collections/{created['id']}"
    assert out["created_reread"]["ok"]["id"] == created["id"]
    assert out["after_delete"]["status"] == 404
    assert [e.status for e in exchanges(live_server, "DELETE", f"/api/collections/{created['id']}")] == [204]
    assert out["missing"]["status"] == 404 and out["missing"]["error"]

    # every request the client made was served in the Panoptes dialect
    assert all(e.accept == PANOPTES for e in live_server.exchanges)
    assert [e for e in live_server.exchanges if e.status != 204 and e.headers.get("content-type") != PANOPTES] == []

    # server state, read back through the app
    assert subject_ids_of(client, alice, first) == [s2]
    doc = client.get(f"/api/collections/{first}", headers=alice.jsonapi()).get_json()
    assert doc["data"]["attributes"]["display_name"] == "Renamed by panoptes"
    assert client.get(f"/api/collections/{created['id']}", headers=alice.jsonapi()).status_code == 404
    assert client.get(f"/api/subjects/{s1}", headers=alice.jsonapi()).status_code == 200  # unlinking kept it
    assert live_server.failures == []


@needs_node
def test_kitsu_end_to_end(app, client, people, live_server):
    alice = people.user("alice")
    bob = people.user("bob")
    s1, s2, s3 = (make_subject(client, alice, n) for n in range(1, 4))
    older = make_collection(client, alice, "A older")
    make_collection(client, alice, "Z last")
    make_collection(client, bob, "B bob's")

    out = run_node("kitsu.js", {"API_BASE": live_server.base_url, "API_TOKEN": alice.token,
                                "SUBJECT_IDS": ",".join([s1, s2, s3])})

    created = out["created"]
    cid = created["id"]
    assert created["status"] == 201
    assert created["type"] == "collections"
    assert created["display_name"] == "Kitsu Things" and created["name"] == "kitsu_things"
    assert created["private"] is False
    assert created["location"] == created["data_self"] == f"{live_server.base_url}/api/collections/{cid}"
    assert created["content_type"] == JSONAPI
    assert created["subjects"] == [s1]

    shown = out["shown"]
    assert shown["status"] == 200
    assert shown["owner"] == {"id": str(alice.id), "type": "users", "login": "alice", "display_name": "Alice"}
    assert shown["subjects"] == [{"id": s1, "type": "subjects",
                                  "locations": [{"image/jpeg": "https://images.example.org/1.jpg"}]}]
    assert shown["etag"]
    assert shown["jsonapi"] == {"version": "1.1"}

    listed = out["listed"]
    assert listed["status"] == 200
    assert listed["names"] == ["A older", "Kitsu Things"]
    assert listed["owners"] == ["alice", "alice"]
    assert listed["meta"]["collections"]["count"] == 3
    assert listed["meta"]["collections"]["page_size"] == 2
    assert listed["links"]["next"].startswith(live_server.base_url + "/api/collections?")

    patched = out["patched"]
    assert patched["status"] == 200
    assert patched["display_name"] == "Kitsu Renamed"
    assert patched["private"] is True
    assert patched["name"] == "kitsu_things"  # not sent, not changed
    assert patched["description"] == "made by kitsu"

    assert out["added"]["status"] in (200, 204)
    assert out["added_again"]["status"] in (200, 204)
    assert out["after_add"] == [s1, s2, s3]
    assert out["removed"]["status"] in (200, 204)
    assert out["after_remove"] == [s2, s3]
    assert out["related"] == {"status": 200, "ids": [s2, s3], "types": ["subjects", "subjects"]}

    bad = out["bad_attribute"]
    assert bad["status"] == 422
    assert bad["errors"][0]["source"]["pointer"] == "/data/attributes/colour"

    assert out["deleted"]["status"] == 204
    assert out["after_delete"]["status"] == 404

    # every request was JSON:API (kitsu's own headers), answered in that dialect, so every body was validated
    assert all(e.accept == JSONAPI for e in live_server.exchanges)
    with_body = [e for e in live_server.exchanges if e.status != 204]
    assert [(e.method, e.status) for e in with_body] == [
        ("POST", 201), ("GET", 200), ("GET", 200), ("PATCH", 200), ("GET", 200), ("GET", 200), ("GET", 200),
        ("PATCH", 422), ("GET", 404)]
    assert all(e.headers.get("content-type") == JSONAPI for e in with_body)
    delete = exchanges(live_server, "DELETE", f"/api/collections/{cid}")
    assert json.loads(delete[-1].request_body) == {"data": {"type": "collections", "id": cid}}  # body ignored
    # server state, read back through the app
    assert client.get(f"/api/collections/{cid}", headers=alice.jsonapi()).status_code == 404
    assert client.get(f"/api/collections/{older}", headers=alice.jsonapi()).status_code == 200
    for sid in (s1, s2, s3):
        assert client.get(f"/api/subjects/{sid}", headers=alice.jsonapi()).status_code == 200
    assert live_server.failures == []


def test_live_server_reports_invalid_jsonapi_documents():
    """The gate is not vacuous: a bad JSON:API document sent by the server is recorded as a failure."""
    from tests.live_server import ValidatingMiddleware

    def bad_app(environ, start_response):
        start_response("200 OK", [("Content-Type", JSONAPI)])
        return [json.dumps({"data": {"type": "collections"}, "links": {"self": 5}}).encode()]

    middleware = ValidatingMiddleware(bad_app)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/collections", "wsgi.input": None}
    body = middleware(environ, lambda status, headers, exc_info=None: None)
    assert json.loads(b"".join(body))["data"]["type"] == "collections"
    assert len(middleware.failures) == 1 and "GET /api/collections -> 200" in middleware.failures[0]
    assert [(e.method, e.status) for e in middleware.exchanges] == [("GET", 200)]
