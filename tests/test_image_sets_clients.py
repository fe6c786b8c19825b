"""The real npm clients (panoptes-client 5.6.2, kitsu 11.1.0) through the Image sets family (API §7.2),
run by Node against the live server on loopback (tests/live_server.py). Every JSON:API-dialect response is
validated on the way out; the tests assert on what the clients themselves returned."""
import json

from tests.conftest import JSONAPI, PANOPTES
from tests.image_sets_helpers import (
    create_set,
    image_ids_of,
    make_iiif_image,
    make_image,
    nested,
    show_set,
)
from tests.live_server import live_server  # noqa: F401 - fixture
from tests.reading_seed import make_collection
from tests.test_real_clients import exchanges, needs_node, run_node


@needs_node
def test_panoptes_client_image_sets(app, client, people, live_server):  # noqa: F811
    alice = people.user("alice")
    cid = make_collection(client, alice, "Flowers")
    other = make_collection(client, alice, "Trees")
    first_image = make_iiif_image(client, alice, "https://iiif.example.org/a", "v2", weight=0)
    second_image = make_image(client, alice, uri="https://static.example.org/b.jpg", weight=1)
    spare = make_image(client, alice, uri="https://static.example.org/spare.jpg")
    first = create_set(client, alice, cid, "A set", image_ids=[first_image, second_image])
    second = create_set(client, alice, cid, "B set")
    create_set(client, alice, other, "Elsewhere")

    out = run_node("image_sets_panoptes.js", {"API_BASE": live_server.base_url, "API_TOKEN": alice.token,
                                              "COLLECTION_ID": cid, "IMAGE_ID": spare})

    # 1. api.type('image_sets').get({collection_id, include: 'images'})
    assert [s["id"] for s in out["listed"]] == [first, second]
    listed = out["listed"][0]
    assert listed["href"] == f"/collections/{cid}/image-sets/{first}"
    assert listed["images"] == [first_image, second_image] and listed["collection"] == cid
    assert listed["image_count"] == 2
    assert listed["thumbnail"] == "https://iiif.example.org/a/full/full/0/default.jpg"
    assert listed["policies"] == ["access", "write", "manage", "delete"]
    assert out["listed"][1]["thumbnail"] is None and out["listed"][1]["images"] == []
    assert out["listed_meta"]["count"] == 2 and out["listed_meta"]["include"] == ["images"]
    assert out["linked_image_ids"] == sorted([first_image, second_image])
    assert out["templates"]["images"] == {"href": "/images?image_set_id={image_sets.id}", "type": "images"}
    # 2. the same list through the collection's nested URL
    assert [s["id"] for s in out["nested"]] == [first, second]
    assert out["nested_meta"]["first_href"].startswith(f"/collections/{cid}/image-sets?")
    # 3. following get('images') and get('collection')
    assert [i["id"] for i in out["followed_images"]] == [first_image, second_image]
    assert out["followed_images"][0] == {"id": first_image, "kind": "iiif", "iiif_url": "https://iiif.example.org/a",
                                         "uri": None, "weight": 0}
    assert out["followed_collection"] == {"id": cid, "display_name": "Flowers"}
    # 4. update().save(): GET for the ETag, then PUT with If-Match to the nested href
    assert out["after_update"]["name"] == "Renamed by panoptes"
    assert out["after_update"]["description"] == "changed from node"
    puts = exchanges(live_server, "PUT", f"/api/collections/{cid}/image-sets/{first}")
    assert [e.status for e in puts] == [200] and puts[0].if_match
    assert json.loads(puts[0].request_body) == {"http_cache": True, "image_sets": {
        "name": "Renamed by panoptes", "description": "changed from node"}}
    # 5. addLink / removeLink on the nested /links/images
    assert out["after_add"]["images"] == [first_image, second_image, spare]
    assert out["after_add"]["image_count"] == 3
    assert out["after_remove"]["images"] == [first_image, second_image]
    removal = exchanges(live_server, "DELETE", f"/collections/{cid}/image-sets/{first}/links/images/")
    assert [e.status for e in removal] == [204]
    # 6. show through the href, and a 404 the client can read
    assert out["shown"]["name"] == "Renamed by panoptes"
    assert out["missing"]["status"] == 404 and out["missing"]["error"]

    assert all(e.accept == PANOPTES for e in live_server.exchanges)
    assert [e for e in live_server.exchanges if e.status != 204 and e.headers.get("content-type") != PANOPTES] == []
    assert show_set(client, cid, first, alice)["attributes"]["name"] == "Renamed by panoptes"
    assert image_ids_of(client, cid, first, alice) == [first_image, second_image]
    assert client.get(f"/api/images/{spare}", headers=alice.jsonapi()).status_code == 200
    assert live_server.failures == []


