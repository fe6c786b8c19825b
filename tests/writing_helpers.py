"""Small helpers shared by the writing-side tests (test_writing, test_relationships, test_permissions)."""
import json

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body


def create_collection(client, person, display_name="Flowers", owner=None, **attributes):
    """Create a collection through the JSON:API dialect; returns its id as a string."""
    relationships = None
    if owner is not None:
        relationships = {"owner": {"data": {"type": owner[0], "id": str(owner[1])}}}
    body = jsonapi_body("collections", {"display_name": display_name, **attributes}, relationships)
    response = client.post("/api/collections", headers=person.jsonapi(), data=json.dumps(body),
                           content_type=JSONAPI)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def create_subject(client, person, url="https://img.example.org/1.jpg"):
    body = jsonapi_body("subjects", {"locations": [{"image/jpeg": url}], "metadata": {"n": 1}})
    response = client.post("/api/subjects", headers=person.jsonapi(), data=json.dumps(body), content_type=JSONAPI)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def read(client, path, person=None, panoptes=False):
    """GET as ``person`` (None: anonymous) in one dialect."""
    if person is None:
        headers = {"Accept": PANOPTES if panoptes else JSONAPI}
    else:
        headers = person.panoptes() if panoptes else person.jsonapi()
    return client.get(path, headers=headers)


def read_collection(client, id_, person=None):
    """The collection's JSON:API resource object (asserting it is readable)."""
    response = read(client, f"/api/collections/{id_}", person)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def etag_of(client, path, person=None):
    response = read(client, path, person)
    assert response.status_code == 200
    return response.headers["ETag"]


def subject_ids(client, collection_id, person=None):
    data = read_collection(client, collection_id, person)
    return [item["id"] for item in data["relationships"]["subjects"]["data"]]


def default_subject(client, collection_id, person=None):
    data = read_collection(client, collection_id, person)
    linkage = data["relationships"]["default_subject"].get("data")
    return linkage["id"] if linkage else None


def assert_jsonapi_error(response, status, pointer=None, parameter=None, header=None, contains=None):
    """A §5 JSON:API error document with ``status``; optionally one error at the given source."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.headers["Content-Type"] == JSONAPI
    doc = response.get_json()
    assert set(doc) <= {"errors", "jsonapi", "meta", "links"}
    assert doc["errors"], doc
    for error in doc["errors"]:
        assert error["status"] == str(status)
        assert error.get("title") and error.get("detail")
    sources = [e.get("source", {}) for e in doc["errors"]]
    if pointer is not None:
        assert {"pointer": pointer} in sources, doc
    if parameter is not None:
        assert {"parameter": parameter} in sources, doc
    if header is not None:
        assert {"header": header} in sources, doc
    if contains is not None:
        assert any(contains in e["detail"] for e in doc["errors"]), doc
    return doc


def assert_panoptes_error(response, status, contains=None):
    """A §5 Panoptes error document: {"errors": [{"message": "…"}]} and nothing else."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.headers["Content-Type"] == PANOPTES
    doc = response.get_json()
    assert list(doc) == ["errors"], doc
    assert doc["errors"]
    for error in doc["errors"]:
        assert list(error) == ["message"] and isinstance(error["message"], str) and error["message"]
    if contains is not None:
        assert any(contains in e["message"] for e in doc["errors"]), doc
    return doc


def passwordless_user(app, login, admin=False):
    """A user with a bearer token but no password: people.user's slow password hash is not needed
    where a test only acts through tokens (the permissions matrix makes hundreds of users)."""
    from app.auth import issue_token
    from app.extensions import db
    from app.models import User
    from tests.conftest import Person

    with app.app_context():
        user = User(login=login, display_name=login.title(), email=f"{login}@example.org", admin=admin)
        db.session.add(user)
        db.session.commit()
        token, _ = issue_token(user)
        return Person(user.id, login, token)
