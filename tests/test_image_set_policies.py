"""The §7.2 rights matrix for image sets, through HTTP in both dialects, and the `policies` lists.

An image set's creator has access, write, manage, delete; the collection's owners (a user, a member of
an owning group, a holder of the `owner` collection role) access, write, delete; every other collection
role access; anyone else nothing (404), unless the set is published: then anyone reads it, with
`policies: []`. Only the creator (or an admin) publishes. 404 when invisible, 403 when visible but not
allowed, 401 for anonymous writes; a refused request changes nothing.
"""
from dataclasses import dataclass

import pytest

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.image_sets_helpers import create_set, make_image, nested
from tests.reading_seed import grant_role, make_collection
from tests.writing_helpers import (
    assert_jsonapi_error,
    assert_panoptes_error,
    passwordless_user,
)

CALLERS = ["creator", "owner", "member", "owner_role", "collaborator", "contributor", "viewer", "stranger",
           "anonymous", "admin"]
ALL = ["access", "write", "manage", "delete"]
OWNERS = ["access", "write", "delete"]
SET_POLICIES = {
    "creator": ALL, "admin": ALL,
    "owner": OWNERS, "member": OWNERS, "owner_role": OWNERS,
    "collaborator": ["access"], "contributor": ["access"], "viewer": ["access"],
    "stranger": [], "anonymous": [],
}
COLLECTION_POLICIES = {
    "owner": ALL, "member": ALL, "owner_role": ALL, "admin": ALL,
    "collaborator": ["access", "write"],
    "contributor": ["access"], "viewer": ["access"], "creator": ["access"],
    "stranger": [], "anonymous": [],
}
NEEDS = {"list": "access", "show": "access", "update": "write", "delete": "delete", "publish": "manage",
         "add_images": "write", "remove_images": "write"}
SUCCESS = {"list": 200, "show": 200, "update": 200, "delete": 200, "publish": 200, "add_images": 200,
           "remove_images": 204}


def sees(caller, published):
    return published or caller not in ("stranger", "anonymous")


def expected_status(caller, action, published, panoptes):
    if NEEDS[action] in SET_POLICIES[caller] or (action in ("list", "show") and sees(caller, published)):
        if action in ("add_images", "remove_images", "delete") and not panoptes:
            return 204
        return SUCCESS[action]
    if caller == "anonymous" and action not in ("list", "show"):
        return 401
    return 404 if not sees(caller, published) else 403


@dataclass
class World:
    people: dict
    collection: str        # owned by the user "owner"; the creator holds a contributor role on it
    group_collection: str  # owned by a group whose plain member is people["member"]
    private: bool

    def target(self, caller):
        return self.group_collection if caller == "member" else self.collection

    def person(self, caller):
        return self.people.get(caller)


def build_world(app, client, people, private):
    def user(login, admin=False):
        return passwordless_user(app, login, admin)

    found = {name: user(name) for name in CALLERS if name != "anonymous" and name != "admin"}
    found["admin"] = user("admin", admin=True)
    gwen = user("gwen")
    team = people.group("team", gwen, found["member"])
    collection = make_collection(client, found["owner"], "Owned", private=private)
    group_collection = make_collection(client, gwen, "Grouped", private=private, group_id=team)
    for caller, roles in [("owner_role", ["owner"]), ("collaborator", ["collaborator"]),
                          ("contributor", ["contributor"]), ("viewer", ["viewer"]), ("creator", ["contributor"])]:
        grant_role(client, found["owner"], collection, found[caller], roles)
    grant_role(client, gwen, group_collection, found["creator"], ["contributor"])
    return World(found, collection, group_collection, private)


def headers_for(person, panoptes, **extra):
    if person is None:
        return {"Accept": PANOPTES if panoptes else JSONAPI, **extra}
    return person.panoptes(**extra) if panoptes else person.jsonapi(**extra)


def make_target(client, world, caller, published=False):
    """A fresh image set made by the creator in the caller's target collection, holding one image."""
    creator = world.people["creator"]
    image = make_image(client, creator, uri="https://static.example.org/held.jpg")
    cid = world.target(caller)
    sid = create_set(client, creator, cid, "Target", image_ids=[image])
    if published:
        response = client.patch(nested(cid, sid), headers=creator.jsonapi(), content_type=JSONAPI,
                                json=jsonapi_body("image_sets", {"published": True}, id_=sid))
        assert response.status_code == 200, response.get_json()
    return cid, sid, image


