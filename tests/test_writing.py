"""Writing resources (API §4, §5, §7.1) through HTTP, in both dialects."""
import json

import pytest

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.writing_helpers import (assert_jsonapi_error, assert_panoptes_error, create_collection, create_subject,
                                   etag_of, read, read_collection)


def post_jsonapi(client, person, attributes, relationships=None, id_=None):
    body = jsonapi_body("collections", attributes, relationships, id_)
    headers = person.jsonapi() if person else {"Accept": JSONAPI}
    return client.post("/api/collections", headers=headers, data=json.dumps(body), content_type=JSONAPI)


def post_panoptes(client, person, body):
    headers = person.panoptes() if person else {"Accept": PANOPTES}
    return client.post("/api/collections", headers=headers, data=json.dumps(body), content_type="application/json")


def collection_count(client, person):
    response = read(client, "/api/collections", person)
    return response.get_json()["meta"]["collections"]["count"]


# -- create ------------------------------------------------------------------------------------------

def test_create_jsonapi_full_document(client, people):
    alice = people.user("alice")
    response = post_jsonapi(client, alice, {"display_name": "Spring flowers x!", "description": "Early",
                                            "private": True})
    assert response.status_code == 201
    assert response.headers["Content-Type"] == JSONAPI
    doc = response.get_json()
    data = doc["data"]
    assert response.headers["Location"] == data["links"]["self"]
    assert data["links"]["self"].endswith(f"/api/collections/{data['id']}")
    assert data["type"] == "collections"
    attributes = data["attributes"]
    assert attributes["name"] == "spring_flowers_x"
    assert attributes["display_name"] == "Spring flowers x!"
    assert attributes["description"] == "Early"
    assert attributes["private"] is True
    assert attributes["favorite"] is False
    assert attributes["created_at"] and attributes["updated_at"]
    assert data["relationships"]["owner"]["data"] == {"type": "users", "id": str(alice.id)}
    assert data["relationships"]["subjects"]["data"] == []
    assert doc["jsonapi"] == {"version": "1.1"}
    assert "ETag" in response.headers
    # The Location answers with the same resource.
    assert read(client, response.headers["Location"], alice).get_json()["data"]["id"] == data["id"]


def test_create_keeps_an_explicit_name(client, people):
    alice = people.user("alice")
    response = post_jsonapi(client, alice, {"display_name": "Spring flowers x!", "name": "mine"})
    assert response.get_json()["data"]["attributes"]["name"] == "mine"


def test_create_panoptes_body_and_document(client, people):
    alice = people.user("alice")
    response = post_panoptes(client, alice, {"collections": {"display_name": "Spring flowers x!", "private": False},
                                             "http_cache": True})
    assert response.status_code == 201, response.get_json()
    assert response.headers["Content-Type"] == PANOPTES
    doc = response.get_json()
    assert isinstance(doc["collections"], list) and len(doc["collections"]) == 1
    created = doc["collections"][0]
    assert created["name"] == "spring_flowers_x"
    assert created["href"] == f"/collections/{created['id']}"
    assert created["links"]["owner"]["id"] == str(alice.id)
    assert created["links"]["owner"]["type"] == "users"
    assert response.headers["Location"].endswith(f"/api/collections/{created['id']}")
    assert "collections.subjects" in doc["links"] and "collections" in doc["meta"]
    assert set(doc) <= {"collections", "links", "meta", "linked"}


def test_create_panoptes_with_vnd_content_type(client, people):
    alice = people.user("alice")
    response = client.post("/api/collections", headers=alice.panoptes(), content_type=PANOPTES,
                           data=json.dumps({"collections": {"display_name": "Ferns"}}))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["collections"][0]["name"] == "ferns"


def test_create_owned_by_a_group_of_the_caller(client, people):
    alice, bob = people.user("alice"), people.user("bob")
    group = people.group("gardeners", alice, bob)
    response = post_jsonapi(client, bob, {"display_name": "Garden"},
                            {"owner": {"data": {"type": "user_groups", "id": str(group)}}})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["relationships"]["owner"]["data"] == {"type": "user_groups", "id": str(group)}
    # Panoptes form: links.owner {id, type}.
    response = post_panoptes(client, alice, {"collections": {"display_name": "Garden 2",
                                                             "links": {"owner": {"id": str(group),
                                                                                 "type": "user_groups"}}}})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["collections"][0]["links"]["owner"]["type"] == "user_groups"


