"""The Image sets family (API §7.2) through HTTP in both dialects: endpoints and paths, relationship
endpoints, the specification's write-only inputs, derived fields, statement counts, preconditions, errors.

Rights are in tests/test_image_set_policies.py; the real clients in tests/test_image_sets_clients.py.
"""
import json

import pytest

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.image_sets_helpers import (
    create_set,
    get_set,
    image_ids_of,
    language_codes,
    linkage_ids,
    make_iiif_image,
    make_image,
    nested,
    patch_set,
    put_set,
    set_service_level,
    show_set,
)
from tests.reading_seed import grant_role, make_collection
from tests.writing_helpers import assert_jsonapi_error, assert_panoptes_error


@pytest.fixture
def world(client, people):
    alice = people.user("alice")
    bob = people.user("bob")
    cid = make_collection(client, alice, "Flowers")
    other = make_collection(client, alice, "Trees")
    secret = make_collection(client, alice, "Secret", private=True)
    return {"alice": alice, "bob": bob, "cid": cid, "other": other, "secret": secret}


def anonymous(panoptes=False):
    return {"Accept": PANOPTES if panoptes else JSONAPI}


# -- endpoints and paths ---------------------------------------------------------------------------------

def test_create_in_collection_jsonapi(client, world):
    alice, cid = world["alice"], world["cid"]
    image = make_image(client, alice)
    body = jsonapi_body("image_sets", {"name": "Roses", "description": "red ones", "attribution": "Kew",
                                       "image_ids": [image], "allowed_languages": ["en", "fr"]})
    response = client.post(nested(cid), headers=alice.jsonapi(), content_type=JSONAPI, json=body)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    sid = data["id"]
    assert response.headers["Location"] == data["links"]["self"] == f"http://localhost/api/collections/{cid}/image-sets/{sid}"
    attrs = data["attributes"]
    assert (attrs["name"], attrs["description"], attrs["attribution"]) == ("Roses", "red ones", "Kew")
    assert attrs["image_count"] == 1 and attrs["thumbnail"] == "https://static.example.org/plain.jpg"
    assert attrs["policies"] == ["access", "write", "manage", "delete"]
    assert attrs["created_at"].endswith("Z") and attrs["updated_at"].endswith("Z")
    assert "image_ids" not in attrs and "published" not in attrs and "allowed_languages" not in attrs
    rels = data["relationships"]
    assert rels["collection"]["data"] == {"type": "collections", "id": cid}
    assert rels["owner"]["data"] == {"type": "users", "id": str(alice.id)}
    assert rels["images"]["data"] == [{"type": "images", "id": image}]
    assert rels["publication"]["data"] is None
    assert rels["images"]["links"]["self"] == f"http://localhost/api/collections/{cid}/image-sets/{sid}/links/images"
    assert rels["images"]["links"]["related"] == f"http://localhost/api/collections/{cid}/image-sets/{sid}/images"
    assert language_codes(client, cid, sid, alice) == ["en", "fr"]


def test_create_in_collection_panoptes(client, world):
    alice, cid = world["alice"], world["cid"]
    image = make_image(client, alice)
    response = client.post(nested(cid), headers=alice.panoptes(), content_type=PANOPTES,
                           json={"image_sets": {"name": "Roses", "image_ids": [image], "allowed_languages": ["de"]}})
    assert response.status_code == 201, response.get_json()
    doc = response.get_json()
    (made,) = doc["image_sets"]
    assert made["href"] == f"/collections/{cid}/image-sets/{made['id']}"
    assert response.headers["Location"] == "http://localhost/api" + made["href"]
    assert made["links"]["images"] == [image] and made["links"]["collection"] == cid
    assert made["links"]["owner"] == str(alice.id) and made["links"]["publication"] is None
    assert made["image_count"] == 1
    assert set(doc) == {"image_sets", "links", "meta"}
    assert doc["links"]["image_sets.images"] == {"href": "/images?image_set_id={image_sets.id}", "type": "images"}
    assert language_codes(client, cid, made["id"], alice) == ["de"]


def test_created_only_under_a_collection(client, world):
    alice = world["alice"]
    response = client.post("/api/image_sets", headers=alice.jsonapi(), content_type=JSONAPI,
                           json=jsonapi_body("image_sets", {"name": "Loose"}))
    assert_jsonapi_error(response, 405)
    response = client.post("/api/image_sets", headers=alice.panoptes(), content_type=PANOPTES,
                           json={"image_sets": {"name": "Loose"}})
    assert_panoptes_error(response, 405)
    assert client.get("/api/image_sets", headers=alice.jsonapi()).get_json()["data"] == []


def test_list_show_in_both_paths(client, world):
    alice, cid, other = world["alice"], world["cid"], world["other"]
    first = create_set(client, alice, cid, "A")
    second = create_set(client, alice, cid, "B")
    elsewhere = create_set(client, alice, other, "C")
    listed = client.get(nested(cid), headers=alice.jsonapi()).get_json()
    assert [r["id"] for r in listed["data"]] == [first, second]
    assert listed["links"]["self"] == f"http://localhost/api/collections/{cid}/image-sets"
    assert listed["meta"]["image_sets"]["count"] == 2
    assert all(r["links"]["self"].startswith(f"http://localhost/api/collections/{cid}/image-sets/")
               for r in listed["data"])
    flat = client.get("/api/image_sets", headers=alice.jsonapi()).get_json()
    assert [r["id"] for r in flat["data"]] == [first, second, elsewhere]
    # the flat list links each set at its nested (canonical) URL
    assert flat["data"][2]["links"]["self"] == f"http://localhost/api/collections/{other}/image-sets/{elsewhere}"
    filtered = client.get(f"/api/image_sets?filter[collection_id]={other}", headers=alice.jsonapi()).get_json()
    assert [r["id"] for r in filtered["data"]] == [elsewhere]
    panoptes = client.get(f"/api/image_sets?collection_id={cid}", headers=alice.panoptes()).get_json()
    assert [r["id"] for r in panoptes["image_sets"]] == [first, second]
    # show, both paths, both dialects
    shown = client.get(nested(cid, first), headers=alice.jsonapi()).get_json()["data"]
    assert shown["attributes"]["name"] == "A"
    assert client.get(f"/api/image_sets/{first}", headers=alice.jsonapi()).get_json()["data"] == shown
    (p,) = client.get(nested(cid, first), headers=alice.panoptes()).get_json()["image_sets"]
    assert p["href"] == f"/collections/{cid}/image-sets/{first}" and p["name"] == "A"
    # trailing slashes
    assert client.get(nested(cid) + "/", headers=alice.jsonapi()).status_code == 200
    assert client.get(nested(cid, first) + "/", headers=alice.jsonapi()).status_code == 200