def state(client, world, cid, sid):
    """What a refused request must not change, read by an admin."""
    response = client.get(nested(cid, sid), headers=world.people["admin"].jsonapi())
    if response.status_code == 404:
        return None
    data = response.get_json()["data"]
    return (data["attributes"]["name"], data["attributes"]["updated_at"],
            [i["id"] for i in data["relationships"]["images"]["data"]],
            data["relationships"]["publication"]["data"])


def publication_active(client, world, cid, sid):
    data = client.get(nested(cid, sid) + "/publication", headers=world.people["admin"].jsonapi()).get_json()["data"]
    return None if data is None else data["attributes"]["active"]


def perform(client, world, caller, action, cid, sid, image, panoptes):
    person = world.person(caller)
    path = nested(cid, sid)
    if action == "list":
        return client.get(nested(cid), headers=headers_for(person, panoptes))
    if action == "show":
        return client.get(path, headers=headers_for(person, panoptes))
    if_match = {"If-Match": "*"} if panoptes else {}
    if action in ("update", "publish"):
        fields = {"name": "Changed"} if action == "update" else {"published": True}
        if panoptes:
            return client.put(path, headers=headers_for(person, True, **if_match), content_type=PANOPTES,
                              json={"image_sets": fields})
        return client.patch(path, headers=headers_for(person, False), content_type=JSONAPI,
                            json=jsonapi_body("image_sets", fields, id_=sid))
    if action == "delete":
        return client.delete(path, headers=headers_for(person, panoptes, **if_match))
    if action == "add_images":
        if person is None:
            new = image
        else:
            new = make_image(client, person, uri=f"https://static.example.org/{caller}.jpg")
        if panoptes:
            return client.post(path + "/links/images", headers=headers_for(person, True), content_type=PANOPTES,
                               json={"images": [new]})
        return client.post(path + "/relationships/images", headers=headers_for(person, False), content_type=JSONAPI,
                           json={"data": [{"type": "images", "id": new}]})
    if action == "remove_images":
        if panoptes:
            return client.delete(path + f"/links/images/{image}", headers=headers_for(person, True))
        return client.delete(path + "/relationships/images", headers=headers_for(person, False), content_type=JSONAPI,
                             json={"data": [{"type": "images", "id": image}]})
    raise AssertionError(action)


def check_effect(client, world, caller, action, cid, sid, image, response, before):
    after = state(client, world, cid, sid)
    if response.status_code >= 400 or action in ("list", "show"):
        assert after == before, (caller, action)
        return
    if action == "update":
        assert after[0] == "Changed"
    elif action == "delete":
        assert after is None
    elif action == "publish":
        assert publication_active(client, world, cid, sid) is True
    elif action == "add_images":
        assert len(after[2]) == 2 and image in after[2]
    elif action == "remove_images":
        assert after[2] == []
        assert client.get(f"/api/images/{image}", headers=world.people["creator"].jsonapi()).status_code == 200


@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
@pytest.mark.parametrize("published", [False, True], ids=["unpublished", "published"])
@pytest.mark.parametrize("private", [False, True], ids=["public_collection", "private_collection"])
@pytest.mark.parametrize("action", list(NEEDS))
def test_image_set_rights(app, client, people, action, private, published, panoptes):
    world = build_world(app, client, people, private)
    failures = []
    # every caller on a public collection's unpublished set; elsewhere only the callers the variant changes
    callers = CALLERS if not (private or published) else ["creator", "owner", "viewer", "stranger", "anonymous"]
    reads = action in ("list", "show")
    targets = {}  # reads change nothing: one target per collection serves every caller
    for caller in callers:
        if not reads or world.target(caller) not in targets:
            targets[world.target(caller)] = make_target(client, world, caller, published)
        cid, sid, image = targets[world.target(caller)]
        before = None if reads else state(client, world, cid, sid)
        response = perform(client, world, caller, action, cid, sid, image, panoptes)
        want = expected_status(caller, action, published, panoptes)
        if action == "list" and caller in ("stranger", "anonymous"):
            # a private collection's list is 404 to them (published sets in it or not); a public
            # collection's list shows them only published sets
            want = 404 if private else 200
        if response.status_code != want:
            failures.append((caller, response.status_code, want, response.get_data(as_text=True)[:300]))
            continue
        if want >= 400:
            if panoptes:
                assert_panoptes_error(response, want)
            else:
                assert_jsonapi_error(response, want)
        elif action == "list":
            doc = response.get_json()
            ids = [r["id"] for r in (doc["image_sets"] if panoptes else doc["data"])]
            assert (sid in ids) == sees(caller, published), (caller, ids)
        if not reads:
            check_effect(client, world, caller, action, cid, sid, image, response, before)
    assert failures == [], failures


