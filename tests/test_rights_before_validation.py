"""Rights before validation: a caller without rights who sends a malformed body to any write operation learns
nothing from validation. Every write operation /api/openapi.json describes (creates, updates, deletes,
relationship endpoints, actions) and every atomic operation is sent a malformed body by a signed-in
stranger, in both dialects, and must answer 403 (or 404 where the row is not visible to the stranger)."""
import json
import re

import pytest

from tests.conftest import JSONAPI, PANOPTES
from tests.test_api_fuzz import seed

# Creates any signed-in user may make: rights there are the body's to decide (a collection role names its
# collection in the body), so a malformed body is rightly a 400/422 there.
OPEN_CREATES = {"/api/collections", "/api/subjects", "/api/images", "/api/user_groups", "/api/layers",
                "/api/tables", "/api/documents", "/api/sets", "/api/collection_roles", "/api/operations"}
# the type of the row an ``{id}`` names, by the path segment before it
SEGMENT_TYPES = {"image-sets": "image_sets", "versions": "set_versions", "permissions": "set_permissions"}
ATOMIC = 'application/vnd.api+json; ext="https://jsonapi.org/ext/atomic"'
MALFORMED = {
    "not json": b'{"data": ',
    "wrong shape": json.dumps({"data": {"type": 7, "attributes": [1], "relationships": 3}, "links": 5,
                               "subjects": {"x": 1}, "items": 3, "bogus": True}).encode(),
}


def fill(path, ids):
    """The path with each placeholder replaced by a seeded row's id (a missing one by 1: a 404 for all)."""
    parts, out, previous = path.split("/"), [], None
    for part in parts:
        if part == "{ids}":
            part = "1"
        elif part == "{id}":
            part = ids.get(SEGMENT_TYPES.get(previous, previous), "1")
        elif part.startswith("{") and part.endswith("_id}"):
            part = ids.get(part[1:-len("_id}")] + "s", "1")
        out.append(part)
        previous = part
    return "/".join(out)


@pytest.fixture
def world(app, client, people):
    """The fuzzing seed: a row of every type, owned by one user (a published image set, a collection role,
    a set with a draft among them), and a stranger with no rights on any."""
    owner, rows, _doomed = seed(app, client, people)
    return owner, people.user("stranger"), rows


def write_operations(client):
    doc = client.get("/api/openapi.json").get_json()
    for path, item in doc["paths"].items():
        if not path.startswith("/api") or path in OPEN_CREATES:
            continue
        for method in item:
            if method in ("post", "put", "patch", "delete"):
                yield method.upper(), path


def test_every_write_checks_rights_before_the_body(client, world):
    owner, stranger, ids = world
    answers = {}
    for method, path in write_operations(client):
        url = fill(path, ids)
        for accept in (JSONAPI, PANOPTES):
            for name, body in MALFORMED.items():
                headers = {"Accept": accept, "Authorization": f"Bearer {stranger.token}", "If-Match": "*"}
                response = client.open(url, method=method, data=body, content_type=accept, headers=headers)
                refused = response.status_code in (403, 404, 405) or ids_missing(response)
                if not refused:
                    answers.setdefault(response.status_code, []).append(
                        f"{method} {url} {accept[-9:]} {name}: {response.get_data(as_text=True)[:160]}")
    assert answers == {}, json.dumps(answers, indent=1)


def ids_missing(response):
    """Panoptes ``DELETE …/links/<rel>`` without ids in the URL: refused whoever asks, before any body."""
    return response.status_code == 400 and response.get_json()["errors"][0].get("message", "").startswith(
        "Name the ids to remove in the URL")


def test_atomic_operations_check_rights_before_their_data(client, world):
    owner, stranger, ids = world
    bad = {"type": 7, "attributes": [1], "relationships": 3}
    operations = [
        {"op": "update", "ref": {"type": "collections", "id": ids["collections"]}, "data": bad},
        {"op": "update", "href": f"/api/sets/{ids['sets']}", "data": bad},
        {"op": "add", "ref": {"type": "collections", "id": ids["collections"], "relationship": "subjects"},
         "data": {"type": "subjects", "id": "x", "extra": 1}},
        {"op": "remove", "ref": {"type": "sets", "id": ids["sets"], "relationship": "items"}, "data": 5},
        {"op": "update", "ref": {"type": "collections", "id": ids["collections"], "relationship": "default_subject"},
         "data": [1]},
        {"op": "add", "href": f"/api/collections/{ids['collections']}/image-sets", "data": bad},
        {"op": "add", "href": f"/api/sets/{ids['sets']}/versions", "data": bad},
        {"op": "add", "href": f"/api/sets/{ids['sets']}/permissions", "data": bad},
        {"op": "add", "data": {**bad, "type": "users"}},
    ]
    for operation in operations:
        response = client.post("/api/operations", data=json.dumps({"atomic:operations": [operation]}),
                               headers={"Accept": ATOMIC, "Authorization": f"Bearer {stranger.token}"},
                               content_type=ATOMIC)
        assert response.status_code in (403, 404), (operation, response.get_json())
        assert response.get_json()["errors"][0]["source"]["pointer"].startswith("/atomic:operations/0")

    # the same operations by the owner reach validation: the data's problems, where they are
    mismatch = {"op": "update", "ref": {"type": "collections", "id": ids["collections"]},
                "data": {"type": "subjects", "id": ids["collections"]}}
    response = client.post("/api/operations", data=json.dumps({"atomic:operations": [mismatch]}),
                           headers={"Accept": ATOMIC, "Authorization": f"Bearer {owner.token}"}, content_type=ATOMIC)
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["errors"][0]["source"]["pointer"] == "/atomic:operations/0/data/type"
