"""Relationship endpoints (API §4, §7.1): Panoptes /links/<rel>, JSON:API /relationships/<rel> and /links/<rel>."""
import json

import pytest

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.writing_helpers import (assert_jsonapi_error, assert_panoptes_error, create_collection, create_subject,
                                   default_subject, etag_of, read, read_collection, subject_ids)


@pytest.fixture
def setup(client, people):
    """alice owns a collection and three subjects."""
    alice = people.user("alice")
    subjects = [create_subject(client, alice, f"https://img.example.org/{i}.jpg") for i in range(1, 4)]
    cid = create_collection(client, alice, "Flowers")
    return alice, cid, subjects


def link(client, person, cid, rel, body, content_type="application/json"):
    return client.post(f"/api/collections/{cid}/links/{rel}", headers=person.panoptes(), data=json.dumps(body),
                       content_type=content_type)


def linkage(*ids, type_="subjects"):
    return {"data": [{"type": type_, "id": str(i)} for i in ids]}


def jsonapi_rel(client, person, method, cid, body=None, rel="subjects", kind="relationships"):
    kwargs = {"headers": person.jsonapi()}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type=JSONAPI)
    return client.open(f"/api/collections/{cid}/{kind}/{rel}", method=method, **kwargs)


# -- Panoptes ------------------------------------------------------------------------------------------

def test_panoptes_add_subjects_answers_with_the_parent(client, setup):
    alice, cid, (s1, s2, s3) = setup
    response = link(client, alice, cid, "subjects", {"subjects": [s1, s2]})
    assert response.status_code == 200, response.get_json()
    assert response.headers["Content-Type"] == PANOPTES
    doc = response.get_json()
    assert doc["collections"][0]["id"] == cid
    assert doc["collections"][0]["links"]["subjects"] == [s1, s2]
    assert "meta" in doc and "links" in doc
    response = link(client, alice, cid, "subjects", {"subjects": [s3]}, content_type=PANOPTES)
    assert response.status_code == 200
    assert subject_ids(client, cid, alice) == [s1, s2, s3]


def test_panoptes_add_needs_no_if_match_and_accepts_integer_ids(client, setup):
    alice, cid, (s1, _s2, _s3) = setup
    response = link(client, alice, cid, "subjects", {"subjects": [int(s1)]})
    assert response.status_code == 200
    assert subject_ids(client, cid, alice) == [s1]


def test_panoptes_add_one_already_there_is_400(client, setup):
    alice, cid, (s1, s2, _s3) = setup
    assert link(client, alice, cid, "subjects", {"subjects": [s1]}).status_code == 200
    response = link(client, alice, cid, "subjects", {"subjects": [s2, s1]})
    assert_panoptes_error(response, 400)
    assert response.get_json()["errors"][0]["message"].startswith("Validation failed:")
    assert f"{s1} is already in the" in response.get_json()["errors"][0]["message"]
    # All or nothing: s2 was not added either.
    assert subject_ids(client, cid, alice) == [s1]


def test_panoptes_body_key_mismatch_is_422(client, setup):
    alice, cid, (s1, _s2, _s3) = setup
    response = link(client, alice, cid, "subjects", {"default_subject": s1})
    assert_panoptes_error(response, 422, contains="subjects")
    response = link(client, alice, cid, "subjects", [s1])
    assert_panoptes_error(response, 422)
    assert subject_ids(client, cid, alice) == []


def test_panoptes_add_malformed_values_is_4xx(client, setup):
    alice, cid, _subjects = setup
    for body in [{"subjects": "1"}, {"subjects": [{"x": 1}]}, {"subjects": ["abc"]}, {"subjects": [True]}]:
        response = link(client, alice, cid, "subjects", body)
        assert 400 <= response.status_code < 500
        assert_panoptes_error(response, response.status_code)
    response = client.post(f"/api/collections/{cid}/links/subjects", headers=alice.panoptes(), data="{bad",
                           content_type="application/json")
    assert_panoptes_error(response, 400)


