"""Collections' read-only ``slug`` (<owner login or group name>/<name>) and its list filter."""
import json

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.writing_helpers import assert_jsonapi_error, create_collection


def slug_of(client, cid, person):
    return client.get(f"/api/collections/{cid}", headers=person.jsonapi()).get_json()["data"]["attributes"]["slug"]


def test_slug_follows_owner_and_name_and_is_read_only(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Spring flowers")
    assert slug_of(client, cid, alice) == "alice/spring_flowers"
    panoptes = client.get(f"/api/collections/{cid}", headers=alice.panoptes()).get_json()
    assert panoptes["collections"][0]["slug"] == "alice/spring_flowers"
    # renaming the collection and the owner's login keep it current
    body = jsonapi_body("collections", {"name": "bloomers"}, id_=cid)
    assert client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                        content_type=JSONAPI).status_code == 200
    body = jsonapi_body("users", {"login": "alice2"}, id_=alice.id)
    assert client.patch(f"/api/users/{alice.id}", headers=alice.jsonapi(), data=json.dumps(body),
                        content_type=JSONAPI).status_code == 200
    assert slug_of(client, cid, alice) == "alice2/bloomers"
    # sent back unchanged or changed, it is ignored like every read-only attribute
    body = jsonapi_body("collections", {"slug": "someone/else"}, id_=cid)
    client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body), content_type=JSONAPI)
    assert slug_of(client, cid, alice) == "alice2/bloomers"


def test_group_owned_collections_use_the_group_name(client, people):
    alice = people.user("alice")
    group = people.group("gardeners", alice)
    cid = create_collection(client, alice, "Plans", owner=("user_groups", str(group)))
    assert slug_of(client, cid, alice) == "gardeners/plans"


def test_slug_filter_in_both_dialects(client, people):
    alice, bob = people.user("alice"), people.user("bob")
    mine = create_collection(client, alice, "Spring flowers")
    create_collection(client, bob, "Spring flowers")
    other = create_collection(client, alice, "Autumn")
    for query in ("filter[slug]=alice/spring_flowers", "filter[slug]=ALICE/Spring_Flowers"):
        data = client.get(f"/api/collections?{query}", headers={"Accept": JSONAPI}).get_json()["data"]
        assert [d["id"] for d in data] == [mine]
    for query in ("slug=alice/spring_flowers", "filter[slug]=alice/spring_flowers"):
        rows = client.get(f"/api/collections?{query}", headers={"Accept": PANOPTES}).get_json()["collections"]
        assert [c["id"] for c in rows] == [mine]
    rows = client.get("/api/collections?slug=alice/spring_flowers,alice/autumn",
                      headers={"Accept": PANOPTES}).get_json()["collections"]
    assert sorted(c["id"] for c in rows) == sorted([mine, other])
    for query in ("filter[slug]=alice", "filter[slug]=nobody/spring_flowers"):
        assert client.get(f"/api/collections?{query}", headers={"Accept": JSONAPI}).get_json()["data"] == []
    # the bare form belongs to the Panoptes dialect
    assert_jsonapi_error(client.get("/api/collections?slug=alice/autumn", headers={"Accept": JSONAPI}), 400,
                         parameter="slug")
