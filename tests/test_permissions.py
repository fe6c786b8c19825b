"""The §7.1 rights matrix for collections and collection roles, through HTTP in both dialects.

404 when the collection is invisible to the caller, 403 when visible but not allowed, 401 for
anonymous writes; a refused request changes nothing.
"""
import json
from dataclasses import dataclass

import pytest

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.writing_helpers import (assert_jsonapi_error, assert_panoptes_error, create_collection, create_subject,
                                   passwordless_user, read, read_collection, subject_ids)

CALLERS = ["anonymous", "stranger", "viewer", "contributor", "collaborator", "owner", "member", "admin"]
ROLE_OF = {"viewer": ["viewer"], "contributor": ["contributor"], "collaborator": ["collaborator"]}
EDIT = {"read", "update", "delete", "link", "unlink"}
RIGHTS = {
    "anonymous": set(),
    "stranger": set(),
    "viewer": {"read"},
    "contributor": {"read", "link"},
    "collaborator": EDIT,
    "owner": EDIT | {"roles"},
    "member": EDIT | {"roles"},
    "admin": EDIT | {"roles"},
}


def visible(caller, private):
    return not private or caller not in ("anonymous", "stranger")


def allowed(caller, action, private):
    if action == "read":
        return visible(caller, private)
    return action in RIGHTS[caller]


def expected_status(caller, action, private, success):
    if allowed(caller, action, private):
        return success
    if caller == "anonymous" and action != "read":
        return 401
    return 404 if not visible(caller, private) else 403


@dataclass
class World:
    owner: object
    people: dict
    collection: str          # owned by the user "owner"
    group_collection: str    # owned by a group whose plain member is people["member"]
    linked: str              # a subject linked to both collections
    spare: str               # a subject linked to neither
    roles: dict              # caller → collection_roles id on ``collection``
    outsider: object         # a user with no role yet (for role creation)

    def target(self, caller):
        return self.group_collection if caller == "member" else self.collection

    def person(self, caller):
        return self.people.get(caller)


def add_role(client, owner, collection_id, user, roles):
    body = jsonapi_body("collection_roles", {"roles": roles},
                        {"collection": {"data": {"type": "collections", "id": collection_id}},
                         "user": {"data": {"type": "users", "id": str(user.id)}}})
    response = client.post("/api/collection_roles", headers=owner.jsonapi(), data=json.dumps(body),
                           content_type=JSONAPI)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def build_world(app, client, people, private):
    def user(login, admin=False):
        return passwordless_user(app, login, admin)

    owner = user("olive")
    group_admin = user("gail")
    persons = {"owner": owner, "admin": user("adam", admin=True), "stranger": user("stan"), "member": user("mike")}
    for caller in ROLE_OF:
        persons[caller] = user(caller)
    group = people.group("growers", group_admin, persons["member"])
    collection = create_collection(client, owner, "Owned by a user", private=private)
    group_collection = create_collection(client, group_admin, "Owned by a group", owner=("user_groups", group),
                                         private=private)
    linked, spare = create_subject(client, owner), create_subject(client, owner)
    for cid, person in ((collection, owner), (group_collection, group_admin)):
        response = client.post(f"/api/collections/{cid}/links/subjects", headers=person.panoptes(),
                               data=json.dumps({"subjects": [linked]}), content_type="application/json")
        assert response.status_code == 200
    roles = {caller: add_role(client, owner, collection, persons[caller], names) for caller, names in ROLE_OF.items()}
    return World(owner, persons, collection, group_collection, linked, spare, roles, user("otto"))


def headers(world, caller, panoptes=False, **extra):
    person = world.person(caller)
    if person is None:
        result = {"Accept": PANOPTES if panoptes else JSONAPI}
        result.update(extra)
        return result
    return person.panoptes(**extra) if panoptes else person.jsonapi(**extra)


def check(response, status, panoptes):
    if status >= 400:
        (assert_panoptes_error if panoptes else assert_jsonapi_error)(response, status)
    else:
        assert response.status_code == status, response.get_data(as_text=True)


def unchanged(client, world, cid):
    data = read_collection(client, cid, world.people["admin"])
    assert data["attributes"]["description"] == ""
    assert [d["id"] for d in data["relationships"]["subjects"]["data"]] == [world.linked]


@pytest.fixture(params=[False, True], ids=["public", "private"])
def private(request):
    return request.param


@pytest.mark.parametrize("caller", CALLERS)
def test_read(app, client, people, private, caller):
    world = build_world(app, client, people, private)
    cid = world.target(caller)
    success = visible(caller, private)
    for panoptes in (False, True):
        response = client.get(f"/api/collections/{cid}", headers=headers(world, caller, panoptes))
        check(response, 200 if success else 404, panoptes)
        response = client.get(f"/api/subjects?collection_id={cid}", headers=headers(world, caller, panoptes))
        assert response.status_code == 200
    listed = client.get("/api/collections", headers=headers(world, caller)).get_json()["data"]
    assert (cid in [c["id"] for c in listed]) == success