def test_wrong_or_invisible_collection_is_404(client, world):
    alice, bob, cid, other, secret = (world[k] for k in ("alice", "bob", "cid", "other", "secret"))
    sid = create_set(client, alice, cid, "A")
    hidden = create_set(client, alice, secret, "H")
    for path in (nested(other, sid), nested(999999, sid), nested(cid, 999999)):
        assert_jsonapi_error(client.get(path, headers=alice.jsonapi()), 404)
        assert_panoptes_error(client.get(path, headers=alice.panoptes()), 404)
        assert_jsonapi_error(patch_set(client, alice, path.split("/")[3], path.rsplit("/", 1)[1], {"name": "x"}), 404)
        assert_jsonapi_error(client.delete(path, headers=alice.jsonapi()), 404)
        assert_jsonapi_error(client.get(path + "/relationships/images", headers=alice.jsonapi()), 404)
        assert_jsonapi_error(client.get(path + "/images", headers=alice.jsonapi()), 404)
    assert_jsonapi_error(client.get(nested(999999), headers=alice.jsonapi()), 404)
    image = make_image(client, alice)
    response = client.post(nested(other, sid) + "/links/images", headers=alice.panoptes(), content_type=PANOPTES,
                           json={"images": [image]})
    assert_panoptes_error(response, 404)
    assert_panoptes_error(client.delete(nested(other, sid) + f"/links/images/{image}", headers=alice.panoptes()), 404)
    response = client.post(nested(other, sid) + "/relationships/images", headers=alice.jsonapi(),
                           content_type=JSONAPI, json={"data": [{"type": "images", "id": image}]})
    assert_jsonapi_error(response, 404)
    assert image_ids_of(client, cid, sid, alice) == []
    assert show_set(client, cid, sid, alice)["attributes"]["name"] == "A"  # untouched
    # a private collection: its image-set list and creation are 404 to a stranger, as for anonymous
    assert_jsonapi_error(client.get(nested(secret), headers=bob.jsonapi()), 404)
    assert_jsonapi_error(client.get(nested(secret), headers=anonymous()), 404)
    assert_jsonapi_error(client.get(nested(secret, hidden), headers=bob.jsonapi()), 404)
    assert_panoptes_error(client.get(nested(secret, hidden), headers=bob.panoptes()), 404)
    response = create_set(client, bob, secret, "Intruder", expect=404)
    assert_jsonapi_error(response, 404)
    assert client.get(nested(secret), headers=alice.jsonapi()).get_json()["meta"]["image_sets"]["count"] == 1


def test_put_patch_delete(client, world):
    alice, cid = world["alice"], world["cid"]
    sid = create_set(client, alice, cid, "A", description="d")
    response = patch_set(client, alice, cid, sid, {"name": "B"})
    assert response.status_code == 200, response.get_json()
    attrs = response.get_json()["data"]["attributes"]
    assert (attrs["name"], attrs["description"]) == ("B", "d")  # only what was sent
    response = put_set(client, alice, cid, sid, {"description": "via put", "attribution": "me"})
    assert response.status_code == 200, response.get_json()
    (p,) = response.get_json()["image_sets"]
    assert (p["name"], p["description"], p["attribution"]) == ("B", "via put", "me")
    # DELETE answers a strict 204 in the JSON:API dialect
    response = client.delete(nested(cid, sid), headers=alice.jsonapi())
    assert response.status_code == 204 and response.get_data() == b""
    assert client.get(nested(cid, sid), headers=alice.jsonapi()).status_code == 404
    # ... and in the Panoptes dialect (If-Match required there)
    sid2 = create_set(client, alice, cid, "C")
    assert_panoptes_error(client.delete(nested(cid, sid2), headers=alice.panoptes()), 428)
    etag = client.get(nested(cid, sid2), headers=alice.panoptes()).headers["ETag"]
    response = client.delete(nested(cid, sid2), headers=alice.panoptes(**{"If-Match": etag}))
    assert response.status_code == 200
    assert response.get_json()["image_sets"][0]["id"] == sid2
    assert client.get(nested(cid), headers=alice.jsonapi()).get_json()["data"] == []


def test_delete_keeps_images_and_cleans_links(client, world):
    alice, cid = world["alice"], world["cid"]
    image = make_image(client, alice)
    sid = create_set(client, alice, cid, "A", image_ids=[image], allowed_languages=["en"])
    put_set(client, alice, cid, sid, {"published": True})
    pub = show_set(client, cid, sid, alice)["relationships"]["publication"]["data"]["id"]
    assert client.delete(nested(cid, sid), headers=alice.jsonapi()).status_code == 204
    assert client.get(f"/api/images/{image}", headers=alice.jsonapi()).status_code == 200
    assert client.get(f"/api/publications/{pub}", headers=alice.jsonapi()).status_code == 404
    # deleting the collection takes its image sets with it, never a 500
    sid2 = create_set(client, alice, cid, "B", image_ids=[image])
    response = client.delete(f"/api/collections/{cid}", headers=alice.jsonapi())
    assert response.status_code == 204, response.get_data(as_text=True)
    assert client.get(f"/api/image_sets/{sid2}", headers=alice.jsonapi()).status_code == 404
    # deleting an image takes it out of the sets that held it
    sid3 = create_set(client, alice, world["other"], "C", image_ids=[image])
    assert client.delete(f"/api/images/{image}", headers=alice.jsonapi()).status_code == 204
    data = show_set(client, world["other"], sid3, alice)
    assert linkage_ids(data, "images") == [] and data["attributes"]["image_count"] == 0
    assert data["attributes"]["thumbnail"] is None


# -- relationship endpoints ------------------------------------------------------------------------------

