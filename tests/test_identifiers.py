"""Resource identifier objects in JSON:API bodies: type and id (or lid) required, nothing unknown, a type the
relation accepts; a refused body writes nothing."""
import json

import pytest

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.writing_helpers import assert_jsonapi_error, assert_panoptes_error, create_collection, create_subject, subject_ids

BAD = [
    ({"id": "{sid}"}, 400, "/0/type"),
    ({"type": "subjects"}, 422, "/0/id"),
    ({"type": "subjects", "id": "{sid}", "attributes": {}}, 400, "/0/attributes"),
    ({"type": "collections", "id": "{sid}"}, 422, "/0/type"),
    ({"type": "subjects", "lid": "nowhere"}, 400, "/0/lid"),
]


@pytest.mark.parametrize("identifier, status, pointer", BAD)
def test_relationship_endpoint_refuses_bad_identifiers(client, people, identifier, status, pointer):
    alice = people.user("alice")
    cid, sid = create_collection(client, alice), create_subject(client, alice)
    item = json.loads(json.dumps(identifier).replace("{sid}", sid))
    response = client.post(f"/api/collections/{cid}/relationships/subjects", headers=alice.jsonapi(),
                           content_type=JSONAPI, data=json.dumps({"data": [item]}))
    assert_jsonapi_error(response, status, pointer="/data" + pointer)
    assert subject_ids(client, cid, alice) == []


@pytest.mark.parametrize("identifier, status, pointer", BAD)
def test_create_refuses_bad_identifiers(client, people, identifier, status, pointer):
    alice = people.user("alice")
    sid = create_subject(client, alice)
    item = json.loads(json.dumps(identifier).replace("{sid}", sid))
    body = jsonapi_body("collections", {"display_name": "Typed"}, {"subjects": {"data": [item]}})
    response = client.post("/api/collections", headers=alice.jsonapi(), content_type=JSONAPI,
                           data=json.dumps(body))
    assert_jsonapi_error(response, status, pointer="/data/relationships/subjects/data" + pointer)
    listed = client.get("/api/collections", headers=alice.jsonapi()).get_json()["data"]
    assert listed == []


@pytest.mark.parametrize("panoptes", [False, True])
def test_read_only_relations_in_bodies_are_refused_when_changed(client, people, panoptes):
    """users.user_groups and subjects.collections are read only: sending another value is a 422 (was: silently
    dropped); sending them as they are is tolerated."""
    alice = people.user("alice")
    team = people.group("team", alice)
    sid = create_subject(client, alice)
    if panoptes:
        headers, ct = alice.panoptes(**{"If-Match": "*"}), "application/vnd.api+json; version=1"
        change = {"users": {"display_name": "Al", "links": {"user_groups": []}}}
        same = {"users": {"display_name": "Al", "links": {"user_groups": [str(team)]}}}
        create = {"collections": {"display_name": "Linked", "links": {"subjects": [sid]}}}
        method = "PUT"
    else:
        headers, ct, method = alice.jsonapi(), JSONAPI, "PATCH"
        change = {"data": {"type": "users", "id": str(alice.id), "attributes": {"display_name": "Al"},
                           "relationships": {"user_groups": {"data": []}}}}
        same = {"data": {"type": "users", "id": str(alice.id), "attributes": {"display_name": "Al"},
                         "relationships": {"user_groups": {"data": [{"type": "user_groups", "id": str(team)}]}}}}
        create = None
    response = client.open(f"/api/users/{alice.id}", method=method, headers=headers, content_type=ct,
                           data=json.dumps(change))
    assert response.status_code == 422, response.get_data(as_text=True)
    shown = client.get(f"/api/users/{alice.id}", headers=alice.jsonapi()).get_json()["data"]
    assert shown["attributes"]["display_name"] == "Alice"
    response = client.open(f"/api/users/{alice.id}", method=method, headers=headers, content_type=ct,
                           data=json.dumps(same))
    assert response.status_code == 200, response.get_data(as_text=True)
    if create is not None:  # a Panoptes create naming subjects: writable, so they are linked
        response = client.post("/api/collections", headers=alice.panoptes(), content_type=ct,
                               data=json.dumps(create))
        assert response.status_code == 201, response.get_data(as_text=True)
        assert response.get_json()["collections"][0]["links"]["subjects"] == [sid]


def test_a_panoptes_to_many_link_given_as_one_object_is_refused(client, people):
    alice = people.user("alice")
    sid = create_subject(client, alice)
    response = client.post("/api/collections", headers=alice.panoptes(), content_type="application/json",
                           data=json.dumps({"collections": {"display_name": "X", "links": {"subjects": {"id": sid}}}}))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert client.get("/api/collections", headers=alice.jsonapi()).get_json()["data"] == []


def test_panoptes_link_objects_are_closed_to_what_the_dialect_renders(client, people):
    """A Panoptes link object holds id and type, and may carry back the href and display_name the dialect
    renders; any other member is a 400 naming it, and nothing is written."""
    alice = people.user("alice")
    team = people.group("team", alice)
    sid = create_subject(client, alice)
    owner = {"id": str(team), "type": "user_groups"}

    def create(links):
        return client.post("/api/collections", headers=alice.panoptes(), content_type=PANOPTES,
                           data=json.dumps({"collections": {"display_name": "Linked", "links": links}}))

    for links, member in (({"owner": {**owner, "role": "owner"}}, "role"),
                          ({"owner": owner, "subjects": [{"id": sid, "rank": 1}]}, "rank")):
        assert_panoptes_error(create(links), 400, contains=f"'{member}' is not a member of")
    assert client.get("/api/collections", headers=alice.jsonapi()).get_json()["data"] == []

    echoed = {**owner, "href": f"/user_groups/{team}", "display_name": "team"}
    response = create({"owner": echoed, "subjects": [{"id": sid, "href": f"/subjects/{sid}"}]})
    assert response.status_code == 201, response.get_data(as_text=True)
    made = response.get_json()["collections"][0]
    assert made["links"]["owner"]["id"] == str(team) and made["links"]["subjects"] == [sid]

    # a to-many link object read back (href, type, count) instead of ids leaves the links as they are
    back = {"href": f"/collections/{made['id']}/subjects", "type": "subjects", "count": 1}
    response = client.put(f"/api/collections/{made['id']}", headers=alice.panoptes(**{"If-Match": "*"}),
                          content_type=PANOPTES,
                          data=json.dumps({"collections": {"display_name": "Renamed", "links": {"subjects": back}}}))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["collections"][0]["links"]["subjects"] == [sid]
