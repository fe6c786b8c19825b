"""Resource identifier objects in JSON:API bodies: type and id (or lid) required, nothing unknown, a type the
relation accepts; a refused body writes nothing."""
import json

import pytest

from tests.conftest import JSONAPI, jsonapi_body
from tests.writing_helpers import assert_jsonapi_error, create_collection, create_subject, subject_ids

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