def test_images_links_panoptes(client, world):
    alice, cid = world["alice"], world["cid"]
    a, b, c = (make_image(client, alice, uri=f"https://static.example.org/{n}.jpg") for n in "abc")
    sid = create_set(client, alice, cid, "A", image_ids=[a])
    base = nested(cid, sid)
    response = client.post(base + "/links/images", headers=alice.panoptes(), content_type=PANOPTES,
                           json={"images": [b, c]})
    assert response.status_code == 200, response.get_json()
    (p,) = response.get_json()["image_sets"]
    assert p["links"]["images"] == [a, b, c] and p["image_count"] == 3
    assert_panoptes_error(client.post(base + "/links/images", headers=alice.panoptes(), content_type=PANOPTES,
                                      json={"images": [b]}), 400, contains="already in")
    response = client.delete(base + f"/links/images/{a}%2C{c}", headers=alice.panoptes())
    assert response.status_code == 204
    assert image_ids_of(client, cid, sid, alice) == [b]
    for image in (a, c):  # removing a link never deletes the image
        assert client.get(f"/api/images/{image}", headers=alice.jsonapi()).status_code == 200
    # GET …/links/images in the Panoptes dialect: the images themselves
    listed = client.get(base + "/links/images", headers=alice.panoptes()).get_json()
    assert [i["id"] for i in listed["images"]] == [b]
    # the template the client follows
    followed = client.get(f"/api/images?image_set_id={sid}", headers=alice.panoptes()).get_json()
    assert [i["id"] for i in followed["images"]] == [b]


def test_images_relationships_jsonapi(client, world):
    alice, cid = world["alice"], world["cid"]
    a, b, c = (make_image(client, alice, uri=f"https://static.example.org/{n}.jpg") for n in "abc")
    sid = create_set(client, alice, cid, "A", image_ids=[a])
    rel = nested(cid, sid) + "/relationships/images"
    doc = client.get(rel, headers=alice.jsonapi()).get_json()
    assert doc["data"] == [{"type": "images", "id": a}]
    assert doc["links"]["self"].endswith(f"/collections/{cid}/image-sets/{sid}/relationships/images")

    def linkage(*ids):
        return {"data": [{"type": "images", "id": i} for i in ids]}

    for _ in range(2):  # POST adds what is missing, idempotent
        response = client.post(rel, headers=alice.jsonapi(), content_type=JSONAPI, json=linkage(a, b))
        assert response.status_code == 204
    assert image_ids_of(client, cid, sid, alice) == [a, b]
    response = client.patch(rel, headers=alice.jsonapi(), content_type=JSONAPI, json=linkage(c, a))
    assert response.status_code == 204
    assert image_ids_of(client, cid, sid, alice) == [c, a]
    for _ in range(2):  # DELETE removes what is present, idempotent
        assert client.delete(rel, headers=alice.jsonapi(), content_type=JSONAPI, json=linkage(c)).status_code == 204
    assert image_ids_of(client, cid, sid, alice) == [a]
    related = client.get(nested(cid, sid) + "/images", headers=alice.jsonapi()).get_json()
    assert [(r["type"], r["id"]) for r in related["data"]] == [("images", a)]
    # the same under /links/<rel> with JSON:API linkage
    response = client.post(nested(cid, sid) + "/links/images", headers=alice.jsonapi(), content_type=JSONAPI,
                           json=linkage(b))
    assert response.status_code == 204
    assert image_ids_of(client, cid, sid, alice) == [a, b]
    # an unknown image: 422 naming it, nothing changed
    response = client.post(rel, headers=alice.jsonapi(), content_type=JSONAPI, json=linkage(c, "999999"))
    assert_jsonapi_error(response, 422, pointer="/data", contains="999999")
    assert image_ids_of(client, cid, sid, alice) == [a, b]