@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
@pytest.mark.parametrize("published", [False, True], ids=["unpublished", "published"])
def test_policies_lists(app, client, people, published, panoptes):
    """`policies` on image sets (show and list agree) and on collections, for every caller."""
    world = build_world(app, client, people, private=False)
    for caller in CALLERS:
        cid, sid, _image = make_target(client, world, caller, published)
        headers = headers_for(world.person(caller), panoptes)
        shown = client.get(nested(cid, sid), headers=headers)
        listed = client.get(nested(cid), headers=headers)
        assert listed.status_code == 200
        if panoptes:
            in_list = [r for r in listed.get_json()["image_sets"] if r["id"] == sid]
        else:
            in_list = [r["attributes"] for r in listed.get_json()["data"] if r["id"] == sid]
        if not sees(caller, published):
            assert shown.status_code == 404 and in_list == [], caller
        else:
            assert shown.status_code == 200, (caller, shown.get_json())
            doc = shown.get_json()
            policies = doc["image_sets"][0]["policies"] if panoptes else doc["data"]["attributes"]["policies"]
            assert policies == SET_POLICIES[caller], (caller, "show", policies)
            assert [r["policies"] for r in in_list] == [SET_POLICIES[caller]], (caller, "list", in_list)
        collection = client.get(f"/api/collections/{cid}", headers=headers).get_json()
        got = collection["collections"][0]["policies"] if panoptes else collection["data"]["attributes"]["policies"]
        assert got == COLLECTION_POLICIES[caller], (caller, "collection", got)
    # the creator's own view of a set they made in a collection they only contribute to
    creator = world.people["creator"]
    listed = client.get(f"/api/collections?filter[id]={world.collection}", headers=creator.jsonapi()).get_json()
    assert listed["data"][0]["attributes"]["policies"] == ["access"]


@pytest.mark.parametrize("private", [False, True], ids=["public_collection", "private_collection"])
def test_who_creates_image_sets(app, client, people, private):
    world = build_world(app, client, people, private)
    for caller in CALLERS:
        person = world.person(caller)
        cid = world.target(caller)
        for panoptes in (False, True):
            body = ({"image_sets": {"name": f"By {caller}"}} if panoptes
                    else jsonapi_body("image_sets", {"name": f"By {caller}"}))
            response = client.post(nested(cid), headers=headers_for(person, panoptes),
                                   content_type=PANOPTES if panoptes else JSONAPI, json=body)
            if caller == "anonymous":
                want = 401
            elif caller == "stranger":
                want = 404 if private else 403
            else:
                want = 201
            assert response.status_code == want, (caller, panoptes, response.get_data(as_text=True))
            if want == 201:
                doc = response.get_json()
                made = doc["image_sets"][0] if panoptes else doc["data"]["attributes"]
                assert made["policies"] == ALL, (caller, made["policies"])  # the creator has all four
            elif panoptes:
                assert_panoptes_error(response, want)
            else:
                assert_jsonapi_error(response, want)
    for cid in (world.collection, world.group_collection):
        names = [r["attributes"]["name"] for r in
                 client.get(nested(cid), headers=world.people["admin"].jsonapi()).get_json()["data"]]
        assert "By stranger" not in names and "By anonymous" not in names


def test_publish_refused_changes_nothing(app, client, people):
    """The collection owner may edit but not publish: a body with both is refused as a whole."""
    world = build_world(app, client, people, private=False)
    cid, sid, _image = make_target(client, world, "owner")
    owner = world.people["owner"]
    before = state(client, world, cid, sid)
    response = client.patch(nested(cid, sid), headers=owner.jsonapi(), content_type=JSONAPI,
                            json=jsonapi_body("image_sets", {"name": "Renamed", "published": True}, id_=sid))
    assert_jsonapi_error(response, 403)
    assert state(client, world, cid, sid) == before
    assert publication_active(client, world, cid, sid) is None


@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
def test_the_collection_owner_may_unpublish_any_image_set_in_it(app, client, people, panoptes):
    """An extension of §7.2: the collection's owners may take down a set its creator published, not publish."""
    world = build_world(app, client, people, private=False)
    cid, sid, _image = make_target(client, world, "owner")
    owner, creator, collaborator = (world.people[k] for k in ("owner", "creator", "collaborator"))
    client.patch(nested(cid, sid), headers=creator.jsonapi(), content_type=JSONAPI,
                 json=jsonapi_body("image_sets", {"published": True}, id_=sid))
    assert publication_active(client, world, cid, sid) is True

    def unpublish(person):
        if panoptes:
            return client.put(nested(cid, sid), headers=person.panoptes(**{"If-Match": "*"}),
                              content_type=PANOPTES, json={"image_sets": {"published": False}})
        return client.patch(nested(cid, sid), headers=person.jsonapi(), content_type=JSONAPI,
                            json=jsonapi_body("image_sets", {"published": False}, id_=sid))

    refused = unpublish(collaborator)
    (assert_panoptes_error if panoptes else assert_jsonapi_error)(refused, 403)
    assert publication_active(client, world, cid, sid) is True
    assert unpublish(owner).status_code == 200
    assert publication_active(client, world, cid, sid) is False