@needs_node
def test_kitsu_image_sets(app, client, people, live_server):  # noqa: F811
    alice = people.user("alice")
    cid = make_collection(client, alice, "Flowers")
    i1 = make_image(client, alice, uri="https://static.example.org/1.jpg", weight=1)
    i2 = make_iiif_image(client, alice, "https://iiif.example.org/2", "v3", weight=2)
    i3 = make_image(client, alice, uri="https://static.example.org/3.jpg", weight=3)

    out = run_node("image_sets_kitsu.js", {"API_BASE": live_server.base_url, "API_TOKEN": alice.token,
                                           "COLLECTION_ID": cid, "IMAGE_IDS": f"{i1},{i2},{i3}"})

    created = out["created"]
    sid = created["id"]
    assert created["status"] == 201 and created["type"] == "image_sets"
    assert created["name"] == "Kitsu Set"
    assert created["images"] == [i2, i1, i3]  # linkage in the order sent, then image_ids added
    assert created["image_count"] == 3
    assert created["thumbnail"] == "https://iiif.example.org/2/full/max/0/default.jpg"  # first in the set
    assert created["policies"] == ["access", "write", "manage", "delete"]
    assert created["location"] == created["self"] == f"{live_server.base_url}/api/collections/{cid}/image-sets/{sid}"

    shown = out["shown"]
    assert shown["status"] == 200 and shown["name"] == "Kitsu Set"
    assert [i["id"] for i in shown["images"]] == [i2, i1, i3]
    assert shown["images"][0] == {"id": i2, "type": "images", "uri": None, "kind": "iiif"}
    assert shown["languages"] == ["en", "fr"]
    assert shown["owner"] == "alice" and shown["collection"] == cid
    assert shown["etag"]

    assert out["listed"] == {"status": 200, "names": ["Kitsu Set"], "count": 1}
    assert out["related"] == [i2, i1, i3]

    assert out["patched"] == {"status": 200, "name": "Kitsu Renamed", "images": [i3]}

    unknown = out["unknown_image"]
    assert unknown["status"] == 422
    assert unknown["errors"][0]["source"]["pointer"] == "/data/attributes/image_ids"
    assert "999999999" in unknown["errors"][0]["detail"]
    assert out["stale"]["status"] == 412
    # kitsu.post() takes the type from the URL's last segment: "image-sets" is not this endpoint's type
    assert out["post_by_path"]["status"] == 409
    assert out["post_by_path"]["errors"][0]["source"]["pointer"] == "/data/type"

    assert out["deleted"]["status"] == 204 and out["deleted"].get("id") is None  # no body
    assert out["after_delete"]["status"] == 404

    assert all(e.accept == JSONAPI for e in live_server.exchanges)
    assert all(e.headers.get("content-type") == JSONAPI for e in live_server.exchanges if e.status != 204)
    posts = exchanges(live_server, "POST", f"/api/collections/{cid}/image-sets")
    assert json.loads(posts[0].request_body)["data"]["type"] == "image_sets"
    assert client.get(nested(cid, sid), headers=alice.jsonapi()).status_code == 404
    for image in (i1, i2, i3):
        assert client.get(f"/api/images/{image}", headers=alice.jsonapi()).status_code == 200
    assert live_server.failures == []
