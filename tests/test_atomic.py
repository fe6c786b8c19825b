"""JSON:API Atomic Operations at POST /api/operations, across the three families, with the extension's own
cases: lids, relationship operations, all-or-nothing, negotiation and limits."""
import json

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.conftest import JSONAPI, PANOPTES
from tests.writing_helpers import assert_jsonapi_error

ATOMIC = "https://jsonapi.org/ext/atomic"
ATOMIC_CT = f'application/vnd.api+json; ext="{ATOMIC}"'


def post(client, person, doc, content_type=ATOMIC_CT, accept=ATOMIC_CT, **headers):
    if person is not None:
        headers["Authorization"] = f"Bearer {person.token}"
    if accept is not None:
        headers["Accept"] = accept
    return client.post("/api/operations", data=json.dumps(doc), content_type=content_type, headers=headers)


def ops(*operations):
    return {"atomic:operations": list(operations)}


def add(type_, attributes=None, lid=None, relationships=None, href=None):
    data = {"type": type_, "attributes": attributes or {}}
    if lid:
        data["lid"] = lid
    if relationships:
        data["relationships"] = relationships
    op = {"op": "add", "data": data}
    if href:
        op["href"] = href
    return op


def results(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == ATOMIC_CT
    return response.get_json()["atomic:results"]


def snapshot(app):
    """Every row of every table the API writes (the seeded languages aside), for before/after comparisons."""
    with app.app_context():
        state = {}
        for table in db.metadata.sorted_tables:
            if table.name in ("languages", "tokens"):
                continue
            rows = db.session.execute(select(table)).all()
            state[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
        return state


SUBJECT = {"locations": [{"image/png": "https://img.example.org/1.png"}]}


def test_add_with_lid_link_it_and_update_through_ref_lid(client, people):
    alice = people.user("alice")
    response = post(client, alice, ops(
        add("subjects", SUBJECT, lid="s1"),
        add("collections", {"display_name": "Birds"}, lid="c1",
            relationships={"subjects": {"data": [{"type": "subjects", "lid": "s1"}]}}),
        {"op": "update", "ref": {"type": "collections", "lid": "c1"},
         "data": {"type": "collections", "lid": "c1", "attributes": {"description": "Seen in May"}}},
    ))
    subject, collection, updated = results(response)
    assert subject["data"]["type"] == "subjects" and subject["data"]["id"].isdigit()
    assert "lid" not in collection["data"]
    assert collection["data"]["relationships"]["subjects"]["data"] == [{"type": "subjects",
                                                                        "id": subject["data"]["id"]}]
    assert updated["data"]["id"] == collection["data"]["id"]
    assert updated["data"]["attributes"]["description"] == "Seen in May"
    assert response.get_json()["jsonapi"]["ext"] == [ATOMIC]
    shown = client.get(f"/api/collections/{collection['data']['id']}", headers=alice.jsonapi()).get_json()
    assert shown["data"]["attributes"]["description"] == "Seen in May"


def test_relationship_operations_add_replace_remove_and_to_one(client, people):
    alice = people.user("alice")
    made = results(post(client, alice, ops(
        add("collections", {"display_name": "Trees"}, lid="c"),
        *[add("subjects", SUBJECT, lid=f"s{n}") for n in range(3)],
    )))
    cid = made[0]["data"]["id"]
    s0, s1, s2 = (r["data"]["id"] for r in made[1:])
    ref = {"type": "collections", "id": cid, "relationship": "subjects"}
    response = post(client, alice, ops(
        {"op": "add", "ref": ref, "data": [{"type": "subjects", "id": s0}, {"type": "subjects", "id": s1}]},
        {"op": "update", "ref": {**ref, "relationship": "default_subject"}, "data": {"type": "subjects", "id": s1}},
        {"op": "add", "ref": ref, "data": [{"type": "subjects", "id": s2}]},
        {"op": "remove", "ref": ref, "data": [{"type": "subjects", "id": s0}]},
    ))
    assert response.status_code == 204, response.get_data(as_text=True)
    doc = client.get(f"/api/collections/{cid}", headers=alice.jsonapi()).get_json()["data"]
    assert [i["id"] for i in doc["relationships"]["subjects"]["data"]] == [s1, s2]
    assert doc["relationships"]["default_subject"]["data"] == {"type": "subjects", "id": s1}
    # replace through href; the default subject leaves with its subject, as on the relationship endpoint
    response = post(client, alice, ops({"op": "update", "href": f"/api/collections/{cid}/relationships/subjects",
                                        "data": [{"type": "subjects", "id": s2}]}))
    assert response.status_code == 204
    doc = client.get(f"/api/collections/{cid}", headers=alice.jsonapi()).get_json()["data"]
    assert [i["id"] for i in doc["relationships"]["subjects"]["data"]] == [s2]
    assert doc["relationships"]["default_subject"]["data"] is None


def test_image_sets_family_nested_adds_by_href_and_by_parent_linkage(client, people):
    alice = people.user("alice")
    cid = results(post(client, alice, ops(add("collections", {"display_name": "Maps"}))))[0]["data"]["id"]
    response = post(client, alice, ops(
        add("images", {"uri": "https://img.example.org/a.jpg", "name": "A"}, lid="a"),
        add("images", {"uri": "https://img.example.org/b.jpg", "name": "B"}, lid="b"),
        add("image_sets", {"name": "By href"}, lid="one", href=f"/api/collections/{cid}/image-sets",
            relationships={"images": {"data": [{"type": "images", "lid": "b"}, {"type": "images", "lid": "a"}]}}),
        add("image_sets", {"name": "By linkage"}, lid="two",
            relationships={"collection": {"data": {"type": "collections", "id": cid}}}),
        {"op": "add", "ref": {"type": "image_sets", "lid": "two", "relationship": "images"},
         "data": [{"type": "images", "lid": "a"}]},
    ))
    _a, _b, one, two, linked = results(response)
    assert linked == {}
    assert one["data"]["links"]["self"].endswith(f"/collections/{cid}/image-sets/{one['data']['id']}")
    assert [i["id"] for i in one["data"]["relationships"]["images"]["data"]] == [_b["data"]["id"], _a["data"]["id"]]
    listed = client.get(f"/api/collections/{cid}/image-sets", headers=alice.jsonapi()).get_json()["data"]
    assert sorted(s["attributes"]["name"] for s in listed) == ["By href", "By linkage"]
    shown = client.get(f"/api/image_sets/{two['data']['id']}", headers=alice.jsonapi()).get_json()["data"]
    assert shown["relationships"]["images"]["data"] == [{"type": "images", "id": _a["data"]["id"]}]
    # a nested type added with neither: 422 naming the operation
    response = post(client, alice, ops(add("image_sets", {"name": "Nowhere"})))
    assert_jsonapi_error(response, 422, pointer="/atomic:operations/0/data")


def test_sets_family_items_a_set_and_a_draft_edit(client, people):
    alice = people.user("alice")
    response = post(client, alice, ops(
        add("layers", {"title": "Roads", "description": "r"}, lid="l"),
        add("documents", {"title": "Notes", "description": "n"}, lid="d"),
        add("sets", {"title": "Town", "description": "t"}, lid="set",
            relationships={"items": {"data": [{"type": "documents", "lid": "d"}, {"type": "layers", "lid": "l"}]}}),
    ))
    layer, document, set_result = results(response, 200)
    set_id = set_result["data"]["id"]
    items = set_result["data"]["relationships"]["items"]["data"]
    assert items == [{"type": "documents", "id": document["data"]["id"]}, {"type": "layers", "id": layer["data"]["id"]}]
    draft = client.get(f"/api/sets/{set_id}/versions/draft/", headers=alice.jsonapi()).get_json()["data"]
    response = post(client, alice, ops(
        {"op": "update", "href": f"/api/sets/{set_id}/versions/{draft['id']}/",
         "data": {"type": "set_versions", "id": draft["id"], "attributes": {"title": "Town (new)"}}},
        {"op": "remove", "ref": {"type": "set_versions", "id": draft["id"], "relationship": "items"},
         "data": [{"type": "layers", "id": layer["data"]["id"]}]},
    ))
    edited, removed = results(response)
    assert edited["data"]["attributes"]["title"] == "Town (new)" and removed == {}
    shown = client.get(f"/api/sets/{set_id}/", headers=alice.jsonapi()).get_json()["data"]
    assert shown["attributes"]["title"] == "Town (new)"  # a never-published set shows its draft
    assert shown["relationships"]["items"]["data"] == [{"type": "documents", "id": document["data"]["id"]}]


def test_a_failing_operation_rolls_back_every_earlier_one(client, app, people):
    alice = people.user("alice")
    cid = results(post(client, alice, ops(add("collections", {"display_name": "Keep"}))))[0]["data"]["id"]
    before = snapshot(app)
    response = post(client, alice, ops(
        add("subjects", SUBJECT, lid="s"),
        {"op": "add", "ref": {"type": "collections", "id": cid, "relationship": "subjects"},
         "data": [{"type": "subjects", "lid": "s"}]},
        add("collections", {"display_name": "Bad", "private": "not a boolean"}),
    ))
    doc = assert_jsonapi_error(response, 422, pointer="/atomic:operations/2/data/attributes/private")
    assert "atomic:results" not in doc
    assert snapshot(app) == before


@pytest.mark.parametrize("failing, status, pointer", [
    # another user's collection: visible, not changeable
    (lambda other: {"op": "update", "ref": {"type": "collections", "id": other},
                    "data": {"type": "collections", "id": other, "attributes": {"description": "x"}}},
     403, "/atomic:operations/1"),
    (lambda other: {"op": "remove", "ref": {"type": "collections", "id": "987654"}}, 404, "/atomic:operations/1"),
    # rights before data: a mismatched type sent by someone who may not change the row is a 403
    (lambda other: {"op": "update", "ref": {"type": "collections", "id": other},
                    "data": {"type": "subjects", "id": other}}, 403, "/atomic:operations/1"),
    (lambda other: add("collections", {"display_name": "x"},
                       relationships={"subjects": {"data": [{"type": "subjects", "id": "987654"}]}}),
     422, "/atomic:operations/1/data/relationships/subjects/data"),
])
def test_refusals_point_at_their_operation_and_write_nothing(client, app, people, failing, status, pointer):
    alice, bob = people.user("alice"), people.user("bob")
    other = results(post(client, bob, ops(add("collections", {"display_name": "Bob's"}))))[0]["data"]["id"]
    before = snapshot(app)
    response = post(client, alice, ops(add("collections", {"display_name": "Mine"}), failing(other)))
    assert_jsonapi_error(response, status, pointer=pointer)
    assert snapshot(app) == before


@pytest.mark.parametrize("doc, pointer", [
    ({"data": {"type": "collections"}, "atomic:operations": [add("collections", {"display_name": "x"})]}, "/data"),
    ({"atomic:operations": []}, "/atomic:operations"),
    ({"atomic:operations": {"op": "add"}}, "/atomic:operations"),
    (ops({"op": "create", "data": {"type": "collections"}}), "/atomic:operations/0/op"),
    (ops({"op": "remove", "ref": {"type": "collections", "id": "1"}, "href": "/api/collections/1"}),
     "/atomic:operations/0"),
    (ops({"op": "remove", "ref": {"type": "collections", "id": "1", "lid": "x"}}), "/atomic:operations/0/ref"),
    (ops({"op": "remove", "ref": {"type": "collections", "lid": "later"}}, add("collections", {}, lid="later")),
     "/atomic:operations/0/ref/lid"),
    (ops(add("subjects", SUBJECT, lid="s"), add("subjects", SUBJECT, lid="s")), "/atomic:operations/1/data/lid"),
    (ops(add("collections", {"display_name": "x"}, lid="c",
             relationships={"subjects": {"data": [{"type": "subjects", "lid": "c"}]}})),
     "/atomic:operations/0/data/relationships/subjects/data/0/lid"),
    (ops({"op": "remove"}), "/atomic:operations/0"),
    (ops({"op": "add", "data": {"type": "collections"}, "extra": 1}), "/atomic:operations/0/extra"),
])
def test_malformed_requests_are_400_and_write_nothing(client, app, people, doc, pointer):
    alice = people.user("alice")
    before = snapshot(app)
    assert_jsonapi_error(post(client, alice, doc), 400, pointer=pointer)
    assert snapshot(app) == before


def test_operations_per_request_are_capped(client, app, people):
    alice = people.user("alice")
    app.config["ATOMIC_MAX_OPERATIONS"] = 3
    try:
        before = snapshot(app)
        response = post(client, alice, ops(*[add("subjects", SUBJECT) for _ in range(4)]))
        assert_jsonapi_error(response, 422, pointer="/atomic:operations", contains="more than the 3")
        assert snapshot(app) == before
        assert len(results(post(client, alice, ops(*[add("subjects", SUBJECT) for _ in range(3)])))) == 3
    finally:
        app.config["ATOMIC_MAX_OPERATIONS"] = 100


@pytest.mark.parametrize("kind", ["add", "update", "relationship"])
def test_statements_per_operation_do_not_grow(client, people, kind):
    """The statements of n operations of one kind are a fixed cost plus n times a fixed cost per operation."""
    alice = people.user("alice")
    cid = results(post(client, alice, ops(add("collections", {"display_name": "Counted"}))))[0]["data"]["id"]
    subjects = [r["data"]["id"] for r in results(post(client, alice, ops(*[add("subjects", SUBJECT)
                                                                            for _ in range(53)])))]

    def operation(n):
        if kind == "add":
            return add("subjects", SUBJECT)
        if kind == "update":
            return {"op": "update", "ref": {"type": "subjects", "id": subjects[n]},
                    "data": {"type": "subjects", "id": subjects[n], "attributes": {"metadata": {"n": n}}}}
        return {"op": "add", "ref": {"type": "collections", "id": cid, "relationship": "subjects"},
                "data": [{"type": "subjects", "id": subjects[n]}]}

    counts = {}
    start = 0
    for size in (1, 2, 50):
        response = post(client, alice, ops(*[operation(start + n) for n in range(size)]))
        assert response.status_code in (200, 204), response.get_data(as_text=True)
        counts[size] = int(response.headers["X-Query-Count"])
        start += size  # every operation writes a subject of its own: none is a no-op
    per_operation = counts[2] - counts[1]
    assert counts[50] - counts[1] == 49 * per_operation, counts
    print(f"\n{kind}: statements for 1, 2, 50 operations: {counts} ({per_operation} per operation)")


def test_negotiation(client, people):
    alice = people.user("alice")
    doc = ops(add("subjects", SUBJECT))
    # the extension in both headers, quoted or not; no Accept, or */*, is fine
    for content_type, accept in [(ATOMIC_CT, ATOMIC_CT), (f"application/vnd.api+json; ext={ATOMIC}", None),
                                 (ATOMIC_CT, "*/*"), (ATOMIC_CT, f'{JSONAPI}; ext="{ATOMIC}", {JSONAPI}')]:
        response = post(client, alice, doc, content_type=content_type, accept=accept)
        assert response.status_code == 200, (content_type, accept, response.get_data(as_text=True))
        assert response.headers["Content-Type"] == ATOMIC_CT
        assert "Accept" in response.headers.get_all("Vary")
    # a body without the extension: 415; an unknown extension beside it: 415
    assert_jsonapi_error(post(client, alice, doc, content_type=JSONAPI), 415, header="Content-Type")
    assert_jsonapi_error(post(client, alice, doc, content_type="application/json"), 415, header="Content-Type")
    response = post(client, alice, doc, content_type=f'{JSONAPI}; ext="{ATOMIC} https://example.org/ext/other"')
    assert_jsonapi_error(response, 415, header="Content-Type")
    # an Accept of plain JSON:API only: 406; the Panoptes dialect has no atomic form: 406 and 415
    assert_jsonapi_error(post(client, alice, doc, accept=JSONAPI), 406, header="Accept")
    response = post(client, alice, doc, accept=PANOPTES)
    assert response.status_code == 406 and response.get_json()["errors"][0]["message"]
    response = post(client, alice, doc, content_type=PANOPTES, accept=None)
    assert_jsonapi_error(response, 415, header="Content-Type")
    # POST only; anonymous callers: 401
    response = client.get("/api/operations", headers={"Accept": ATOMIC_CT})
    assert_jsonapi_error(response, 405)
    assert response.headers["Allow"] == "POST"
    assert_jsonapi_error(post(client, None, doc), 401)


def test_described_in_openapi(client):
    description = client.get("/api/openapi.json").get_json()
    operation = description["paths"]["/api/operations"]["post"]
    assert list(operation["requestBody"]["content"]) == [ATOMIC_CT]
    assert ATOMIC_CT in operation["responses"]["200"]["content"] and "204" in operation["responses"]
    assert operation["security"] == [{"bearer": []}]


@pytest.mark.parametrize("method, path", [
    ("POST", "/api/languages"), ("DELETE", "/api/languages/1"), ("POST", "/api/publications"),
    ("POST", "/api/image_sets"), ("POST", "/api/set_versions"), ("POST", "/api/set_permissions"),
    ("PUT", "/api/collections/1/links/subjects"),
])
def test_routes_show_only_what_a_type_allows(app, client, people, method, path):
    """No route (and no OpenAPI operation) for a write a type never takes; the path still answers 405."""
    alice = people.user("alice")
    adapter = app.url_map.bind("localhost")
    assert method not in adapter.allowed_methods(path)
    response = client.open(path, method=method, headers=alice.jsonapi(), content_type=JSONAPI, data="{}")
    assert_jsonapi_error(response, 405)
    assert method not in response.headers["Allow"] and "GET" in response.headers["Allow"]
    description = client.get("/api/openapi.json").get_json()
    openapi_path = path.replace("/1/", "/{id}/") if path.count("/") > 3 else path
    openapi_path = openapi_path[:-2] + "/{id}" if openapi_path.endswith("/1") else openapi_path
    assert method.lower() not in description["paths"].get(openapi_path, {})