def test_create_for_a_group_the_caller_is_not_in_is_refused(client, people):
    alice, carol = people.user("alice"), people.user("carol")
    group = people.group("gardeners", alice)
    response = post_jsonapi(client, carol, {"display_name": "Not mine"},
                            {"owner": {"data": {"type": "user_groups", "id": str(group)}}})
    assert_jsonapi_error(response, 403)
    response = post_panoptes(client, carol, {"collections": {"display_name": "Not mine",
                                                             "links": {"owner": {"id": str(group),
                                                                                 "type": "user_groups"}}}})
    assert_panoptes_error(response, 403)
    assert collection_count(client, carol) == 0


def test_create_for_another_user_is_refused(client, people):
    alice, carol = people.user("alice"), people.user("carol")
    response = post_jsonapi(client, carol, {"display_name": "Not mine"},
                            {"owner": {"data": {"type": "users", "id": str(alice.id)}}})
    assert_jsonapi_error(response, 403)


def test_create_requires_display_name(client, people):
    alice = people.user("alice")
    assert_jsonapi_error(post_jsonapi(client, alice, {"description": "x"}), 422,
                         pointer="/data/attributes/display_name")
    assert_panoptes_error(post_panoptes(client, alice, {"collections": {"description": "x"}}), 422,
                          contains="display_name")


def test_client_generated_id_is_forbidden(client, people):
    alice = people.user("alice")
    assert_jsonapi_error(post_jsonapi(client, alice, {"display_name": "X"}, id_=12345), 403, pointer="/data/id")
    assert collection_count(client, alice) == 0


def test_create_with_wrong_type_is_a_conflict(client, people):
    alice = people.user("alice")
    body = jsonapi_body("subjects", {"display_name": "X"})
    response = client.post("/api/collections", headers=alice.jsonapi(), data=json.dumps(body), content_type=JSONAPI)
    assert_jsonapi_error(response, 409, pointer="/data/type")


# -- bad input ---------------------------------------------------------------------------------------

def test_unknown_attribute_is_422_with_pointer(client, people):
    alice = people.user("alice")
    response = post_jsonapi(client, alice, {"display_name": "X", "colour": "red"})
    assert_jsonapi_error(response, 422, pointer="/data/attributes/colour")
    response = post_panoptes(client, alice, {"collections": {"display_name": "X", "colour": "red"}})
    assert_panoptes_error(response, 422, contains="colour")
    assert collection_count(client, alice) == 0


def test_unknown_relationship_is_422(client, people):
    alice = people.user("alice")
    response = post_jsonapi(client, alice, {"display_name": "X"},
                            {"projects": {"data": [{"type": "projects", "id": "1"}]}})
    assert_jsonapi_error(response, 422, pointer="/data/relationships/projects")


@pytest.mark.parametrize("attributes, name", [
    ({"display_name": 12}, "display_name"),
    ({"display_name": "X", "private": "maybe"}, "private"),
    ({"display_name": "X", "private": [True]}, "private"),
    ({"display_name": "X", "description": {"a": 1}}, "description"),
    ({"display_name": None}, "display_name"),
])
def test_wrong_types_are_422(client, people, attributes, name):
    alice = people.user("alice")
    assert_jsonapi_error(post_jsonapi(client, alice, attributes), 422, pointer=f"/data/attributes/{name}")
    assert_panoptes_error(post_panoptes(client, alice, {"collections": attributes}), 422, contains=name)
    assert collection_count(client, alice) == 0


@pytest.mark.parametrize("body", [
    {"data": []},
    {"data": "collections"},
    {"data": {"type": "collections", "attributes": []}},
    {"data": {"type": "collections", "attributes": {"display_name": "X"}, "relationships": []}},
    ["data"],
])
def test_malformed_jsonapi_documents_are_4xx(client, people, body):
    alice = people.user("alice")
    response = client.post("/api/collections", headers=alice.jsonapi(), data=json.dumps(body), content_type=JSONAPI)
    assert response.status_code in (400, 422)
    assert_jsonapi_error(response, response.status_code)


