"""Annotations in the JSON:API and Panoptes dialects: nested under their image set, read flat, filtered,
included, written atomically; the body's language, the region and the target image are checked."""
import json

import pytest

from tests.annotations_helpers import (
    annotate, annotate_panoptes, annotated_set, annotation_body, container, w3c_container, w3c_headers,
)
from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.image_sets_helpers import make_image
from tests.reading_seed import grant_role
from tests.writing_helpers import assert_jsonapi_error, assert_panoptes_error


@pytest.fixture
def world(client, people):
    owner = people.user("olga")
    cid, sid, images = annotated_set(client, owner)
    return owner, cid, sid, images


def test_create_read_and_list_in_jsonapi(client, world):
    owner, _cid, sid, images = world
    response = client.post(container(sid), headers=owner.jsonapi(), content_type=JSONAPI,
                           json=annotation_body(images[0], "Look here", selector="xywh=10,20,300,400"))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert response.headers["Location"].endswith(f"/api/image_sets/{sid}/annotations/{data['id']}")
    assert data["attributes"]["motivation"] == "commenting"
    assert data["attributes"]["body"] == {"value": "Look here", "language": "en"}
    assert data["attributes"]["selector"] == "xywh=10,20,300,400"
    assert data["relationships"]["image"]["data"] == {"type": "images", "id": images[0]}
    assert data["relationships"]["image_set"]["data"] == {"type": "image_sets", "id": sid}
    assert data["relationships"]["creator"]["data"] == {"type": "users", "id": str(owner.id)}
    shown = client.get(f"{container(sid)}/{data['id']}?include=image,creator", headers=owner.jsonapi()).get_json()
    assert {(r["type"], r["id"]) for r in shown["included"]} == {("images", images[0]), ("users", str(owner.id))}
    flat = client.get(f"/api/annotations/{data['id']}", headers=owner.jsonapi())
    assert flat.status_code == 200 and flat.get_json()["data"]["id"] == data["id"]


def test_filters_by_image_motivation_creator_and_language(client, people, world):
    owner, cid, sid, images = world
    first = annotate(client, owner, sid, images[0], text="one")
    second = annotate(client, owner, sid, images[1], text="deux", language="fr", motivation="tagging")
    other = annotated_set(client, owner, name="Other", collection=cid)
    elsewhere = annotate(client, owner, other[1], other[2][0], text="elsewhere")

    def ids(query, path=container(sid)):
        response = client.get(path + query, headers=owner.jsonapi())
        assert response.status_code == 200, response.get_json()
        return [d["id"] for d in response.get_json()["data"]]

    assert ids("") == [first, second]
    assert ids("", "/api/annotations") == [first, second, elsewhere]
    assert ids(f"?filter[image_id]={images[1]}") == [second]
    assert ids("?filter[motivation]=tagging") == [second]
    assert ids(f"?filter[creator_id]={owner.id}") == [first, second]
    assert ids("?filter[language]=FR") == [second]
    panoptes = client.get(container(sid) + "?language=en", headers=owner.panoptes()).get_json()
    assert [a["id"] for a in panoptes["annotations"]] == [first]
    assert panoptes["annotations"][0]["links"]["image"] == images[0]


def test_panoptes_create_update_and_delete(client, world):
    owner, _cid, sid, images = world
    response = annotate_panoptes(client, owner, sid, images[0], "Bonjour", "fr", selector="xywh=0,0,10,10")
    assert response.status_code == 201, response.get_json()
    made = response.get_json()["annotations"][0]
    path = f"{container(sid)}/{made['id']}"
    assert made["body"] == {"value": "Bonjour", "language": "fr"} and made["links"]["image_set"] == sid
    refused = client.put(path, headers=owner.panoptes(), content_type=PANOPTES,
                         json={"annotations": {"motivation": "describing"}})
    assert_panoptes_error(refused, 428)
    etag = client.get(path, headers=owner.panoptes()).headers["ETag"]
    changed = client.put(path, headers=owner.panoptes(**{"If-Match": etag}), content_type=PANOPTES,
                         json={"annotations": {"motivation": "describing", "selector": None}})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["annotations"][0]["motivation"] == "describing"
    assert changed.get_json()["annotations"][0]["selector"] is None
    deleted = client.delete(path, headers=owner.panoptes(**{"If-Match": changed.headers["ETag"]}))
    assert deleted.status_code == 200 and deleted.get_json()["annotations"][0]["id"] == made["id"]
    assert client.get(path, headers=owner.panoptes()).status_code == 404
    assert client.get(container(sid), headers=owner.panoptes()).get_json()["annotations"] == []