def test_a_creator_keeps_rights_only_while_sharing_the_collection(app, client, people):
    """Once the creator's role on a private collection is gone, the set they made there is neither theirs
    to edit or publish nor visible to them (unless published); the owner keeps theirs."""
    world = build_world(app, client, people, private=True)
    cid, sid, _image = make_target(client, world, "owner")
    creator, owner = world.people["creator"], world.people["owner"]
    assert client.get(nested(cid, sid), headers=creator.jsonapi()).get_json()["data"]["attributes"][
        "policies"] == ALL
    found = client.get(f"/api/collection_roles?filter[collection_id]={cid}&filter[user_id]={creator.id}",
                       headers=owner.jsonapi()).get_json()["data"]
    role_id = found[0]["id"]
    assert client.delete(f"/api/collection_roles/{role_id}", headers=owner.jsonapi()).status_code == 204
    assert_jsonapi_error(client.get(nested(cid, sid), headers=creator.jsonapi()), 404)
    refused = client.patch(nested(cid, sid), headers=creator.jsonapi(), content_type=JSONAPI,
                           json=jsonapi_body("image_sets", {"published": True}, id_=sid))
    assert_jsonapi_error(refused, 404)
    assert publication_active(client, world, cid, sid) is None
    shown = client.get(nested(cid, sid), headers=owner.jsonapi()).get_json()["data"]["attributes"]["policies"]
    assert shown == ["access", "write", "delete"]


def test_images_visibility_follows_sets(app, client, people):
    """Images are seen by their creator and by whoever sees a set holding them."""
    world = build_world(app, client, people, private=True)
    cid, sid, image = make_target(client, world, "viewer")
    loose = make_image(client, world.people["creator"], uri="https://static.example.org/loose.jpg")
    for caller in CALLERS:
        person = world.person(caller)
        headers = headers_for(person, False)
        held = client.get(f"/api/images/{image}", headers=headers).status_code
        alone = client.get(f"/api/images/{loose}", headers=headers).status_code
        sees_set = caller not in ("stranger", "anonymous", "member")  # member: another collection
        assert held == (200 if sees_set else 404), caller
        assert alone == (200 if caller in ("creator", "admin") else 404), caller
        related = client.get(nested(cid, sid) + "/images", headers=headers)
        assert related.status_code == (200 if sees_set else 404), caller
    # images are changed only by their creator (or an admin): 403 to those who merely see them
    viewer = world.people["viewer"]
    response = client.patch(f"/api/images/{image}", headers=viewer.jsonapi(), content_type=JSONAPI,
                            json=jsonapi_body("images", {"name": "mine now"}, id_=image))
    assert_jsonapi_error(response, 403)
    assert_jsonapi_error(client.delete(f"/api/images/{image}", headers=viewer.jsonapi()), 403)
    assert_jsonapi_error(client.delete(f"/api/images/{image}", headers=world.people["stranger"].jsonapi()), 404)
    response = client.patch(f"/api/images/{image}", headers=world.people["creator"].jsonapi(), content_type=JSONAPI,
                            json=jsonapi_body("images", {"name": "renamed"}, id_=image))
    assert response.status_code == 200 and response.get_json()["data"]["attributes"]["name"] == "renamed"
    # an image the caller cannot see cannot be added by id
    viewer_image = make_image(client, world.people["viewer"], uri="https://static.example.org/v.jpg")
    creator = world.people["creator"]
    response = client.patch(nested(cid, sid), headers=creator.jsonapi(), content_type=JSONAPI,
                            json=jsonapi_body("image_sets", {"image_ids": [viewer_image]}, id_=sid))
    assert_jsonapi_error(response, 422, contains=viewer_image)
    response = client.post(nested(cid, sid) + "/links/images", headers=creator.panoptes(), content_type=PANOPTES,
                           json={"images": [viewer_image]})
    assert_panoptes_error(response, 422, contains=viewer_image)
    assert [i["id"] for i in client.get(nested(cid, sid) + "/relationships/images",
                                        headers=creator.jsonapi()).get_json()["data"]] == [image]