@pytest.mark.parametrize("relationships", [
    {"owner": {"data": {"type": "users", "id": "abc"}}},
    {"owner": {"data": {"type": "users", "id": "99999999999999999999999"}}},
    {"owner": {"data": {"type": "robots", "id": "1"}}},
    {"subjects": {"data": {"type": "subjects", "id": "1"}}},
    {"subjects": {"data": [{"type": "subjects", "id": "-1"}]}},
    {"default_subject": {"data": [{"type": "subjects", "id": "1"}]}},
    {"subjects": [{"type": "subjects", "id": "1"}]},
])
def test_bad_linkage_is_4xx_never_500(client, people, relationships):
    alice = people.user("alice")
    response = post_jsonapi(client, alice, {"display_name": "X"}, relationships)
    assert response.status_code in (400, 422), response.get_json()
    doc = assert_jsonapi_error(response, response.status_code)
    assert any(e.get("source", {}).get("pointer", "").startswith("/data/relationships/") for e in doc["errors"])
    assert collection_count(client, alice) == 0


def test_linked_subject_that_does_not_exist_is_422(client, people):
    alice = people.user("alice")
    response = post_jsonapi(client, alice, {"display_name": "X"},
                            {"subjects": {"data": [{"type": "subjects", "id": "4242"}]}})
    assert_jsonapi_error(response, 422, pointer="/data/relationships/subjects/data", contains="4242")
    response = post_panoptes(client, alice, {"collections": {"display_name": "X", "links": {"subjects": ["4242"]}}})
    assert_panoptes_error(response, 422, contains="4242")
    assert collection_count(client, alice) == 0


def test_create_with_subjects_links_them(client, people):
    alice = people.user("alice")
    s1, s2 = create_subject(client, alice), create_subject(client, alice)
    response = post_panoptes(client, alice, {"collections": {"display_name": "X",
                                                             "links": {"subjects": [s2, s1],
                                                                       "default_subject": s1}}})
    assert response.status_code == 201, response.get_json()
    links = response.get_json()["collections"][0]["links"]
    assert links["subjects"] == [s2, s1]


def test_malformed_json_is_400_in_both_dialects(client, people):
    alice = people.user("alice")
    response = client.post("/api/collections", headers=alice.jsonapi(), data='{"data": {', content_type=JSONAPI)
    assert_jsonapi_error(response, 400)
    response = client.post("/api/collections", headers=alice.panoptes(), data='{"collections": ',
                           content_type="application/json")
    assert_panoptes_error(response, 400)
    assert collection_count(client, alice) == 0


def test_empty_body_is_400(client, people):
    alice = people.user("alice")
    response = client.post("/api/collections", headers=alice.jsonapi(), data="", content_type=JSONAPI)
    assert_jsonapi_error(response, 400)


def test_body_too_large_is_413(app, client, people):
    alice = people.user("alice")
    app.config["MAX_CONTENT_LENGTH"] = 200
    big = post_jsonapi(client, alice, {"display_name": "X", "description": "y" * 1000})
    assert_jsonapi_error(big, 413)
    big = post_panoptes(client, alice, {"collections": {"display_name": "X", "description": "y" * 1000}})
    assert_panoptes_error(big, 413)
    app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    assert collection_count(client, alice) == 0


def test_panoptes_body_with_wrong_key_is_422(client, people):
    alice = people.user("alice")
    response = post_panoptes(client, alice, {"subjects": {"display_name": "X"}})
    assert_panoptes_error(response, 422)
    response = post_panoptes(client, alice, {"collections": "X"})
    assert_panoptes_error(response, 422)


# -- anonymous -----------------------------------------------------------------------------------------