def test_language_must_be_allowed(client, world):
    owner, _cid, sid, images = world
    response = annotate(client, owner, sid, images[0], expect=422, language="de")
    assert_jsonapi_error(response, 422, pointer="/data/attributes/body/language", contains="'de'")
    response = annotate(client, owner, sid, images[0], expect=422, language=None)
    assert_jsonapi_error(response, 422, pointer="/data/attributes/body/language")
    response = annotate_panoptes(client, owner, sid, images[0], language="de")
    assert_panoptes_error(response, 422, contains="'de' is not one of the image set's allowed languages (en, fr)")
    # a set that allows no particular language takes any
    _cid, free, free_images = annotated_set(client, owner, languages=(), name="Free")
    annotate(client, owner, free, free_images[0], language="de")
    assert client.get(container(sid), headers=owner.jsonapi()).get_json()["data"] == []


@pytest.mark.parametrize("selector, detail", [
    ("xywh=900,0,200,10", "outside the image"),
    ("xywh=0,700,10,101", "outside the image"),
    ("xywh=0,0,0,10", "empty"),
    ("xywh=percent:1,2,3,4", "xywh=x,y,w,h"),
    ("10,20,30,40", "xywh=x,y,w,h"),
])
def test_selector_must_be_a_region_inside_the_image(client, world, selector, detail):
    owner, _cid, sid, images = world
    response = annotate(client, owner, sid, images[0], expect=422, selector=selector)
    assert_jsonapi_error(response, 422, pointer="/data/attributes/selector", contains=detail)


def test_target_image_must_be_in_the_set(client, world):
    owner, _cid, sid, _images = world
    loose = make_image(client, owner, uri="https://static.example.org/loose.jpg")
    response = annotate(client, owner, sid, loose, expect=422)
    assert_jsonapi_error(response, 422, pointer="/data/relationships/image/data", contains="not in this image set")
    response = client.post(container(sid), headers=owner.jsonapi(), content_type=JSONAPI,
                           json=jsonapi_body("annotations", {"motivation": "commenting", "body": {"value": "x",
                                                                                                  "language": "en"}}))
    assert_jsonapi_error(response, 422, pointer="/data/relationships/image")
    response = client.post(container(sid), headers=owner.jsonapi(), content_type=JSONAPI,
                           json=jsonapi_body("annotations", {"motivation": "painting", "body": {"value": "x"}}))
    assert_jsonapi_error(response, 422, pointer="/data/attributes/motivation")
    assert client.get(container(sid), headers=owner.jsonapi()).get_json()["data"] == []


def test_image_is_set_at_creation(client, world):
    owner, _cid, sid, images = world
    aid = annotate(client, owner, sid, images[0])
    response = client.patch(f"{container(sid)}/{aid}/relationships/image", headers=owner.jsonapi(),
                            content_type=JSONAPI, json={"data": {"type": "images", "id": images[1]}})
    assert_jsonapi_error(response, 403)