def test_panoptes_unknown_subject_is_422_naming_it(client, setup):
    alice, cid, (s1, _s2, _s3) = setup
    response = link(client, alice, cid, "subjects", {"subjects": [s1, "9999"]})
    assert_panoptes_error(response, 422, contains="9999")
    assert subject_ids(client, cid, alice) == []


def test_panoptes_remove_subjects(client, setup):
    alice, cid, (s1, s2, s3) = setup
    link(client, alice, cid, "subjects", {"subjects": [s1, s2, s3]})
    response = client.delete(f"/api/collections/{cid}/links/subjects/{s1},{s3}", headers=alice.panoptes())
    assert response.status_code == 204
    assert response.get_data() == b""
    assert subject_ids(client, cid, alice) == [s2]
    # The subjects themselves are not deleted.
    for sid in (s1, s3):
        assert read(client, f"/api/subjects/{sid}", alice).status_code == 200


def test_panoptes_remove_with_encoded_comma(client, setup):
    alice, cid, (s1, s2, s3) = setup
    link(client, alice, cid, "subjects", {"subjects": [s1, s2, s3]})
    response = client.delete(f"/api/collections/{cid}/links/subjects/{s1}%2C{s2}", headers=alice.panoptes())
    assert response.status_code == 204
    assert subject_ids(client, cid, alice) == [s3]
    response = client.delete(f"/api/collections/{cid}/links/subjects/{s3}%2c{s1}", headers=alice.panoptes())
    assert response.status_code == 204
    assert subject_ids(client, cid, alice) == []


def test_panoptes_default_subject_set_and_clear(client, setup):
    alice, cid, (s1, s2, _s3) = setup
    link(client, alice, cid, "subjects", {"subjects": [s1, s2]})
    response = link(client, alice, cid, "default_subject", {"default_subject": s2})
    assert response.status_code == 200, response.get_json()
    doc = response.get_json()["collections"][0]
    assert doc["default_subject_src"] == "https://img.example.org/2.jpg"
    assert default_subject(client, cid, alice) == s2
    response = link(client, alice, cid, "default_subject", {"default_subject": None})
    assert response.status_code == 200
    assert default_subject(client, cid, alice) is None
    # With no default the first linked subject's location is the source.
    assert response.get_json()["collections"][0]["default_subject_src"] == "https://img.example.org/1.jpg"


def test_panoptes_default_subject_unknown_is_422(client, setup):
    alice, cid, _subjects = setup
    response = link(client, alice, cid, "default_subject", {"default_subject": "5555"})
    assert_panoptes_error(response, 422, contains="5555")
    assert default_subject(client, cid, alice) is None


def test_removing_the_default_subject_clears_it(client, setup):
    alice, cid, (s1, s2, _s3) = setup
    link(client, alice, cid, "subjects", {"subjects": [s1, s2]})
    link(client, alice, cid, "default_subject", {"default_subject": s1})
    response = client.delete(f"/api/collections/{cid}/links/subjects/{s2}", headers=alice.panoptes())
    assert response.status_code == 204
    assert default_subject(client, cid, alice) == s1
    response = client.delete(f"/api/collections/{cid}/links/subjects/{s1}", headers=alice.panoptes())
    assert response.status_code == 204
    assert default_subject(client, cid, alice) is None
    assert read_collection(client, cid, alice)["attributes"]["default_subject_src"] is None


def test_replacing_subjects_without_the_default_clears_it(client, setup):
    alice, cid, (s1, s2, s3) = setup
    link(client, alice, cid, "subjects", {"subjects": [s1, s2]})
    link(client, alice, cid, "default_subject", {"default_subject": s1})
    assert jsonapi_rel(client, alice, "PATCH", cid, linkage(s3)).status_code == 204
    assert default_subject(client, cid, alice) is None


def test_panoptes_unlink_default_subject_by_id(client, setup):
    alice, cid, (s1, _s2, _s3) = setup
    link(client, alice, cid, "default_subject", {"default_subject": s1})
    response = client.delete(f"/api/collections/{cid}/links/default_subject/{s1}", headers=alice.panoptes())
    assert response.status_code == 204
    assert default_subject(client, cid, alice) is None