def test_anonymous_writes_are_401(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Public")
    body = jsonapi_body("collections", {"display_name": "X"})
    assert_jsonapi_error(client.post("/api/collections", headers={"Accept": JSONAPI}, data=json.dumps(body),
                                     content_type=JSONAPI), 401)
    assert_panoptes_error(post_panoptes(client, None, {"collections": {"display_name": "X"}}), 401)
    patch = jsonapi_body("collections", {"display_name": "Y"}, id_=cid)
    assert_jsonapi_error(client.patch(f"/api/collections/{cid}", headers={"Accept": JSONAPI},
                                      data=json.dumps(patch), content_type=JSONAPI), 401)
    assert_panoptes_error(client.put(f"/api/collections/{cid}", headers={"Accept": PANOPTES, "If-Match": "*"},
                                     data=json.dumps({"collections": {"display_name": "Y"}}),
                                     content_type="application/json"), 401)
    assert_jsonapi_error(client.delete(f"/api/collections/{cid}", headers={"Accept": JSONAPI}), 401)
    assert_panoptes_error(client.delete(f"/api/collections/{cid}", headers={"Accept": PANOPTES, "If-Match": "*"}),
                          401)
    assert read_collection(client, cid)["attributes"]["display_name"] == "Public"


# -- update --------------------------------------------------------------------------------------------

def test_patch_changes_only_the_fields_sent(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers", description="Old", private=False)
    before = read_collection(client, cid, alice)
    body = jsonapi_body("collections", {"description": "New"}, id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert response.status_code == 200, response.get_json()
    after = response.get_json()["data"]["attributes"]
    assert after["description"] == "New"
    assert after["display_name"] == "Flowers" and after["name"] == "flowers" and after["private"] is False
    assert after["created_at"] == before["attributes"]["created_at"]
    assert read_collection(client, cid, alice)["attributes"]["description"] == "New"


def test_put_panoptes_changes_only_the_fields_sent(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers", description="Old")
    etag = etag_of(client, f"/api/collections/{cid}", alice)
    response = client.put(f"/api/collections/{cid}", headers=alice.panoptes(**{"If-Match": etag}),
                          data=json.dumps({"collections": {"display_name": "Blooms"}}),
                          content_type="application/json")
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()["collections"][0]
    assert updated["display_name"] == "Blooms" and updated["description"] == "Old" and updated["name"] == "flowers"


def test_put_panoptes_tolerates_echoed_read_only_keys(client, people):
    alice = people.user("alice")
    subject = create_subject(client, alice)
    cid = create_collection(client, alice, "Flowers")
    response = client.post(f"/api/collections/{cid}/links/subjects", headers=alice.panoptes(),
                           data=json.dumps({"subjects": [subject]}), content_type="application/json")
    assert response.status_code == 200
    current = read(client, f"/api/collections/{cid}", alice, panoptes=True)
    echoed = current.get_json()["collections"][0]
    assert echoed["links"]["owner"]["display_name"] == "Alice"
    echoed["description"] = "Echoed"
    response = client.put(f"/api/collections/{cid}",
                          headers=alice.panoptes(**{"If-Match": current.headers["ETag"]}),
                          data=json.dumps({"collections": echoed, "http_cache": True}),
                          content_type="application/json")
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()["collections"][0]
    assert updated["description"] == "Echoed"
    assert updated["links"]["subjects"] == [subject]
    assert updated["links"]["owner"]["id"] == str(alice.id)


def test_put_panoptes_in_a_list_and_with_echoed_id(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    etag = etag_of(client, f"/api/collections/{cid}", alice)
    response = client.put(f"/api/collections/{cid}", headers=alice.panoptes(**{"If-Match": etag}),
                          data=json.dumps({"collections": [{"id": cid, "description": "In a list"}]}),
                          content_type="application/json")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["collections"][0]["description"] == "In a list"


def test_changing_owner_after_creation_is_refused(client, people):
    alice, bob = people.user("alice"), people.user("bob")
    cid = create_collection(client, alice, "Flowers")
    body = jsonapi_body("collections", {}, {"owner": {"data": {"type": "users", "id": str(bob.id)}}}, id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert_jsonapi_error(response, 422, pointer="/data/relationships/owner/data")
    assert read_collection(client, cid, alice)["relationships"]["owner"]["data"]["id"] == str(alice.id)


def test_relation_in_an_update_replaces_it(client, people):
    alice = people.user("alice")
    s1, s2, s3 = (create_subject(client, alice) for _ in range(3))
    cid = create_collection(client, alice, "Flowers")
    body = jsonapi_body("collections", {}, {"subjects": {"data": [{"type": "subjects", "id": s1},
                                                                  {"type": "subjects", "id": s2}]}}, id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert response.status_code == 200
    body = jsonapi_body("collections", {}, {"subjects": {"data": [{"type": "subjects", "id": s3}]}}, id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert [d["id"] for d in response.get_json()["data"]["relationships"]["subjects"]["data"]] == [s3]


def test_favorite_unchanged_is_fine_changed_is_422(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Favs", favorite=True)
    body = jsonapi_body("collections", {"favorite": True, "description": "same"}, id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert response.status_code == 200, response.get_json()
    body = jsonapi_body("collections", {"favorite": False, "description": "changed"}, id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert_jsonapi_error(response, 422, pointer="/data/attributes/favorite")
    etag = etag_of(client, f"/api/collections/{cid}", alice)
    response = client.put(f"/api/collections/{cid}", headers=alice.panoptes(**{"If-Match": etag}),
                          data=json.dumps({"collections": {"favorite": False, "description": "changed"}}),
                          content_type="application/json")
    assert_panoptes_error(response, 422, contains="favorite")
    attributes = read_collection(client, cid, alice)["attributes"]
    assert attributes["favorite"] is True and attributes["description"] == "same"


def test_update_unknown_attribute_and_wrong_type(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    for attributes, pointer in [({"colour": "red"}, "/data/attributes/colour"),
                                ({"private": "sometimes"}, "/data/attributes/private"),
                                ({"display_name": ""}, "/data/attributes/display_name")]:
        body = jsonapi_body("collections", {"description": "changed", **attributes}, id_=cid)
        response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                                content_type=JSONAPI)
        assert_jsonapi_error(response, 422, pointer=pointer)
    etag = etag_of(client, f"/api/collections/{cid}", alice)
    response = client.put(f"/api/collections/{cid}", headers=alice.panoptes(**{"If-Match": etag}),
                          data=json.dumps({"collections": {"description": "changed", "colour": "red"}}),
                          content_type="application/json")
    assert_panoptes_error(response, 422, contains="colour")
    assert read_collection(client, cid, alice)["attributes"]["description"] == ""


def test_update_with_mismatching_type_or_id_is_409(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    other = create_collection(client, alice, "Other")
    for body, pointer in [(jsonapi_body("subjects", {"description": "x"}, id_=cid), "/data/type"),
                          (jsonapi_body("collections", {"description": "x"}, id_=other), "/data/id")]:
        response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                                content_type=JSONAPI)
        assert_jsonapi_error(response, 409, pointer=pointer)
    etag = etag_of(client, f"/api/collections/{cid}", alice)
    response = client.put(f"/api/collections/{cid}", headers=alice.panoptes(**{"If-Match": etag}),
                          data=json.dumps({"collections": {"id": other, "description": "x"}}),
                          content_type="application/json")
    assert_panoptes_error(response, 409)
    assert read_collection(client, cid, alice)["attributes"]["description"] == ""
    assert read_collection(client, other, alice)["attributes"]["description"] == ""


def test_update_without_id_in_jsonapi_body_is_400(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    body = jsonapi_body("collections", {"description": "x"})
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert_jsonapi_error(response, 400, pointer="/data/id")


def test_failed_update_changes_nothing(client, people):
    alice = people.user("alice")
    s1 = create_subject(client, alice)
    cid = create_collection(client, alice, "Flowers", description="Before")
    before = read_collection(client, cid, alice)
    etag = etag_of(client, f"/api/collections/{cid}", alice)
    # A valid attribute change together with a link to a subject that does not exist.
    body = jsonapi_body("collections", {"description": "After"},
                        {"subjects": {"data": [{"type": "subjects", "id": s1}, {"type": "subjects", "id": "777"}]}},
                        id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert_jsonapi_error(response, 422, contains="777")
    after = read_collection(client, cid, alice)
    assert after["attributes"] == before["attributes"]
    assert after["relationships"]["subjects"]["data"] == []
    assert etag_of(client, f"/api/collections/{cid}", alice) == etag


# -- preconditions -------------------------------------------------------------------------------------

def test_if_match_mismatch_is_412_and_changes_nothing(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    body = jsonapi_body("collections", {"description": "x"}, id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(**{"If-Match": '"nope"'}),
                            data=json.dumps(body), content_type=JSONAPI)
    assert_jsonapi_error(response, 412, header="If-Match")
    response = client.put(f"/api/collections/{cid}", headers=alice.panoptes(**{"If-Match": '"nope"'}),
                          data=json.dumps({"collections": {"description": "x"}}), content_type="application/json")
    assert_panoptes_error(response, 412)
    assert_jsonapi_error(client.delete(f"/api/collections/{cid}", headers=alice.jsonapi(**{"If-Match": '"nope"'})),
                         412)
    assert read_collection(client, cid, alice)["attributes"]["description"] == ""


def test_stale_etag_is_412(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    old = etag_of(client, f"/api/collections/{cid}", alice)
    body = jsonapi_body("collections", {"description": "first"}, id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(**{"If-Match": old}),
                            data=json.dumps(body), content_type=JSONAPI)
    assert response.status_code == 200
    assert response.headers["ETag"] != old
    body = jsonapi_body("collections", {"description": "second"}, id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(**{"If-Match": old}),
                            data=json.dumps(body), content_type=JSONAPI)
    assert_jsonapi_error(response, 412)
    assert read_collection(client, cid, alice)["attributes"]["description"] == "first"


def test_weak_if_match_is_accepted(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    etag = etag_of(client, f"/api/collections/{cid}", alice)
    response = client.put(f"/api/collections/{cid}", headers=alice.panoptes(**{"If-Match": "W/" + etag}),
                          data=json.dumps({"collections": {"description": "weak"}}), content_type="application/json")
    assert response.status_code == 200, response.get_json()
    etag = response.headers["ETag"]
    assert etag == read(client, f"/api/collections/{cid}", alice, panoptes=True).headers["ETag"]
    response = client.delete(f"/api/collections/{cid}", headers=alice.panoptes(**{"If-Match": "W/" + etag}))
    assert response.status_code == 204


def test_panoptes_put_and_delete_need_if_match(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    response = client.put(f"/api/collections/{cid}", headers=alice.panoptes(),
                          data=json.dumps({"collections": {"description": "x"}}), content_type="application/json")
    assert_panoptes_error(response, 428, contains="If-Match")
    assert_panoptes_error(client.delete(f"/api/collections/{cid}", headers=alice.panoptes()), 428)
    assert read_collection(client, cid, alice)["attributes"]["description"] == ""


def test_jsonapi_if_match_is_optional(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    body = jsonapi_body("collections", {"description": "x"}, id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert response.status_code == 200
    # PUT is accepted in the JSON:API dialect too, and needs no If-Match there.
    body = jsonapi_body("collections", {"description": "y"}, id_=cid)
    response = client.put(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                          content_type=JSONAPI)
    assert response.status_code == 200
    assert response.get_json()["data"]["attributes"]["description"] == "y"
    assert client.delete(f"/api/collections/{cid}", headers=alice.jsonapi()).status_code == 204


# -- delete --------------------------------------------------------------------------------------------

def test_delete_is_204_and_ignores_a_body(client, people):
    alice = people.user("alice")
    subject = create_subject(client, alice)
    cid = create_collection(client, alice, "Flowers")
    client.post(f"/api/collections/{cid}/links/subjects", headers=alice.panoptes(),
                data=json.dumps({"subjects": [subject]}), content_type="application/json")
    response = client.delete(f"/api/collections/{cid}", headers=alice.jsonapi(),
                             data=json.dumps({"data": {"type": "whatever"}}), content_type=JSONAPI)
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_jsonapi_error(read(client, f"/api/collections/{cid}", alice), 404)
    # The subject itself survives.
    assert read(client, f"/api/subjects/{subject}", alice).status_code == 200


def test_panoptes_delete_with_body_and_if_match(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    etag = etag_of(client, f"/api/collections/{cid}", alice)
    response = client.delete(f"/api/collections/{cid}", headers=alice.panoptes(**{"If-Match": etag}),
                             data="not even json", content_type="text/plain")
    assert response.status_code == 204
    assert_panoptes_error(read(client, f"/api/collections/{cid}", alice, panoptes=True), 404)


def test_delete_twice_is_404(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    assert client.delete(f"/api/collections/{cid}", headers=alice.jsonapi()).status_code == 204
    assert_jsonapi_error(client.delete(f"/api/collections/{cid}", headers=alice.jsonapi()), 404)


# -- ids that are not ids -------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["abc", "0", "-1", "1.5", "99999999999999999999999", "9223372036854775808",
                                 "9223372036854775807", "%20"])
def test_ids_that_are_not_ids_are_404(client, people, bad):
    alice = people.user("alice")
    body = json.dumps(jsonapi_body("collections", {"description": "x"}, id_=bad.strip("%20") or "1"))
    response = client.get(f"/api/collections/{bad}", headers=alice.jsonapi())
    assert_jsonapi_error(response, 404)
    response = client.patch(f"/api/collections/{bad}", headers=alice.jsonapi(), data=body, content_type=JSONAPI)
    assert_jsonapi_error(response, 404)
    response = client.put(f"/api/collections/{bad}", headers=alice.panoptes(**{"If-Match": "*"}),
                          data=json.dumps({"collections": {"description": "x"}}), content_type="application/json")
    assert_panoptes_error(response, 404)
    response = client.delete(f"/api/collections/{bad}", headers=alice.panoptes(**{"If-Match": "*"}))
    assert_panoptes_error(response, 404)
    response = client.post(f"/api/collections/{bad}/links/subjects", headers=alice.panoptes(),
                           data=json.dumps({"subjects": ["1"]}), content_type="application/json")
    assert_panoptes_error(response, 404)


def test_link_ids_that_are_not_ids_are_4xx(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    for ids in ["abc", "1,x", "99999999999999999999999"]:
        response = client.delete(f"/api/collections/{cid}/links/subjects/{ids}", headers=alice.panoptes())
        assert 400 <= response.status_code < 500
        assert_panoptes_error(response, response.status_code)
    response = client.post(f"/api/collections/{cid}/links/subjects", headers=alice.panoptes(),
                           data=json.dumps({"subjects": ["99999999999999999999999"]}),
                           content_type="application/json")
    assert 400 <= response.status_code < 500
    assert_panoptes_error(response, response.status_code)


def test_subjects_create_and_update(client, people):
    alice = people.user("alice")
    sid = create_subject(client, alice, "https://img.example.org/a.jpg")
    body = jsonapi_body("subjects", {"metadata": {"caption": "A"}}, id_=sid)
    response = client.patch(f"/api/subjects/{sid}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert response.status_code == 200
    attributes = response.get_json()["data"]["attributes"]
    assert attributes["metadata"] == {"caption": "A"}
    assert attributes["locations"] == [{"image/jpeg": "https://img.example.org/a.jpg"}]
    body = jsonapi_body("subjects", {"locations": "https://x"}, id_=sid)
    response = client.patch(f"/api/subjects/{sid}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert_jsonapi_error(response, 422, pointer="/data/attributes/locations")


HOSTILE_BODIES = [
    b"null",
    b"42",
    b'"collections"',
    b"[" * 5000 + b"]" * 5000,
    b'{"data": {"type": "collections", "attributes": {"display_name": "X", "private": 1' + b"0" * 40 + b"}}}",
    b'\xff\xfe{"data": 1}',
    b'{"data": {"type": "collections", "attributes": {"display_name": "\xc3\x28"}}}',
    b'{"collections": {"display_name": "X", "links": ["owner"]}}',
    b'{"collections": {"display_name": "X", "links": {"owner": "1"}}}',
    b'{"collections": {"display_name": "X", "links": {"owner": {"type": "user_groups"}}}}',
    b'{"collections": {"display_name": "X", "links": {"subjects": "1,2"}}}',
    b'{"collections": {"display_name": "X", "links": {"default_subject": ["1"]}}}',
    b'{"collections": [{"display_name": "X"}, {"display_name": "Y"}]}',
    b'{"data": {"type": "collections", "attributes": {"display_name": "X"}, '
    b'"relationships": {"owner": {"data": {"type": "user_groups", "id": 1.5}}}}}',
    b'{"data": {"type": "collections", "attributes": {"display_name": "X"}, '
    b'"relationships": {"subjects": {"links": {"self": "x"}}}}}',
    b'{"data": {"type": ["collections"], "attributes": {"display_name": "X"}}}',
    b'{"data": {"type": "collections", "attributes": {"display_name": "' + b"x" * 300 + b'"}}}',
]


@pytest.mark.parametrize("raw", HOSTILE_BODIES, ids=range(len(HOSTILE_BODIES)))
@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
def test_hostile_create_bodies_are_4xx(client, people, raw, panoptes):
    alice = people.user("alice")
    headers = alice.panoptes() if panoptes else alice.jsonapi()
    response = client.post("/api/collections", headers=headers, data=raw,
                           content_type="application/json" if panoptes else JSONAPI)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    check = assert_panoptes_error if panoptes else assert_jsonapi_error
    check(response, response.status_code)
    assert collection_count(client, alice) == 0


@pytest.mark.parametrize("raw", HOSTILE_BODIES, ids=range(len(HOSTILE_BODIES)))
def test_hostile_update_bodies_are_4xx(client, people, raw):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    before = read_collection(client, cid, alice)
    for headers, content_type, method in [(alice.jsonapi(), JSONAPI, "PATCH"),
                                          (alice.panoptes(**{"If-Match": "*"}), "application/json", "PUT")]:
        response = client.open(f"/api/collections/{cid}", method=method, headers=headers, data=raw,
                               content_type=content_type)
        assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert read_collection(client, cid, alice) == before


RELATION_OF = {"collections": "subjects", "subjects": "collections", "users": "user_groups",
               "user_groups": "users", "collection_roles": "collection"}


@pytest.mark.parametrize("type_", sorted(RELATION_OF))
@pytest.mark.parametrize("bad", ["0", "abc", "99999999999999999999", "9223372036854775808", "1e3"])
def test_bad_ids_on_every_type_are_404(client, people, type_, bad):
    alice = people.user("alice")
    rel = RELATION_OF[type_]
    body = json.dumps({"data": []})
    for method, path in [("GET", f"/api/{type_}/{bad}"), ("PATCH", f"/api/{type_}/{bad}"),
                         ("DELETE", f"/api/{type_}/{bad}"), ("GET", f"/api/{type_}/{bad}/{rel}"),
                         ("GET", f"/api/{type_}/{bad}/relationships/{rel}"),
                         ("POST", f"/api/{type_}/{bad}/relationships/{rel}"),
                         ("DELETE", f"/api/{type_}/{bad}/links/{rel}/1")]:
        kwargs = {"data": body, "content_type": JSONAPI} if method in ("POST", "PATCH") else {}
        response = client.open(path, method=method, headers=alice.jsonapi(), **kwargs)
        assert_jsonapi_error(response, 404)
        response = client.open(path, method=method, headers=alice.panoptes(**{"If-Match": "*"}), **kwargs)
        assert_panoptes_error(response, 404)


def test_unknown_panoptes_link_is_422(client, people):
    alice = people.user("alice")
    response = post_panoptes(client, alice, {"collections": {"display_name": "X", "links": {"projects": ["1"]}}})
    assert_panoptes_error(response, 422, contains="projects")
    assert collection_count(client, alice) == 0


def test_panoptes_put_replaces_a_relation_sent_in_links(client, people):
    alice = people.user("alice")
    s1, s2 = create_subject(client, alice), create_subject(client, alice, "https://img.example.org/2.jpg")
    cid = create_collection(client, alice, "Flowers")
    client.post(f"/api/collections/{cid}/links/subjects", headers=alice.panoptes(),
                data=json.dumps({"subjects": [s1]}), content_type="application/json")
    etag = read(client, f"/api/collections/{cid}", alice, panoptes=True).headers["ETag"]
    response = client.put(f"/api/collections/{cid}", headers=alice.panoptes(**{"If-Match": etag}),
                          data=json.dumps({"collections": {"links": {"subjects": [s2], "default_subject": s2}}}),
                          content_type="application/json")
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()["collections"][0]
    assert updated["links"]["subjects"] == [s2]
    assert updated["default_subject_src"] == "https://img.example.org/2.jpg"


def test_jsonapi_patch_ignores_echoed_read_only_attributes(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    current = read_collection(client, cid, alice)
    attributes = dict(current["attributes"], created_at="1999-01-01T00:00:00Z", default_subject_src="https://x",
                      description="echoed")
    body = {"data": {"type": "collections", "id": cid, "attributes": attributes}}
    response = client.patch(f"/api/collections/{cid}", headers=alice.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert response.status_code == 200, response.get_json()
    after = response.get_json()["data"]["attributes"]
    assert after["description"] == "echoed"
    assert after["created_at"] == current["attributes"]["created_at"]
    assert after["default_subject_src"] is None


def test_nul_characters_are_refused_with_a_pointer(client, people):
    """PostgreSQL cannot store U+0000 in text or JSON; it is refused before any write, in both dialects."""
    alice = people.user("nul_alice")
    body = '{"data": {"type": "collections", "attributes": {"display_name": "bad\\u0000name"}}}'
    response = client.post("/api/collections", headers=alice.jsonapi(), data=body,
                           content_type="application/vnd.api+json")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["source"]["pointer"] == "/data/attributes/display_name"
    body = '{"collections": {"display_name": "ok", "description": "x\\u0000"}}'
    response = client.post("/api/collections", headers=alice.panoptes(), data=body,
                           content_type="application/json")
    assert response.status_code == 422
    assert "NUL" in response.get_json()["errors"][0]["message"]
    assert client.get("/api/collections", headers=alice.jsonapi()).get_json()["data"] == []


def test_user_group_display_name_defaults_to_its_name(client, people):
    alice = people.user("group_maker")
    response = client.post("/api/user_groups", headers=alice.jsonapi(), content_type="application/vnd.api+json",
                           json={"data": {"type": "user_groups", "attributes": {"name": "weeders"}}})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["attributes"]["display_name"] == "weeders"
    response = client.post("/api/user_groups", headers=alice.panoptes(), content_type="application/json",
                           json={"user_groups": {"name": "pruners", "display_name": "The Pruners"}})
    assert response.get_json()["user_groups"][0]["display_name"] == "The Pruners"
