"""Seeding helpers for the reading-side tests: everything is made through the HTTP API."""
from urllib.parse import parse_qs, urlsplit

from tests.conftest import JSONAPI, jsonapi_body


def make_subject(client, person, url="https://images.example.org/1.jpg", group_id=None):
    relationships = None
    if group_id is not None:
        relationships = {"owner": {"data": {"type": "user_groups", "id": str(group_id)}}}
    response = client.post("/api/subjects", headers=person.jsonapi(), content_type=JSONAPI,
                           json=jsonapi_body("subjects", {"locations": [{"image/jpeg": url}]}, relationships))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def make_collection(client, person, display_name, *, private=False, favorite=False, subjects=(),
                    group_id=None, default_subject=None):
    relationships = {}
    if subjects:
        relationships["subjects"] = {"data": [{"type": "subjects", "id": str(s)} for s in subjects]}
    if group_id is not None:
        relationships["owner"] = {"data": {"type": "user_groups", "id": str(group_id)}}
    if default_subject is not None:
        relationships["default_subject"] = {"data": {"type": "subjects", "id": str(default_subject)}}
    attributes = {"display_name": display_name, "private": private, "favorite": favorite}
    response = client.post("/api/collections", headers=person.jsonapi(), content_type=JSONAPI,
                           json=jsonapi_body("collections", attributes, relationships or None))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def grant_role(client, owner, collection_id, user, roles):
    body = jsonapi_body("collection_roles", {"roles": list(roles)}, {
        "collection": {"data": {"type": "collections", "id": str(collection_id)}},
        "user": {"data": {"type": "users", "id": str(user.id)}},
    })
    response = client.post("/api/collection_roles", headers=owner.jsonapi(), content_type=JSONAPI, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def query_of(url):
    """The query of a link as a dict of lists (order of keys ignored)."""
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def ids(doc, key="data"):
    items = doc[key]
    return [item["id"] for item in items]