def test_invisible_subject_cannot_be_linked(client, people, setup):
    """A subject another user owns is visible (subjects are public); a deleted one is not there at all."""
    alice, cid, _subjects = setup
    bob = people.user("bob")
    bobs = create_subject(client, bob)
    assert link(client, alice, cid, "subjects", {"subjects": [bobs]}).status_code == 200
    gone = create_subject(client, bob)
    assert client.delete(f"/api/subjects/{gone}", headers=bob.jsonapi()).status_code == 204
    response = link(client, alice, cid, "subjects", {"subjects": [gone]})
    assert_panoptes_error(response, 422, contains=gone)


def test_panoptes_links_endpoint_refuses_put(client, setup):
    alice, cid, (s1, _s2, _s3) = setup
    response = client.put(f"/api/collections/{cid}/links/subjects", headers=alice.panoptes(),
                          data=json.dumps({"subjects": [s1]}), content_type="application/json")
    assert_panoptes_error(response, 405)


def test_panoptes_links_get_lists_the_related(client, setup):
    alice, cid, (s1, s2, _s3) = setup
    link(client, alice, cid, "subjects", {"subjects": [s2, s1]})
    response = read(client, f"/api/collections/{cid}/links/subjects", alice, panoptes=True)
    assert response.status_code == 200
    assert [s["id"] for s in response.get_json()["subjects"]] == [s2, s1]


# -- JSON:API ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["relationships", "links"])
def test_jsonapi_to_many_get_post_delete_patch(client, setup, kind):
    alice, cid, (s1, s2, s3) = setup
    response = jsonapi_rel(client, alice, "GET", cid, kind=kind)
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["data"] == []
    assert doc["links"]["self"].endswith(f"/api/collections/{cid}/{kind}/subjects")
    assert doc["links"]["related"].endswith(f"/api/collections/{cid}/subjects")

    # POST adds only what is missing, and is idempotent.
    assert jsonapi_rel(client, alice, "POST", cid, linkage(s1, s2), kind=kind).status_code in (200, 204)
    assert jsonapi_rel(client, alice, "POST", cid, linkage(s2, s3), kind=kind).status_code in (200, 204)
    assert jsonapi_rel(client, alice, "POST", cid, linkage(s2, s3), kind=kind).status_code in (200, 204)
    response = jsonapi_rel(client, alice, "GET", cid, kind=kind)
    assert response.get_json()["data"] == [{"type": "subjects", "id": i} for i in (s1, s2, s3)]

    # DELETE removes what is present; removing it again is fine.
    assert jsonapi_rel(client, alice, "DELETE", cid, linkage(s2), kind=kind).status_code in (200, 204)
    assert jsonapi_rel(client, alice, "DELETE", cid, linkage(s2), kind=kind).status_code in (200, 204)
    assert subject_ids(client, cid, alice) == [s1, s3]
    assert read(client, f"/api/subjects/{s2}", alice).status_code == 200

    # PATCH replaces the whole membership; an empty list clears it.
    assert jsonapi_rel(client, alice, "PATCH", cid, linkage(s3, s2), kind=kind).status_code in (200, 204)
    assert subject_ids(client, cid, alice) == [s3, s2]
    assert jsonapi_rel(client, alice, "PATCH", cid, {"data": []}, kind=kind).status_code in (200, 204)
    assert subject_ids(client, cid, alice) == []