@pytest.mark.parametrize("caller", CALLERS)
def test_update(app, client, people, private, caller):
    world = build_world(app, client, people, private)
    cid = world.target(caller)
    status = expected_status(caller, "update", private, 200)
    body = jsonapi_body("collections", {"description": "changed"}, id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=headers(world, caller), data=json.dumps(body),
                            content_type=JSONAPI)
    check(response, status, False)
    if status == 200:
        assert read_collection(client, cid, world.people["admin"])["attributes"]["description"] == "changed"
        return
    unchanged(client, world, cid)
    response = client.put(f"/api/collections/{cid}", headers=headers(world, caller, True, **{"If-Match": "*"}),
                          data=json.dumps({"collections": {"description": "changed"}}),
                          content_type="application/json")
    check(response, status, True)
    unchanged(client, world, cid)


@pytest.mark.parametrize("caller", CALLERS)
def test_delete(app, client, people, private, caller):
    world = build_world(app, client, people, private)
    cid = world.target(caller)
    status = expected_status(caller, "delete", private, 204)
    response = client.delete(f"/api/collections/{cid}", headers=headers(world, caller, True, **{"If-Match": "*"}))
    check(response, status, True)
    if status == 204:
        assert read(client, f"/api/collections/{cid}", world.people["admin"]).status_code == 404
        assert read(client, f"/api/subjects/{world.linked}", world.people["admin"]).status_code == 200
        return
    response = client.delete(f"/api/collections/{cid}", headers=headers(world, caller))
    check(response, status, False)
    unchanged(client, world, cid)


@pytest.mark.parametrize("caller", CALLERS)
def test_add_links(app, client, people, private, caller):
    world = build_world(app, client, people, private)
    cid = world.target(caller)
    status = expected_status(caller, "link", private, 200)
    response = client.post(f"/api/collections/{cid}/links/subjects", headers=headers(world, caller, True),
                           data=json.dumps({"subjects": [world.spare]}), content_type="application/json")
    check(response, status, True)
    if status == 200:
        assert subject_ids(client, cid, world.people["admin"]) == [world.linked, world.spare]
        return
    response = client.post(f"/api/collections/{cid}/relationships/subjects", headers=headers(world, caller),
                           data=json.dumps({"data": [{"type": "subjects", "id": world.spare}]}),
                           content_type=JSONAPI)
    check(response, status, False)
    unchanged(client, world, cid)


@pytest.mark.parametrize("caller", CALLERS)
def test_remove_links(app, client, people, private, caller):
    world = build_world(app, client, people, private)
    cid = world.target(caller)
    status = expected_status(caller, "unlink", private, 204)
    response = client.delete(f"/api/collections/{cid}/links/subjects/{world.linked}",
                             headers=headers(world, caller, True))
    check(response, status, True)
    if status == 204:
        assert subject_ids(client, cid, world.people["admin"]) == []
        assert read(client, f"/api/subjects/{world.linked}", world.people["admin"]).status_code == 200
        return
    response = client.delete(f"/api/collections/{cid}/relationships/subjects", headers=headers(world, caller),
                             data=json.dumps({"data": [{"type": "subjects", "id": world.linked}]}),
                             content_type=JSONAPI)
    check(response, status, False)
    response = client.patch(f"/api/collections/{cid}/relationships/subjects", headers=headers(world, caller),
                            data=json.dumps({"data": []}), content_type=JSONAPI)
    check(response, status, False)
    unchanged(client, world, cid)


@pytest.mark.parametrize("caller", CALLERS)
def test_manage_collection_roles(app, client, people, private, caller):
    world = build_world(app, client, people, private)
    cid = world.target(caller)
    may = allowed(caller, "roles", private)
    body = jsonapi_body("collection_roles", {"roles": ["viewer"]},
                        {"collection": {"data": {"type": "collections", "id": cid}},
                         "user": {"data": {"type": "users", "id": str(world.outsider.id)}}})
    response = client.post("/api/collection_roles", headers=headers(world, caller), data=json.dumps(body),
                           content_type=JSONAPI)
    if may:
        check(response, 201, False)
        assert response.get_json()["data"]["attributes"]["roles"] == ["viewer"]
        # The new viewer now sees the collection.
        assert read(client, f"/api/collections/{cid}", world.outsider).status_code == 200
    elif caller == "anonymous":
        check(response, 401, False)
    elif visible(caller, private):
        check(response, 403, False)
    else:
        # The collection is not visible to the caller: the link target cannot be found.
        check(response, 422, False)
    if caller == "member":
        return  # the roles below are on the user-owned collection
    role = world.roles["viewer"]
    status = 200 if may else expected_status(caller, "roles", private, 200)
    patch = jsonapi_body("collection_roles", {"roles": ["viewer", "contributor"]}, id_=role)
    response = client.patch(f"/api/collection_roles/{role}", headers=headers(world, caller), data=json.dumps(patch),
                            content_type=JSONAPI)
    check(response, status, False)
    admin = world.people["admin"]
    roles_now = read(client, f"/api/collection_roles/{role}", admin).get_json()["data"]["attributes"]["roles"]
    assert roles_now == (["viewer", "contributor"] if may else ["viewer"])
    response = client.delete(f"/api/collection_roles/{role}", headers=headers(world, caller))
    check(response, 204 if may else status, False)
    assert read(client, f"/api/collection_roles/{role}", admin).status_code == (404 if may else 200)


