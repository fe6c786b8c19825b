"""Seeding and reading helpers for the Image sets tests (API §7.2); everything goes through HTTP except the
image service's compliance level, which only the IIIF import (§7.3) sets and no client attribute carries."""
from sqlalchemy import update

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body


def make_image(client, person, **attributes):
    """POST /api/images in the JSON:API dialect; a static image unless told otherwise. Returns the id."""
    if "kind" not in attributes:
        attributes.setdefault("uri", "https://static.example.org/plain.jpg")
    response = client.post("/api/images", headers=person.jsonapi(), content_type=JSONAPI,
                           json=jsonapi_body("images", attributes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def make_iiif_image(client, person, base="https://iiif.example.org/img", version="v3", **attributes):
    return make_image(client, person, kind="iiif", iiif_url=base, api_version=version, **attributes)


def set_service_level(app, image_id, level):
    """The service's compliance level is recorded by the IIIF import; tests set it in the database."""
    from app.extensions import db
    from app.models.image_sets import Image

    with app.app_context():
        db.session.execute(update(Image).where(Image.id == int(image_id)).values(service_level=level))
        db.session.commit()


def nested(collection_id, set_id=None):
    path = f"/api/collections/{collection_id}/image-sets"
    return path if set_id is None else f"{path}/{set_id}"


def create_set(client, person, collection_id, name="Set", panoptes=False, expect=201, **inputs):
    """POST …/image-sets with ``inputs`` beside the name (attributes in both dialects)."""
    if panoptes:
        response = client.post(nested(collection_id), headers=person.panoptes(), content_type=PANOPTES,
                               json={"image_sets": {"name": name, **inputs}})
    else:
        response = client.post(nested(collection_id), headers=person.jsonapi(), content_type=JSONAPI,
                               json=jsonapi_body("image_sets", {"name": name, **inputs}))
    assert response.status_code == expect, response.get_data(as_text=True)
    if expect != 201:
        return response
    doc = response.get_json()
    return doc["image_sets"][0]["id"] if panoptes else doc["data"]["id"]


def patch_set(client, person, collection_id, set_id, attributes=None, relationships=None, headers=None):
    """PATCH in the JSON:API dialect; returns the response."""
    body = jsonapi_body("image_sets", attributes or {}, relationships, id_=set_id)
    return client.patch(nested(collection_id, set_id), headers={**person.jsonapi(), **(headers or {})},
                        content_type=JSONAPI, json=body)


def put_set(client, person, collection_id, set_id, fields, if_match=True):
    """PUT in the Panoptes dialect, with If-Match from a fresh read unless told otherwise."""
    headers = person.panoptes()
    if if_match is True:
        etag = client.get(nested(collection_id, set_id), headers=person.panoptes()).headers["ETag"]
        headers["If-Match"] = etag
    elif if_match:
        headers["If-Match"] = if_match
    return client.put(nested(collection_id, set_id), headers=headers, content_type=PANOPTES,
                      json={"image_sets": fields})


def get_set(client, collection_id, set_id, person=None, panoptes=False, query=""):
    headers = {"Accept": PANOPTES if panoptes else JSONAPI}
    if person is not None:
        headers["Authorization"] = f"Bearer {person.token}"
    return client.get(nested(collection_id, set_id) + query, headers=headers)


def show_set(client, collection_id, set_id, person=None):
    """The image set's JSON:API resource object (asserting it is readable)."""
    response = get_set(client, collection_id, set_id, person)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def linkage_ids(resource, rel):
    return [item["id"] for item in resource["relationships"][rel]["data"]]


def image_ids_of(client, collection_id, set_id, person=None):
    return linkage_ids(show_set(client, collection_id, set_id, person), "images")


def language_codes(client, collection_id, set_id, person=None):
    response = get_set(client, collection_id, set_id, person, query="?include=allowed_languages")
    assert response.status_code == 200, response.get_data(as_text=True)
    doc = response.get_json()
    codes = {item["id"]: item["attributes"]["code"] for item in doc.get("included", [])}
    return [codes[i] for i in linkage_ids(doc["data"], "allowed_languages")]