def test_allowed_languages_relationship_endpoints(client, world):
    alice, cid = world["alice"], world["cid"]
    sid = create_set(client, alice, cid, "A", allowed_languages=["en"])
    langs = {code: client.get(f"/api/languages?filter[code]={code}", headers=alice.jsonapi()).get_json()["data"][0]["id"]
             for code in ("en", "fr", "de")}
    rel = nested(cid, sid) + "/relationships/allowed_languages"
    assert client.get(rel, headers=alice.jsonapi()).get_json()["data"] == [{"type": "languages", "id": langs["en"]}]
    response = client.post(rel, headers=alice.jsonapi(), content_type=JSONAPI,
                           json={"data": [{"type": "languages", "id": langs["fr"]}]})
    assert response.status_code == 204
    assert language_codes(client, cid, sid, alice) == ["en", "fr"]
    response = client.post(nested(cid, sid) + "/links/allowed_languages", headers=alice.panoptes(),
                           content_type=PANOPTES, json={"allowed_languages": [langs["de"]]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["image_sets"][0]["links"]["allowed_languages"] == [langs["en"], langs["fr"], langs["de"]]
    response = client.delete(nested(cid, sid) + f"/links/allowed_languages/{langs['en']}", headers=alice.panoptes())
    assert response.status_code == 204
    assert language_codes(client, cid, sid, alice) == ["fr", "de"]
    related = client.get(nested(cid, sid) + "/allowed_languages", headers=alice.jsonapi()).get_json()
    assert [r["attributes"]["code"] for r in related["data"]] == ["fr", "de"]
    templated = client.get(f"/api/languages?image_set_id={sid}", headers=alice.panoptes()).get_json()
    assert sorted(r["code"] for r in templated["languages"]) == ["de", "fr"]  # a filtered list: by id
    # JSON:API linkage in an update body replaces
    response = patch_set(client, alice, cid, sid, relationships={
        "allowed_languages": {"data": [{"type": "languages", "id": langs["en"]}]}})
    assert response.status_code == 200, response.get_json()
    assert language_codes(client, cid, sid, alice) == ["en"]
    # an unknown language id: 422 naming it
    response = client.post(rel, headers=alice.jsonapi(), content_type=JSONAPI,
                           json={"data": [{"type": "languages", "id": "999999"}]})
    assert_jsonapi_error(response, 422, contains="999999")


def test_read_only_relations(client, world):
    alice, cid, other = world["alice"], world["cid"], world["other"]
    sid = create_set(client, alice, cid, "A")
    base = nested(cid, sid)
    response = client.patch(base + "/relationships/collection", headers=alice.jsonapi(), content_type=JSONAPI,
                            json={"data": {"type": "collections", "id": other}})
    assert_jsonapi_error(response, 403)
    response = client.post(base + "/links/owner", headers=alice.panoptes(), content_type=PANOPTES,
                           json={"owner": str(world["bob"].id)})
    assert_panoptes_error(response, 403)
    response = client.patch(base + "/relationships/publication", headers=alice.jsonapi(), content_type=JSONAPI,
                            json={"data": None})
    assert_jsonapi_error(response, 403)
    # changed in an update body: a 422 naming each, nothing written
    response = patch_set(client, alice, cid, sid, {"name": "B"}, {
        "collection": {"data": {"type": "collections", "id": other}},
        "owner": {"data": {"type": "users", "id": str(world["bob"].id)}}})
    doc = assert_jsonapi_error(response, 422)
    assert {e["source"]["pointer"] for e in doc["errors"]} == {"/data/relationships/collection/data",
                                                               "/data/relationships/owner/data"}
    # echoed unchanged (as clients do): tolerated
    response = patch_set(client, alice, cid, sid, {"name": "B"}, {
        "collection": {"data": {"type": "collections", "id": cid}},
        "owner": {"data": {"type": "users", "id": str(alice.id)}}})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert data["attributes"]["name"] == "B"
    assert data["relationships"]["collection"]["data"]["id"] == cid
    assert data["relationships"]["owner"]["data"]["id"] == str(alice.id)
    assert client.get(base + "/collection", headers=alice.jsonapi()).get_json()["data"]["id"] == cid
    assert client.get(base + "/owner", headers=alice.jsonapi()).get_json()["data"]["attributes"]["login"] == "alice"


def test_images_languages_publications_endpoints(client, world, people):
    alice, bob, cid = world["alice"], world["bob"], world["cid"]
    mine = make_image(client, alice, name="mine")
    loose = make_image(client, alice, name="loose")
    theirs = make_image(client, bob, name="theirs")
    sid = create_set(client, alice, cid, "A", image_ids=[mine])
    def names(doc):
        return sorted(i["attributes"]["name"] for i in doc["data"])

    assert names(client.get("/api/images", headers=alice.jsonapi()).get_json()) == ["loose", "mine"]
    assert names(client.get("/api/images", headers=bob.jsonapi()).get_json()) == ["theirs"]
    assert client.get("/api/images", headers=anonymous()).get_json()["data"] == []
    assert_jsonapi_error(client.get(f"/api/images/{loose}", headers=bob.jsonapi()), 404)
    # publishing makes the set's images visible to everyone
    assert put_set(client, alice, cid, sid, {"published": True}).status_code == 200
    assert names(client.get("/api/images", headers=anonymous()).get_json()) == ["mine"]
    assert names(client.get("/api/images", headers=bob.jsonapi()).get_json()) == ["mine", "theirs"]
    assert client.get(f"/api/images/{theirs}", headers=bob.panoptes()).get_json()["images"][0]["name"] == "theirs"
    # languages: public, seeded with ISO 639-1, filter[code]
    doc = client.get("/api/languages", headers=anonymous()).get_json()
    assert doc["meta"]["languages"]["count"] >= 184
    en = client.get("/api/languages?filter[code]=en", headers=anonymous()).get_json()["data"]
    assert [(r["attributes"]["code"], r["attributes"]["name"]) for r in en] == [("en", "English")]
    two = client.get("/api/languages?filter[code]=fr,de&sort=code", headers=anonymous()).get_json()["data"]
    assert [r["attributes"]["code"] for r in two] == ["de", "fr"]
    assert client.get("/api/languages?code=ja", headers=anonymous(True)).get_json()["languages"][0]["code"] == "ja"
    assert client.get(f"/api/languages/{en[0]['id']}", headers=anonymous()).status_code == 200
    response = client.post("/api/languages", headers=alice.jsonapi(), content_type=JSONAPI,
                           json=jsonapi_body("languages", {"code": "xx", "name": "X"}))
    assert response.status_code in (403, 405, 422)
    # publications
    pub = show_set(client, cid, sid, alice)["relationships"]["publication"]["data"]["id"]
    shown = client.get(f"/api/publications/{pub}", headers=anonymous()).get_json()["data"]
    assert shown["attributes"]["active"] is True
    assert shown["relationships"]["image_set"]["data"] == {"type": "image_sets", "id": sid}
    (p,) = client.get(f"/api/publications/{pub}", headers=anonymous(True)).get_json()["publications"]
    assert p["active"] is True and p["links"]["image_set"] == sid
    assert client.get(f"/api/collections/{cid}/image-sets/{sid}/publication",
                      headers=anonymous()).get_json()["data"]["id"] == pub


# -- the specification's inputs --------------------------------------------------------------------------

def test_image_ids_add_and_refuse_unknown_or_invisible(client, world):
    alice, bob, cid = world["alice"], world["bob"], world["cid"]
    a, b, c = (make_image(client, alice, uri=f"https://static.example.org/{n}.jpg") for n in "abc")
    bobs = make_image(client, bob)
    sid = create_set(client, alice, cid, "A", image_ids=[a])
    response = patch_set(client, alice, cid, sid, {"image_ids": [b, a, int(c)]})  # numbers too; a kept once
    assert response.status_code == 200, response.get_json()
    assert linkage_ids(response.get_json()["data"], "images") == [a, b, c]
    before = show_set(client, cid, sid, alice)
    # unknown and invisible ids: 422 naming each, nothing changed (not even the name sent with them)
    response = patch_set(client, alice, cid, sid, {"name": "changed", "image_ids": ["999999", bobs]})
    doc = assert_jsonapi_error(response, 422, pointer="/data/attributes/image_ids")
    assert "999999" in json.dumps(doc) and bobs in doc["errors"][0]["detail"]
    assert show_set(client, cid, sid, alice) == before
    response = put_set(client, alice, cid, sid, {"name": "changed", "image_ids": [bobs]})
    assert_panoptes_error(response, 422, contains=bobs)
    assert show_set(client, cid, sid, alice) == before
    # on create: nothing created
    response = create_set(client, alice, cid, "B", image_ids=["999999"], expect=422)
    assert_jsonapi_error(response, 422, pointer="/data/attributes/image_ids", contains="999999")
    assert client.get(nested(cid), headers=alice.jsonapi()).get_json()["meta"]["image_sets"]["count"] == 1
    # ids that are not ids
    for bad in (["abc"], "1", [True], [{"id": a}], [-1]):
        response = patch_set(client, alice, cid, sid, {"image_ids": bad})
        assert_jsonapi_error(response, 422, pointer="/data/attributes/image_ids")
    # Panoptes: image_ids beside the attributes
    response = put_set(client, alice, cid, sid, {"image_ids": [make_image(client, alice)]})
    assert response.status_code == 200
    assert response.get_json()["image_sets"][0]["image_count"] == 4


def test_images_linkage_replaces(client, world):
    alice, cid = world["alice"], world["cid"]
    a, b, c = (make_image(client, alice, uri=f"https://static.example.org/{n}.jpg") for n in "abc")
    sid = create_set(client, alice, cid, "A", image_ids=[a, b])
    response = patch_set(client, alice, cid, sid, relationships={
        "images": {"data": [{"type": "images", "id": c}, {"type": "images", "id": a}]}})
    assert response.status_code == 200, response.get_json()
    assert linkage_ids(response.get_json()["data"], "images") == [c, a]
    response = put_set(client, alice, cid, sid, {"links": {"images": [b]}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["image_sets"][0]["links"]["images"] == [b]
    # linkage on create
    response = client.post(nested(cid), headers=alice.jsonapi(), content_type=JSONAPI, json=jsonapi_body(
        "image_sets", {"name": "L"}, {"images": {"data": [{"type": "images", "id": a}]},
                                      "allowed_languages": {"data": [{"type": "languages", "id": "1"}]}}))
    assert response.status_code == 201, response.get_json()
    assert linkage_ids(response.get_json()["data"], "images") == [a]
    assert linkage_ids(response.get_json()["data"], "allowed_languages") == ["1"]
    # an empty list clears
    response = patch_set(client, alice, cid, sid, relationships={"images": {"data": []}})
    assert response.get_json()["data"]["attributes"]["image_count"] == 0


def test_allowed_languages_codes(client, world):
    alice, cid = world["alice"], world["cid"]
    sid = create_set(client, alice, cid, "A", allowed_languages=["en", "FR", "en"])
    assert language_codes(client, cid, sid, alice) == ["en", "fr"]
    # as codes in an update: replaces
    response = patch_set(client, alice, cid, sid, {"allowed_languages": ["de"]})
    assert response.status_code == 200, response.get_json()
    assert language_codes(client, cid, sid, alice) == ["de"]
    assert put_set(client, alice, cid, sid, {"allowed_languages": ["ja", "de"]}).status_code == 200
    assert language_codes(client, cid, sid, alice) == ["ja", "de"]
    # unknown code: 422 naming it, nothing changed
    response = patch_set(client, alice, cid, sid, {"name": "X", "allowed_languages": ["en", "klingon"]})
    assert_jsonapi_error(response, 422, pointer="/data/attributes/allowed_languages", contains="klingon")
    assert_panoptes_error(put_set(client, alice, cid, sid, {"allowed_languages": ["zz"]}), 422, contains="zz")
    for bad in ("en", [1], [None], {"en": True}):
        assert_jsonapi_error(patch_set(client, alice, cid, sid, {"allowed_languages": bad}), 422,
                             pointer="/data/attributes/allowed_languages")
    assert language_codes(client, cid, sid, alice) == ["ja", "de"]
    assert show_set(client, cid, sid, alice)["attributes"]["name"] == "A"
    response = create_set(client, alice, cid, "B", allowed_languages=["qq"], expect=422)
    assert_jsonapi_error(response, 422, contains="qq")
    # Panoptes links ids
    en = client.get("/api/languages?filter[code]=en", headers=alice.jsonapi()).get_json()["data"][0]["id"]
    assert put_set(client, alice, cid, sid, {"links": {"allowed_languages": [en]}}).status_code == 200
    assert language_codes(client, cid, sid, alice) == ["en"]
    assert patch_set(client, alice, cid, sid, {"allowed_languages": []}).status_code == 200
    assert language_codes(client, cid, sid, alice) == []


def test_publish_unpublish_republish(client, world, people):
    alice, bob, cid = world["alice"], world["bob"], world["cid"]
    sid = create_set(client, alice, cid, "A")
    assert_jsonapi_error(get_set(client, cid, sid, bob), 404)
    response = put_set(client, alice, cid, sid, {"published": True})
    assert response.status_code == 200, response.get_json()
    pub = response.get_json()["image_sets"][0]["links"]["publication"]
    assert pub is not None
    first = client.get(f"/api/publications/{pub}", headers=anonymous()).get_json()["data"]["attributes"]
    assert first["active"] is True and first["created_at"] and first["updated_at"]
    assert get_set(client, cid, sid).status_code == 200  # anonymous reads a published set
    # unpublish: same publication, inactive; the set is private again
    response = patch_set(client, alice, cid, sid, {"published": False})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"]["relationships"]["publication"]["data"]["id"] == pub
    off = client.get(f"/api/publications/{pub}", headers=alice.jsonapi()).get_json()["data"]["attributes"]
    assert off["active"] is False
    assert off["created_at"] == first["created_at"] and off["updated_at"] >= first["updated_at"]
    assert_jsonapi_error(client.get(f"/api/publications/{pub}", headers=anonymous()), 404)
    assert_jsonapi_error(get_set(client, cid, sid), 404)
    assert_jsonapi_error(get_set(client, cid, sid, bob), 404)
    # unpublishing twice changes nothing
    assert patch_set(client, alice, cid, sid, {"published": False}).status_code == 200
    # re-publish: the same id again, active
    response = patch_set(client, alice, cid, sid, {"published": True})
    assert response.get_json()["data"]["relationships"]["publication"]["data"]["id"] == pub
    again = client.get(f"/api/publications/{pub}", headers=anonymous()).get_json()["data"]["attributes"]
    assert again["active"] is True and again["created_at"] == first["created_at"]
    assert again["updated_at"] >= off["updated_at"]
    listed = client.get("/api/publications?filter[active]=true", headers=anonymous()).get_json()["data"]
    assert [p["id"] for p in listed] == [pub]
    # published in a create body (by the creator)
    made = create_set(client, alice, cid, "B", published=True)
    assert show_set(client, cid, made)["relationships"]["publication"]["data"] is not None
    # not a boolean
    assert_jsonapi_error(patch_set(client, alice, cid, sid, {"published": "maybe"}), 422,
                         pointer="/data/attributes/published")


def test_read_only_fields_are_ignored(client, world):
    alice, cid = world["alice"], world["cid"]
    sid = create_set(client, alice, cid, "A")
    before = show_set(client, cid, sid, alice)["attributes"]
    response = patch_set(client, alice, cid, sid, {"name": "B", "thumbnail": "https://evil.example.org/x.jpg",
                                                   "image_count": 99, "policies": ["manage"],
                                                   "created_at": "2000-01-01T00:00:00Z"})
    assert response.status_code == 200, response.get_json()
    attrs = response.get_json()["data"]["attributes"]
    assert attrs["thumbnail"] is None and attrs["image_count"] == 0 and attrs["created_at"] == before["created_at"]
    # a Panoptes client echoing the whole resource back
    (p,) = client.get(nested(cid, sid), headers=alice.panoptes()).get_json()["image_sets"]
    p["description"] = "echoed"
    response = put_set(client, alice, cid, sid, p)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["image_sets"][0]["description"] == "echoed"


# -- derived fields ------------------------------------------------------------------------------------

THUMBNAILS = [
    # (api_version, level, width, expected path after the service URL)
    ("v3", 2, 2000, "/full/600,/0/default.jpg"),
    ("v3", 1, None, "/full/600,/0/default.jpg"),
    ("v3", 2, 600, "/full/max/0/default.jpg"),
    ("v3", 2, 400, "/full/max/0/default.jpg"),
    ("v3", 0, 2000, "/full/max/0/default.jpg"),
    ("v3", None, 2000, "/full/max/0/default.jpg"),
    ("v2", 2, 2000, "/full/600,/0/default.jpg"),
    ("v2", 1, 601, "/full/600,/0/default.jpg"),
    ("v2", 0, 2000, "/full/full/0/default.jpg"),
    ("v2", 2, 300, "/full/full/0/default.jpg"),
    ("v1", 1, 3000, "/full/600,/0/native.jpg"),
    ("v1", 0, 3000, "/full/full/0/native.jpg"),
    ("v1", 1, 100, "/full/full/0/native.jpg"),
]


def test_thumbnails_per_service(app, client, world):
    alice, cid = world["alice"], world["cid"]
    sets = []
    for n, (version, level, width, _path) in enumerate(THUMBNAILS):
        extra = {"width": width, "height": 1000} if width else {}
        image = make_iiif_image(client, alice, f"https://iiif.example.org/{n}", version, **extra)
        set_service_level(app, image, level)
        sets.append(create_set(client, alice, cid, f"S{n}", image_ids=[image]))
    listed = client.get(nested(cid) + "?page_size=100", headers=alice.jsonapi()).get_json()["data"]
    by_id = {r["id"]: r["attributes"]["thumbnail"] for r in listed}
    panoptes = {r["id"]: r["thumbnail"]
                for r in client.get(nested(cid) + "?page_size=100", headers=alice.panoptes()).get_json()["image_sets"]}
    for n, (sid, case) in enumerate(zip(sets, THUMBNAILS)):
        expected = f"https://iiif.example.org/{n}" + case[3]
        assert by_id[sid] == panoptes[sid] == expected, case
        assert show_set(client, cid, sid, alice)["attributes"]["thumbnail"] == expected


def test_thumbnail_first_in_set_order_static_and_empty(app, client, world):
    """The thumbnail follows the set's own order (the order images were linked in), not the images' weight."""
    alice, cid = world["alice"], world["cid"]
    heavy = make_iiif_image(client, alice, "https://iiif.example.org/heavy", weight=5)
    light = make_image(client, alice, uri="https://static.example.org/light.jpg", weight=1)
    lighter = make_iiif_image(client, alice, "https://iiif.example.org/lighter", "v2", weight=0, width=100)
    heavy_url = "https://iiif.example.org/heavy/full/max/0/default.jpg"
    lighter_url = "https://iiif.example.org/lighter/full/full/0/default.jpg"
    sid = create_set(client, alice, cid, "A")
    assert show_set(client, cid, sid, alice)["attributes"]["thumbnail"] is None
    assert show_set(client, cid, sid, alice)["attributes"]["image_count"] == 0
    patch_set(client, alice, cid, sid, {"image_ids": [heavy]})
    assert show_set(client, cid, sid, alice)["attributes"]["thumbnail"] == heavy_url
    patch_set(client, alice, cid, sid, {"image_ids": [light]})  # added later, lighter: still second
    attrs = show_set(client, cid, sid, alice)["attributes"]
    assert attrs["thumbnail"] == heavy_url and attrs["image_count"] == 2
    # the image's weight changes: the set's order does not
    response = client.patch(f"/api/images/{heavy}", headers=alice.jsonapi(), content_type=JSONAPI,
                            json=jsonapi_body("images", {"weight": 99}, id_=heavy))
    assert response.status_code == 200, response.get_json()
    assert show_set(client, cid, sid, alice)["attributes"]["thumbnail"] == heavy_url
    # reorder (JSON:API replace): the new first image gives the thumbnail, in both dialects
    rel = nested(cid, sid) + "/relationships/images"
    response = client.patch(rel, headers=alice.jsonapi(), content_type=JSONAPI,
                            json={"data": [{"type": "images", "id": i} for i in (lighter, heavy, light)]})
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert image_ids_of(client, cid, sid, alice) == [lighter, heavy, light]
    assert show_set(client, cid, sid, alice)["attributes"]["thumbnail"] == lighter_url
    panoptes = client.get(nested(cid, sid), headers=alice.panoptes()).get_json()["image_sets"][0]
    assert panoptes["thumbnail"] == lighter_url
    # remove the first (Panoptes): the next in order takes its place
    response = client.delete(nested(cid, sid) + f"/links/images/{lighter}", headers=alice.panoptes())
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert show_set(client, cid, sid, alice)["attributes"]["thumbnail"] == heavy_url
    client.delete(nested(cid, sid) + f"/links/images/{light},{heavy}", headers=alice.panoptes())
    attrs = show_set(client, cid, sid, alice)["attributes"]
    assert attrs["thumbnail"] is None and attrs["image_count"] == 0


def test_thumbnail_follows_image_ids_order_on_create(client, world):
    """Created with image_ids [4, 1, 8]-like order: the thumbnail is the first listed, in both dialects and
    in lists."""
    alice, cid = world["alice"], world["cid"]
    ids = [make_image(client, alice, uri=f"https://static.example.org/{n}.jpg", weight=n) for n in range(3)]
    order = [ids[2], ids[0], ids[1]]
    for panoptes in (False, True):
        sid = create_set(client, alice, cid, f"Ordered {panoptes}", panoptes=panoptes, image_ids=order)
        assert image_ids_of(client, cid, sid, alice) == order
        assert show_set(client, cid, sid, alice)["attributes"]["thumbnail"] == "https://static.example.org/2.jpg"
    listed = client.get(nested(cid), headers=alice.panoptes()).get_json()["image_sets"]
    assert {r["thumbnail"] for r in listed} == {"https://static.example.org/2.jpg"}


def test_thumbnail_service_url_with_trailing_slash(client, world):
    """A service id sent with a trailing slash is stored without it: no empty path segment in the thumbnail."""
    alice, cid = world["alice"], world["cid"]
    image = make_iiif_image(client, alice, "https://iiif.example.org/slashed/", "v2")
    image_doc = client.get(f"/api/images/{image}", headers=alice.jsonapi()).get_json()["data"]
    assert image_doc["attributes"]["iiif_url"] == "https://iiif.example.org/slashed"
    sid = create_set(client, alice, cid, "A", image_ids=[image])
    assert show_set(client, cid, sid, alice)["attributes"]["thumbnail"] == \
        "https://iiif.example.org/slashed/full/full/0/default.jpg"


def test_images_resource_validation(client, world):
    alice = world["alice"]
    for attributes, pointer in [({"kind": "iiif"}, "iiif_url"), ({"kind": "image"}, "uri"),
                                ({"kind": "video", "uri": "https://x.example.org/v"}, "kind"),
                                ({"kind": "iiif", "iiif_url": "ftp://x.example.org/i"}, "iiif_url"),
                                ({"kind": "iiif", "iiif_url": "https://x.example.org/i", "api_version": "v4"},
                                 "api_version"),
                                ({"uri": "https://x.example.org/i", "weight": -1}, "weight"),
                                ({"uri": "https://x.example.org/i", "metadata": [{"name": "a"}]}, "metadata")]:
        response = client.post("/api/images", headers=alice.jsonapi(), content_type=JSONAPI,
                               json=jsonapi_body("images", attributes))
        assert_jsonapi_error(response, 422)
        assert any(e.get("source", {}).get("pointer", "").startswith(f"/data/attributes/{pointer}")
                   for e in response.get_json()["errors"]), (attributes, response.get_json())
    assert client.get("/api/images", headers=alice.jsonapi()).get_json()["data"] == []
    response = client.post("/api/images", headers=alice.panoptes(), content_type=PANOPTES, json={"images": {
        "kind": "iiif", "iiif_url": "https://iiif.example.org/p", "api_version": "v2", "name": "P",
        "metadata": [{"name": "Date", "value": "1850"}]}})
    assert response.status_code == 201, response.get_json()
    (image,) = response.get_json()["images"]
    assert image["metadata"] == [{"name": "Date", "value": "1850"}] and image["links"]["owner"] == str(alice.id)


# -- statement counts ------------------------------------------------------------------------------------

@pytest.fixture
def many_sets(app, client, people):
    """105 image sets in two collections (one shared with a viewer), 0-3 images each, mixed services,
    languages and publications."""
    alice = people.user("alice")
    viewer = people.user("victor")
    team = people.group("team", alice)
    own = make_collection(client, alice, "Own")
    grouped = make_collection(client, alice, "Grouped", group_id=team)
    grant_role(client, alice, own, viewer, ["viewer"])
    images = []
    for n in range(8):
        if n % 2:
            images.append(make_iiif_image(client, alice, f"https://iiif.example.org/{n}", ("v1", "v2", "v3")[n % 3],
                                          width=300 * n + 100, weight=n % 3))
            set_service_level(app, images[-1], n % 3)
        else:
            images.append(make_image(client, alice, uri=f"https://static.example.org/{n}.jpg", weight=n))
    codes = ["en", "fr", "de", "ja"]
    for i in range(105):
        linked = [images[(i + k) % len(images)] for k in range(i % 4)]
        sid = create_set(client, alice, own if i % 3 else grouped, f"Set {i}", image_ids=linked,
                         allowed_languages=codes[: i % 3])
        if i % 5 == 0:
            assert patch_set(client, alice, own if i % 3 else grouped, sid, {"published": True}).status_code == 200
    return {"alice": alice, "viewer": viewer, "own": own, "grouped": grouped}


def _count(client, url, headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.headers["X-Query-Count"]), response.get_json()


LIST_URLS = ["/api/image_sets?include=images&page_size={n}",
             "/api/image_sets?include=images,allowed_languages,publication,owner,collection&page[size]={n}",
             "/api/collections/{own}/image-sets?include=images&page_size={n}",
             "/api/image_sets?include=images.owner&sort=-name&page_size={n}",
             "/api/images?include=owner&page_size={n}"]


def test_list_statements_do_not_grow_with_page_size(client, many_sets):
    """One seeding, every caller kind and both dialects: page size 1 and 100 run as many statements."""
    for who in ("alice", "viewer", None):
        person = many_sets[who] if who else None
        for panoptes in (False, True):
            headers = (person.panoptes() if panoptes else person.jsonapi()) if person else anonymous(panoptes)
            for template in LIST_URLS:
                url = template.replace("{own}", many_sets["own"])
                one, _doc = _count(client, url.format(n=1), headers)
                hundred, doc = _count(client, url.format(n=100), headers)
                key = "images" if url.startswith("/api/images") else "image_sets"
                rows = doc[key] if panoptes else doc["data"]
                if key == "image_sets" and who is None:
                    assert len(rows) == (14 if "collections/" in url else 21)  # the published ones
                elif key == "image_sets" and who == "alice" and "collections/" not in url:
                    assert len(rows) == 100
                assert rows
                assert one == hundred, (who, panoptes, url, one, hundred)
                assert one <= 20, (who, panoptes, url, one)


# -- ETags and preconditions -----------------------------------------------------------------------------

def test_etags_and_preconditions(client, world):
    alice, cid = world["alice"], world["cid"]
    image = make_image(client, alice)
    sid = create_set(client, alice, cid, "A")
    response = get_set(client, cid, sid, alice)
    etag = response.headers["ETag"]
    assert etag.startswith('"')
    assert client.get(nested(cid, sid), headers=alice.jsonapi(**{"If-None-Match": etag})).status_code == 304
    assert client.get(nested(cid), headers=alice.jsonapi()).headers.get("ETag")
    # a stale If-Match: 412, nothing changed
    assert patch_set(client, alice, cid, sid, {"description": "one"}, headers={"If-Match": etag}).status_code == 200
    response = patch_set(client, alice, cid, sid, {"name": "lost"}, headers={"If-Match": etag})
    assert_jsonapi_error(response, 412, header="If-Match")
    assert_panoptes_error(put_set(client, alice, cid, sid, {"name": "lost"}, if_match=etag), 412)
    assert show_set(client, cid, sid, alice)["attributes"]["name"] == "A"
    # Panoptes PUT without If-Match: 428; JSON:API PATCH without it is fine
    assert_panoptes_error(put_set(client, alice, cid, sid, {"name": "lost"}, if_match=None), 428)
    current = get_set(client, cid, sid, alice, panoptes=True).headers["ETag"]
    assert put_set(client, alice, cid, sid, {"name": "B"}, if_match="W/" + current).status_code == 200
    # a tag read in the other dialect guards a write too
    jsonapi_tag = get_set(client, cid, sid, alice).headers["ETag"]
    assert put_set(client, alice, cid, sid, {"name": "C"}, if_match=jsonapi_tag).status_code == 200
    # link changes give a new version
    before = get_set(client, cid, sid, alice).headers["ETag"]
    client.post(nested(cid, sid) + "/links/images", headers=alice.panoptes(), content_type=PANOPTES,
                json={"images": [image]})
    assert get_set(client, cid, sid, alice).headers["ETag"] != before
    response = client.post(nested(cid, sid) + "/relationships/images", content_type=JSONAPI,
                           headers=alice.jsonapi(**{"If-Match": before}),
                           json={"data": [{"type": "images", "id": image}]})
    assert_jsonapi_error(response, 412)
    # publishing changes the version too
    before = get_set(client, cid, sid, alice).headers["ETag"]
    patch_set(client, alice, cid, sid, {"published": True})
    assert get_set(client, cid, sid, alice).headers["ETag"] != before
    # a stale DELETE
    assert_jsonapi_error(client.delete(nested(cid, sid), headers=alice.jsonapi(**{"If-Match": before})), 412)
    assert get_set(client, cid, sid, alice).status_code == 200


# -- errors in both dialects -----------------------------------------------------------------------------

def test_errors_in_both_dialects(client, world):
    alice, cid = world["alice"], world["cid"]
    sid = create_set(client, alice, cid, "A")
    # missing name
    response = client.post(nested(cid), headers=alice.jsonapi(), content_type=JSONAPI,
                           json=jsonapi_body("image_sets", {"description": "no name"}))
    assert_jsonapi_error(response, 422, pointer="/data/attributes/name")
    response = client.post(nested(cid), headers=alice.panoptes(), content_type=PANOPTES,
                           json={"image_sets": {"description": "no name"}})
    assert_panoptes_error(response, 422, contains="name")
    # unknown attribute, unknown relationship
    response = patch_set(client, alice, cid, sid, {"colour": "red"})
    assert_jsonapi_error(response, 422, pointer="/data/attributes/colour")
    response = patch_set(client, alice, cid, sid, relationships={"tags": {"data": []}})
    assert_jsonapi_error(response, 422, pointer="/data/relationships/tags")
    assert_panoptes_error(put_set(client, alice, cid, sid, {"colour": "red"}), 422, contains="colour")
    # wrong type or id
    response = client.patch(nested(cid, sid), headers=alice.jsonapi(), content_type=JSONAPI,
                            json=jsonapi_body("collections", {"name": "x"}, id_=sid))
    assert_jsonapi_error(response, 409, pointer="/data/type")
    response = client.patch(nested(cid, sid), headers=alice.jsonapi(), content_type=JSONAPI,
                            json=jsonapi_body("image_sets", {"name": "x"}, id_=int(sid) + 1000))
    assert_jsonapi_error(response, 409, pointer="/data/id")
    # wrong value types
    for attributes, name in [({"name": 5}, "name"), ({"name": ""}, "name"), ({"description": ["x"]}, "description")]:
        assert_jsonapi_error(patch_set(client, alice, cid, sid, attributes), 422,
                             pointer=f"/data/attributes/{name}")
    # malformed JSON, no body, wrong media type
    response = client.patch(nested(cid, sid), headers=alice.jsonapi(), content_type=JSONAPI, data="{nope")
    assert_jsonapi_error(response, 400)
    response = client.put(nested(cid, sid), headers=alice.panoptes(**{"If-Match": "*"}), content_type=PANOPTES,
                          data="{nope")
    assert_panoptes_error(response, 400)
    response = client.patch(nested(cid, sid), headers=alice.jsonapi(), content_type="text/plain", data="x")
    assert_jsonapi_error(response, 415)
    # bad query parameters
    assert_jsonapi_error(client.get(nested(cid) + "?include=nope", headers=alice.jsonapi()), 400, parameter="include")
    assert_panoptes_error(client.get(nested(cid) + "?include=nope", headers=alice.panoptes()), 422)
    assert_jsonapi_error(client.get(nested(cid) + "?sort=colour", headers=alice.jsonapi()), 400, parameter="sort")
    assert_jsonapi_error(client.get(nested(cid) + "?filter[colour]=red", headers=alice.jsonapi()), 400)
    # ids that are not ids
    assert_jsonapi_error(client.get(f"/api/collections/{cid}/image-sets/abc", headers=alice.jsonapi()), 404)
    assert_jsonapi_error(client.get("/api/collections/abc/image-sets", headers=alice.jsonapi()), 404)
    # anonymous writes
    response = client.post(nested(cid), headers=anonymous(), content_type=JSONAPI,
                           json=jsonapi_body("image_sets", {"name": "anon"}))
    assert_jsonapi_error(response, 401)
    response = client.put(nested(cid, sid), headers=anonymous(True), content_type=PANOPTES,
                          json={"image_sets": {"name": "anon"}})
    assert_panoptes_error(response, 401)
    assert_panoptes_error(client.delete(nested(cid, sid), headers=anonymous(True)), 401)
    # client-generated ids
    response = client.post(nested(cid), headers=alice.jsonapi(), content_type=JSONAPI,
                           json=jsonapi_body("image_sets", {"name": "mine"}, id_=12345))
    assert_jsonapi_error(response, 403)
    # the Panoptes body key
    response = client.post(nested(cid), headers=alice.panoptes(), content_type=PANOPTES,
                           json={"collections": {"name": "x"}})
    assert_panoptes_error(response, 422)
    assert client.get(nested(cid), headers=alice.jsonapi()).get_json()["meta"]["image_sets"]["count"] == 1


def test_panoptes_document_shape(client, world):
    alice, cid = world["alice"], world["cid"]
    image = make_image(client, alice, name="pic")
    sid = create_set(client, alice, cid, "A", image_ids=[image], allowed_languages=["en"])
    doc = client.get(nested(cid) + "?include=images,allowed_languages,owner", headers=alice.panoptes()).get_json()
    assert set(doc) == {"image_sets", "links", "linked", "meta"}
    assert [i["id"] for i in doc["linked"]["images"]] == [image]
    assert [lang["code"] for lang in doc["linked"]["languages"]] == ["en"]
    assert [u["login"] for u in doc["linked"]["users"]] == ["alice"]
    meta = doc["meta"]["image_sets"]
    assert meta["first_href"].startswith(f"/collections/{cid}/image-sets?") and "include=" in meta["first_href"]
    assert doc["image_sets"][0]["links"]["images"] == [image]
    assert doc["links"]["image_sets.allowed_languages"]["type"] == "languages"
    # the JSON:API dialect's templates and includes
    doc = client.get(nested(cid, sid) + "?include=images,publication", headers=alice.jsonapi()).get_json()
    assert [(r["type"], r["id"]) for r in doc["included"]] == [("images", image)]
    templates = doc["meta"]["link_templates"]["image_sets"]
    assert templates["images"]["href"] == "http://localhost/api/images?image_set_id={image_sets.id}"