def test_roles_grant_what_they_say(client, people):
    """A stranger given a role on a private collection gains exactly that role's rights."""
    owner, carl = people.user("olive"), people.user("carl")
    cid = create_collection(client, owner, "Secret", private=True)
    subject = create_subject(client, owner)
    assert read(client, f"/api/collections/{cid}", carl).status_code == 404
    role = add_role(client, owner, cid, carl, ["contributor"])
    assert read(client, f"/api/collections/{cid}", carl).status_code == 200
    response = client.post(f"/api/collections/{cid}/links/subjects", headers=carl.panoptes(),
                           data=json.dumps({"subjects": [subject]}), content_type="application/json")
    assert response.status_code == 200
    response = client.delete(f"/api/collections/{cid}/links/subjects/{subject}", headers=carl.panoptes())
    assert_panoptes_error(response, 403)
    # Promoted by the owner, then removed again: the collection disappears for carl.
    patch = jsonapi_body("collection_roles", {"roles": ["collaborator"]}, id_=role)
    response = client.patch(f"/api/collection_roles/{role}", headers=owner.jsonapi(), data=json.dumps(patch),
                            content_type=JSONAPI)
    assert response.status_code == 200
    response = client.delete(f"/api/collections/{cid}/links/subjects/{subject}", headers=carl.panoptes())
    assert response.status_code == 204
    assert client.delete(f"/api/collection_roles/{role}", headers=owner.jsonapi()).status_code == 204
    assert read(client, f"/api/collections/{cid}", carl).status_code == 404


def test_collection_role_values_are_validated(client, people):
    owner, carl = people.user("olive"), people.user("carl")
    cid = create_collection(client, owner, "Secret")
    body = jsonapi_body("collection_roles", {"roles": ["emperor"]},
                        {"collection": {"data": {"type": "collections", "id": cid}},
                         "user": {"data": {"type": "users", "id": str(carl.id)}}})
    response = client.post("/api/collection_roles", headers=owner.jsonapi(), data=json.dumps(body),
                           content_type=JSONAPI)
    assert response.status_code == 422
    assert_jsonapi_error(response, 422)
    body["data"]["attributes"]["roles"] = ["viewer"]
    del body["data"]["relationships"]["user"]
    response = client.post("/api/collection_roles", headers=owner.jsonapi(), data=json.dumps(body),
                           content_type=JSONAPI)
    assert_jsonapi_error(response, 422)


def test_duplicate_collection_role_is_409(client, people):
    owner, carl = people.user("olive"), people.user("carl")
    cid = create_collection(client, owner, "Secret")
    add_role(client, owner, cid, carl, ["viewer"])
    body = jsonapi_body("collection_roles", {"roles": ["collaborator"]},
                        {"collection": {"data": {"type": "collections", "id": cid}},
                         "user": {"data": {"type": "users", "id": str(carl.id)}}})
    response = client.post("/api/collection_roles", headers=owner.jsonapi(), data=json.dumps(body),
                           content_type=JSONAPI)
    assert_jsonapi_error(response, 409)


def test_group_member_may_create_for_the_group_and_admin_for_anyone(client, people):
    gail, mike, adam = people.user("gail"), people.user("mike"), people.user("adam", admin=True)
    group = people.group("growers", gail, mike)
    cid = create_collection(client, mike, "Ours", owner=("user_groups", group))
    assert read_collection(client, cid, gail)["relationships"]["owner"]["data"] == {"type": "user_groups",
                                                                                   "id": str(group)}
    cid = create_collection(client, adam, "For gail", owner=("users", gail.id))
    assert read_collection(client, cid, gail)["relationships"]["owner"]["data"] == {"type": "users",
                                                                                   "id": str(gail.id)}


def test_private_collection_subject_listing_hides_nothing_public(client, people):
    """A private collection's id in a listing filter reveals nothing to a stranger (404-like: empty)."""
    owner, stan = people.user("olive"), people.user("stan")
    cid = create_collection(client, owner, "Secret", private=True)
    assert read(client, f"/api/collections/{cid}/subjects", stan).status_code == 404
    assert read(client, f"/api/collections/{cid}/relationships/subjects", stan).status_code == 404
