"""IIIF Change Discovery 1.0 (GET /api/iiif/discovery): Create, Update and Delete activities of public image
sets' manifests, newest last, paged, recorded in the transaction of the change; a harvester reading ``last``
then ``prev`` sees every change once, also while writes land between and during its reads."""
import threading
from datetime import datetime

import pytest
import requests

from tests.conftest import JSONAPI, jsonapi_body
from tests.image_sets_helpers import create_set, make_iiif_image, make_image, nested, patch_set
from tests.live_server import live_server  # noqa: F401 - fixture
from tests.writing_helpers import create_collection

PROFILE = 'application/ld+json;profile="http://iiif.io/api/discovery/1/context.json"'
ROOT = "http://localhost/api"
FEED = "/api/iiif/discovery"


def manifest(set_id, root=ROOT):
    return f"{root}/iiif/manifests/{set_id}"


def feed_items(client):
    """Every activity, oldest first, as (type, manifest id), reading the pages forward."""
    doc = client.get(FEED).get_json()
    items, url = [], doc["first"]["id"]
    while url:
        page = client.get(url[len("http://localhost"):]).get_json()
        items += page["orderedItems"]
        url = page.get("next", {}).get("id")
    return [(item["type"], item["object"]["id"]) for item in items]


def publish(client, person, cid, sid, published=True, expect=200):
    response = patch_set(client, person, cid, sid, {"published": published})
    assert response.status_code == expect, response.get_data(as_text=True)


@pytest.fixture
def alice(people):
    return people.user("alice")


@pytest.fixture
def small_pages(app, monkeypatch):
    monkeypatch.setitem(app.config, "IIIF_DISCOVERY_PAGE_SIZE", 3)


def test_an_empty_feed_is_one_empty_page(client):
    response = client.get(FEED, headers={"Origin": "https://harvester.example.org"})
    assert response.status_code == 200 and response.headers["Content-Type"] == PROFILE
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://harvester.example.org")
    doc = response.get_json()
    assert doc == {"@context": "http://iiif.io/api/discovery/1/context.json", "id": ROOT + "/iiif/discovery",
                   "type": "OrderedCollection", "totalItems": 0,
                   "first": {"id": ROOT + "/iiif/discovery/pages/1", "type": "OrderedCollectionPage"},
                   "last": {"id": ROOT + "/iiif/discovery/pages/1", "type": "OrderedCollectionPage"}}
    page = client.get(FEED + "/pages/1").get_json()
    assert page["orderedItems"] == [] and "prev" not in page and "next" not in page
    assert client.get(FEED + "/pages/2").status_code == 404
    assert client.get(FEED, headers={"Accept": "application/json"}).headers["Content-Type"] == "application/json"
    # public: a token, even a bad one, changes nothing
    assert client.get(FEED, headers={"Authorization": "Bearer nonsense"}).get_json() == doc
    etag = response.headers["ETag"]
    assert client.get(FEED, headers={"If-None-Match": etag}).status_code == 304