def test_atomic_operations_add_and_update(client, world):
    from app.engine.negotiation import ATOMIC_CT

    owner, _cid, sid, images = world
    add = {"op": "add", "href": container(sid), "data": {
        "type": "annotations", "lid": "a", "attributes": {"motivation": "tagging", "body": {
            "value": "cat", "language": "en", "purpose": "tagging"}},
        "relationships": {"image": {"data": {"type": "images", "id": images[1]}}}}}
    update = {"op": "update", "data": {"type": "annotations", "lid": "a", "attributes": {
        "body": {"value": "chat", "language": "fr", "purpose": "tagging"}}}}
    response = client.post("/api/operations", headers={**owner.jsonapi(), "Accept": ATOMIC_CT},
                           content_type=ATOMIC_CT, data=json.dumps({"atomic:operations": [add, update]}))
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["atomic:results"]
    assert results[1]["data"]["attributes"]["body"] == {"value": "chat", "language": "fr", "purpose": "tagging"}
    bad = dict(add, data=dict(add["data"], lid="b", attributes={"motivation": "tagging",
                                                                 "body": {"value": "Hund", "language": "de"}}))
    response = client.post("/api/operations", headers={**owner.jsonapi(), "Accept": ATOMIC_CT},
                           content_type=ATOMIC_CT, data=json.dumps({"atomic:operations": [add, bad]}))
    assert response.status_code == 422, response.get_json()
    assert len(client.get(container(sid), headers=owner.jsonapi()).get_json()["data"]) == 1


def _count(client, url, headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.headers["X-Query-Count"])


def test_statement_counts_do_not_depend_on_rows(client, people, world):
    owner, cid, sid, images = world
    _c, small, small_images = annotated_set(client, owner, name="Small", collection=cid)
    annotate(client, owner, small, small_images[0])
    writer = people.user("wendy")
    grant_role(client, owner, cid, writer, ["viewer"])
    for i in range(12):
        annotate(client, owner if i % 2 else writer, sid, images[i % 2], text=f"n{i}", selector="xywh=1,1,5,5")
    for headers in (owner.jsonapi(), owner.panoptes()):
        for query in ("", "?include=image,creator,image_set", "?include=image.owner,creator&sort=-created_at"):
            one = _count(client, f"{container(small)}{query}", headers)
            many = _count(client, f"{container(sid)}{query}", headers)
            assert one == many, (query, one, many)
            paged = f"/api/annotations{query}{'&' if query else '?'}page_size=1"
            assert _count(client, paged, headers) == _count(client, f"/api/annotations{query}", headers)
    for prefer in ("", 'return=representation;include="http://www.w3.org/ns/oa#PreferContainedIRIs"'):
        headers = w3c_headers(owner, **({"Prefer": prefer} if prefer else {}))
        assert _count(client, w3c_container(small), headers) == _count(client, w3c_container(sid), headers)


def test_deleting_the_image_set_deletes_its_annotations(client, world):
    from tests.image_sets_helpers import nested

    owner, cid, sid, images = world
    aid = annotate(client, owner, sid, images[0])
    assert client.delete(nested(cid, sid), headers=owner.jsonapi()).status_code == 204
    assert client.get(f"/api/annotations/{aid}", headers=owner.jsonapi()).status_code == 404
    assert client.get("/api/annotations", headers=owner.jsonapi()).get_json()["data"] == []


@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
def test_annotations_page_by_cursor_in_both_dialects(client, world, panoptes):
    owner, _cid, sid, images = world
    made = [annotate(client, owner, sid, images[0], text=f"Note {n}") for n in range(3)]
    url, seen = f"{container(sid)}?page[size]=1&page[after]=", []
    headers = owner.panoptes() if panoptes else owner.jsonapi()
    while url:
        doc = client.get(url, headers=headers).get_json()
        if panoptes:
            seen += [a["id"] for a in doc["annotations"]]
            url = doc["meta"]["annotations"].get("next_href")
        else:
            seen += [a["id"] for a in doc["data"]]
            url = doc["links"].get("next")
        if url and url.startswith("http"):
            url = url[len("http://localhost"):]
        elif url and not url.startswith("/api"):
            url = "/api" + url
    assert seen == [str(i) for i in made]