def test_jsonapi_to_one_patch(client, setup):
    alice, cid, (s1, _s2, _s3) = setup
    response = jsonapi_rel(client, alice, "PATCH", cid, {"data": {"type": "subjects", "id": s1}},
                           rel="default_subject")
    assert response.status_code in (200, 204)
    response = jsonapi_rel(client, alice, "GET", cid, rel="default_subject")
    assert response.get_json()["data"] == {"type": "subjects", "id": s1}
    related = read(client, f"/api/collections/{cid}/default_subject", alice)
    assert related.get_json()["data"]["id"] == s1
    assert jsonapi_rel(client, alice, "PATCH", cid, {"data": None}, rel="default_subject").status_code in (200, 204)
    assert jsonapi_rel(client, alice, "GET", cid, rel="default_subject").get_json()["data"] is None
    related = read(client, f"/api/collections/{cid}/default_subject", alice)
    assert related.status_code == 200 and related.get_json()["data"] is None


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_jsonapi_post_or_delete_on_to_one_is_405(client, setup, method):
    alice, cid, (s1, _s2, _s3) = setup
    response = jsonapi_rel(client, alice, method, cid, {"data": {"type": "subjects", "id": s1}},
                           rel="default_subject")
    assert_jsonapi_error(response, 405)
    assert "PATCH" in response.headers.get("Allow", "")
    assert default_subject(client, cid, alice) is None


def test_jsonapi_linkage_errors(client, setup):
    alice, cid, (s1, _s2, _s3) = setup
    cases = [
        ({"data": {"type": "subjects", "id": s1}}, 422),           # to-one linkage on a to-many
        ({"data": [{"type": "users", "id": s1}]}, 422),            # wrong type
        ({"data": [{"type": "subjects", "id": "x"}]}, 422),        # not an id
        ({"data": [{"type": "subjects"}]}, 422),                   # no id
        ({"subjects": [s1]}, 400),                                 # no data member
    ]
    for body, status in cases:
        response = jsonapi_rel(client, alice, "POST", cid, body)
        assert_jsonapi_error(response, status)
        assert response.get_json()["errors"][0]["source"]["pointer"].startswith("/data")
    response = jsonapi_rel(client, alice, "POST", cid, linkage(s1, 8888))
    assert_jsonapi_error(response, 422, pointer="/data", contains="8888")
    response = client.post(f"/api/collections/{cid}/relationships/subjects", headers=alice.jsonapi(),
                           data="[", content_type=JSONAPI)
    assert_jsonapi_error(response, 400)
    assert subject_ids(client, cid, alice) == []


def test_unknown_relationship_is_404(client, setup):
    alice, cid, _subjects = setup
    assert_jsonapi_error(jsonapi_rel(client, alice, "GET", cid, rel="projects"), 404)
    assert_jsonapi_error(jsonapi_rel(client, alice, "POST", cid, linkage(1), rel="projects"), 404)


def test_read_only_relationship_is_403(client, setup):
    alice, cid, (s1, _s2, _s3) = setup
    response = client.post(f"/api/subjects/{s1}/relationships/collections", headers=alice.jsonapi(),
                           data=json.dumps(linkage(cid, type_="collections")), content_type=JSONAPI)
    assert_jsonapi_error(response, 403)
    response = client.post(f"/api/subjects/{s1}/links/collections", headers=alice.panoptes(),
                           data=json.dumps({"collections": [cid]}), content_type="application/json")
    assert_panoptes_error(response, 403)
    response = client.delete(f"/api/subjects/{s1}/links/collections/{cid}", headers=alice.panoptes())
    assert_panoptes_error(response, 403)
    assert subject_ids(client, cid, alice) == []
    # Reading it is fine.
    response = client.get(f"/api/subjects/{s1}/relationships/collections", headers=alice.jsonapi())
    assert response.status_code == 200 and response.get_json()["data"] == []


def test_create_only_relationship_is_403(client, setup, people):
    alice, cid, _subjects = setup
    bob = people.user("bob")
    response = jsonapi_rel(client, alice, "PATCH", cid, {"data": {"type": "users", "id": str(bob.id)}}, rel="owner")
    assert_jsonapi_error(response, 403)
    assert read_collection(client, cid, alice)["relationships"]["owner"]["data"]["id"] == str(alice.id)