def test_the_life_of_a_set_in_the_feed(client, people, alice):
    cid = create_collection(client, alice, "Feed")
    first = make_iiif_image(client, alice, base="https://iiif.example.org/a", width=10, height=20)
    second = make_image(client, alice, uri="https://static.example.org/b.jpg")
    sid = create_set(client, alice, cid, "Quiet", image_ids=[first])
    patch_set(client, alice, cid, sid, {"name": "Still private"})
    assert feed_items(client) == []                           # never public: never named
    publish(client, alice, cid, sid)
    assert feed_items(client) == [("Create", manifest(sid))]
    publish(client, alice, cid, sid)                          # publishing again changes nothing
    patch_set(client, alice, cid, sid, {"name": "Still private"})   # the same name: the same manifest
    assert len(feed_items(client)) == 1
    patch_set(client, alice, cid, sid, {"name": "Public now"})
    response = client.post(nested(cid, sid) + "/relationships/images", headers=alice.jsonapi(),
                           content_type=JSONAPI, json={"data": [{"type": "images", "id": second}]})
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    response = client.patch(f"/api/images/{first}", headers=alice.jsonapi(), content_type=JSONAPI,
                            json=jsonapi_body("images", {"width": 11}, id_=first))
    assert response.status_code == 200, response.get_data(as_text=True)
    languages = client.get("/api/languages?filter[code]=fr").get_json()["data"]
    response = client.patch(nested(cid, sid), headers=alice.jsonapi(), content_type=JSONAPI, json=jsonapi_body(
        "image_sets", {}, {"allowed_languages": {"data": [{"type": "languages", "id": languages[0]["id"]}]}},
        id_=sid))
    assert response.status_code == 200
    assert feed_items(client) == [("Create", manifest(sid))] + [("Update", manifest(sid))] * 4
    publish(client, alice, cid, sid, False)                   # private again: it leaves the feed
    publish(client, alice, cid, sid)                          # and comes back
    response = client.delete(f"/api/images/{second}", headers=alice.jsonapi())
    assert response.status_code == 204
    response = client.delete(nested(cid, sid), headers=alice.jsonapi())
    assert response.status_code in (200, 204)
    assert feed_items(client)[5:] == [("Delete", manifest(sid)), ("Update", manifest(sid)),
                                      ("Update", manifest(sid)), ("Delete", manifest(sid))]


def test_a_rolled_back_write_records_nothing(client, people, alice):
    cid = create_collection(client, alice, "Feed")
    image = make_image(client, alice)
    sid = create_set(client, alice, cid, "Public", image_ids=[image])
    publish(client, alice, cid, sid)
    before = feed_items(client)
    # the rename is valid, the image is not: the whole write fails, and no Update is recorded
    response = patch_set(client, alice, cid, sid, {"name": "Renamed", "image_ids": ["999999"]})
    assert response.status_code == 422
    # a rename by someone who may read the set but not change it
    response = patch_set(client, people.user("bob"), cid, sid, {"name": "Bob's now"})
    assert response.status_code == 403
    assert feed_items(client) == before
    assert client.get(f"/api/iiif/manifests/{sid}").get_json()["label"] == {"none": ["Public"]}


def test_deleting_a_collection_deletes_its_public_sets_from_the_feed(client, alice):
    cid = create_collection(client, alice, "Going")
    image = make_image(client, alice)
    public, private = (create_set(client, alice, cid, name, image_ids=[image]) for name in ("Public", "Private"))
    publish(client, alice, cid, public)
    response = client.delete(f"/api/collections/{cid}", headers=alice.jsonapi())
    assert response.status_code == 204, response.get_data(as_text=True)
    assert feed_items(client) == [("Create", manifest(public)), ("Delete", manifest(public))]
    assert private != public


def harvest(get, seen):
    """One harvest: from ``last`` back through ``prev`` until the activities read before; returns the new
    activities oldest first and the new count seen."""
    doc = get(FEED)
    url, new = doc["last"]["id"], []
    while url:
        page = get(url)
        start = page["startIndex"]
        fresh = [item for n, item in enumerate(page["orderedItems"]) if start + n >= seen]
        new = fresh + new
        if start <= seen:
            break
        url = page.get("prev", {}).get("id")
    return new, seen + len(new)


def check_feed_order(items):
    times = [datetime.strptime(item["endTime"], "%Y-%m-%dT%H:%M:%SZ") for item in items]
    assert times == sorted(times)                                   # newest last
    for item in items:
        assert item["endTime"].endswith("Z") and item["object"]["type"] == "Manifest"


