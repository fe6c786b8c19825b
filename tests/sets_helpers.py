"""Small helpers shared by the Sets family's tests (test_sets, test_set_policies, clients, concurrency)."""
import json

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body


def send(client, method, path, person=None, body=None, panoptes=False, **headers):
    """A request as ``person`` (None: anonymous) in one dialect; ``body`` is sent as JSON when given."""
    if person is None:
        all_headers = {"Accept": PANOPTES if panoptes else JSONAPI}
    else:
        all_headers = person.panoptes() if panoptes else person.jsonapi()
    all_headers.update(headers)
    kwargs = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": PANOPTES if panoptes else JSONAPI}
    return client.open(path, method=method, headers=all_headers, **kwargs)


def create_item(client, person, type_="layers", title="Roads", **attributes):
    """Create a layer, table or document; returns its id as a string."""
    response = send(client, "POST", f"/api/{type_}/", person, jsonapi_body(type_, {"title": title, **attributes}))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def create_set(client, person, title="Roads of the north", description="All **roads**.", items=(), **attributes):
    """Create a set (its first version is a draft); ``items`` are (type, id) pairs, sent as item URLs.
    Returns the set's JSON:API resource object."""
    attributes = {"title": title, "description": description,
                  "items": [f"/api/{t}/{i}/" for t, i in items], **attributes}
    response = send(client, "POST", "/api/sets/", person, jsonapi_body("sets", attributes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def draft_id(client, set_id, person):
    response = send(client, "GET", f"/api/sets/{set_id}/versions/draft/", person)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]["id"]


def publish(client, set_id, version_id, person):
    """Publish a draft; returns the publishes task's resource object."""
    response = send(client, "POST", f"/api/sets/{set_id}/versions/{version_id}/publish/", person, {})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def published_set(client, person, items=(), **attributes):
    """A set whose first version is published; returns (set id, published version id)."""
    data = create_set(client, person, items=items, **attributes)
    version = draft_id(client, data["id"], person)
    publish(client, data["id"], version, person)
    return data["id"], version


def new_draft(client, set_id, person, body=None):
    response = send(client, "POST", f"/api/sets/{set_id}/versions/", person, body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def grant(client, set_id, person, principal, permission):
    body = jsonapi_body("set_permissions", {"principal": principal, "permission": permission})
    response = send(client, "POST", f"/api/sets/{set_id}/permissions/", person, body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def item_linkage(data):
    """[(type, id), …] of a set or version resource object's items."""
    return [(d["type"], d["id"]) for d in data["relationships"]["items"]["data"]]