def test_parent_etag_changes_after_a_link_change(client, setup):
    alice, cid, (s1, s2, _s3) = setup
    path = f"/api/collections/{cid}"
    first = etag_of(client, path, alice)
    link(client, alice, cid, "subjects", {"subjects": [s1]})
    second = etag_of(client, path, alice)
    assert second != first
    jsonapi_rel(client, alice, "POST", cid, linkage(s2))
    third = etag_of(client, path, alice)
    assert third != second
    client.delete(f"/api/collections/{cid}/links/subjects/{s1}", headers=alice.panoptes())
    fourth = etag_of(client, path, alice)
    assert fourth != third
    # The old ETag is now stale for a conditional update.
    body = jsonapi_body("collections", {"description": "x"}, id_=cid)
    response = client.patch(path, headers=alice.jsonapi(**{"If-Match": third}), data=json.dumps(body),
                            content_type=JSONAPI)
    assert_jsonapi_error(response, 412)


def test_link_endpoints_honour_if_match_when_sent(client, setup):
    alice, cid, (s1, _s2, _s3) = setup
    response = client.post(f"/api/collections/{cid}/relationships/subjects",
                           headers=alice.jsonapi(**{"If-Match": '"stale"'}), data=json.dumps(linkage(s1)),
                           content_type=JSONAPI)
    assert_jsonapi_error(response, 412)
    assert subject_ids(client, cid, alice) == []


def test_user_group_members_via_links_users(client, people):
    alice, bob, carol = people.user("alice"), people.user("bob"), people.user("carol")
    group = people.group("gardeners", alice)
    response = client.post(f"/api/user_groups/{group}/links/users", headers=alice.panoptes(),
                           data=json.dumps({"users": [str(bob.id)]}), content_type="application/json")
    assert response.status_code == 200, response.get_json()
    members = response.get_json()["user_groups"][0]["links"]["users"]
    assert sorted(members) == sorted([str(alice.id), str(bob.id)])
    response = client.post(f"/api/user_groups/{group}/links/users", headers=alice.jsonapi(),
                           data=json.dumps(linkage(carol.id, type_="users")), content_type=JSONAPI)
    assert response.status_code in (200, 204)
    response = client.get(f"/api/user_groups/{group}/relationships/users", headers=alice.jsonapi())
    assert sorted(d["id"] for d in response.get_json()["data"]) == sorted(str(p.id) for p in (alice, bob, carol))
    # The new member now acts as an owner of the group's collections.
    cid = create_collection(client, alice, "Group's", owner=("user_groups", group))
    body = jsonapi_body("collections", {"description": "by carol"}, id_=cid)
    response = client.patch(f"/api/collections/{cid}", headers=carol.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert response.status_code == 200
    # A plain member may not manage membership.
    response = client.delete(f"/api/user_groups/{group}/links/users/{alice.id}", headers=bob.panoptes())
    assert_panoptes_error(response, 403)
    response = client.delete(f"/api/user_groups/{group}/links/users/{carol.id}", headers=alice.panoptes())
    assert response.status_code == 204
    response = client.get(f"/api/user_groups/{group}/relationships/users", headers=alice.jsonapi())
    assert str(carol.id) not in [d["id"] for d in response.get_json()["data"]]
    assert read(client, f"/api/users/{carol.id}", alice).status_code == 200
    response = client.patch(f"/api/collections/{cid}", headers=carol.jsonapi(), data=json.dumps(body),
                            content_type=JSONAPI)
    assert_jsonapi_error(response, 403)


def test_panoptes_remove_with_a_bad_id_removes_nothing(client, setup):
    alice, cid, (s1, s2, _s3) = setup
    link(client, alice, cid, "subjects", {"subjects": [s1, s2]})
    response = client.delete(f"/api/collections/{cid}/links/subjects/{s1},abc", headers=alice.panoptes())
    assert_panoptes_error(response, 400, contains="abc")
    response = client.delete(f"/api/collections/{cid}/links/subjects/{s1},abc", headers=alice.jsonapi())
    assert_jsonapi_error(response, 400)
    assert subject_ids(client, cid, alice) == [s1, s2]


def test_panoptes_remove_of_a_subject_not_linked_is_fine(client, setup):
    alice, cid, (s1, s2, s3) = setup
    link(client, alice, cid, "subjects", {"subjects": [s1]})
    response = client.delete(f"/api/collections/{cid}/links/subjects/{s3}", headers=alice.panoptes())
    assert response.status_code == 204
    assert subject_ids(client, cid, alice) == [s1]