def test_a_harvester_between_writes_sees_every_change_once(client, alice, small_pages):
    get = lambda url: client.get(url.replace("http://localhost", "")).get_json()  # noqa: E731
    cid = create_collection(client, alice, "Harvested")
    image = make_image(client, alice)
    harvested, seen, expected = [], 0, []
    for round_ in range(4):
        sid = create_set(client, alice, cid, f"Set {round_}", image_ids=[image])
        publish(client, alice, cid, sid)
        expected.append(("Create", manifest(sid)))
        new, seen = harvest(get, seen)
        harvested += new
        patch_set(client, alice, cid, sid, {"name": f"Set {round_} renamed"})
        expected.append(("Update", manifest(sid)))
        if round_ % 2:
            publish(client, alice, cid, sid, False)
            expected.append(("Delete", manifest(sid)))
        new, seen = harvest(get, seen)
        harvested += new
    new, seen = harvest(get, seen)
    assert new == []
    assert [(item["type"], item["object"]["id"]) for item in harvested] == expected
    assert feed_items(client) == expected
    check_feed_order(harvested)
    doc = get(FEED)
    assert doc["totalItems"] == len(expected) == 10 and doc["last"]["id"].endswith("/pages/4")
    last = get(doc["last"]["id"])
    assert last["prev"]["id"].endswith("/pages/3") and "next" not in last and len(last["orderedItems"]) == 1
    middle = get(last["prev"]["id"])
    assert middle["next"]["id"] == doc["last"]["id"] and len(middle["orderedItems"]) == 3
    assert middle["partOf"] == {"id": ROOT + "/iiif/discovery", "type": "OrderedCollection"}


def test_a_harvester_during_concurrent_writes_sees_every_change_once(app, client, people, live_server,  # noqa: F811
                                                                      small_pages):
    """Writers on three threads (real HTTP, one connection each) while a harvester polls the feed."""
    base = live_server.base_url
    writers = [people.user(f"writer{n}") for n in range(3)]
    plans = []
    for writer in writers:
        cid = create_collection(client, writer, f"{writer.login}'s")
        image = make_image(client, writer)
        sets = [create_set(client, writer, cid, f"{writer.login} {n}", image_ids=[image]) for n in range(2)]
        plans.append((writer, cid, sets))
    errors = []

    def write(writer, cid, sets):
        session = requests.Session()
        headers = {**writer.jsonapi(), "Content-Type": JSONAPI}
        try:
            for sid in sets:
                for attributes in ({"published": True}, {"name": f"{sid} renamed"}, {"published": False},
                                   {"published": True}):
                    body = jsonapi_body("image_sets", attributes, id_=sid)
                    response = session.patch(base + nested(cid, sid), json=body, headers=headers, timeout=20)
                    if response.status_code != 200:
                        errors.append((sid, attributes, response.status_code, response.text))
        except requests.RequestException as error:
            errors.append((sets, repr(error)))
        finally:
            session.close()

    harvested, seen = [], 0
    http = requests.Session()
    get = lambda url: http.get(url if url.startswith("http") else base + url, timeout=20).json()  # noqa: E731
    threads = [threading.Thread(target=write, args=plan) for plan in plans]
    for thread in threads:
        thread.start()
    watcher = threading.Thread(target=lambda: [t.join() for t in threads] and None)
    watcher.start()
    rounds = 0
    while watcher.is_alive() and rounds < 200:  # bounded: the writers finish in a few seconds
        new, seen = harvest(get, seen)
        harvested += new
        rounds += 1
    watcher.join(60)
    new, seen = harvest(get, seen)
    harvested += new
    http.close()
    assert errors == []
    listed = [(kind, url.split("/api", 1)[1]) for kind, url in feed_items(client)]
    assert [(item["type"], item["object"]["id"].split("/api", 1)[1]) for item in harvested] == listed
    check_feed_order(harvested)
    assert len(listed) == 3 * 2 * 4
    for _writer, _cid, sets in plans:
        for sid in sets:
            mine = [kind for kind, path in listed if path == f"/iiif/manifests/{sid}"]
            assert mine == ["Create", "Update", "Delete", "Update"], (sid, mine)
