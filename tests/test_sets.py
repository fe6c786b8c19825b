"""The Sets family (API §7.4, KOORDINATES.md §3.3) through HTTP in both dialects: layers, tables and documents;
sets and their content; items as URLs, identifiers and linkage; set-level writes going to the draft; the
version state machine row by row; publishing (and its atomicity); drafts, versions and shortcuts; trailing
slashes; Markdown sanitising; permissions; includes and relationship paging; deletes.

Rights in depth are in tests/test_set_policies.py; the state machine's pure unit tests in
tests/test_set_versions.py.
"""
import re
from html.parser import HTMLParser

import pytest

from app.services import set_versions as machine
from tests.conftest import PANOPTES, jsonapi_body
from tests.sets_helpers import (
    create_item,
    create_set,
    draft_id,
    grant,
    item_linkage,
    new_draft,
    publish,
    published_set,
    send,
)
from tests.writing_helpers import assert_jsonapi_error, assert_panoptes_error

ROOT = "http://localhost/api"
DIALECTS = pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])


@pytest.fixture
def alice(people):
    return people.user("alice")


@pytest.fixture
def bob(people):
    return people.user("bob")


@pytest.fixture
def items(client, alice):
    """Two layers, a table and a document of alice's: {name: (type, id)}."""
    return {
        "l1": ("layers", create_item(client, alice, "layers", "Roads")),
        "l2": ("layers", create_item(client, alice, "layers", "Rivers")),
        "t1": ("tables", create_item(client, alice, "tables", "Census")),
        "d1": ("documents", create_item(client, alice, "documents", "Report")),
    }


# -- small readers -------------------------------------------------------------------------------------

def get(client, path, person=None, panoptes=False):
    return send(client, "GET", path, person, panoptes=panoptes)


def read_set(client, set_id, person):
    response = get(client, f"/api/sets/{set_id}/", person)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def read_version(client, set_id, version_id, person):
    response = get(client, f"/api/sets/{set_id}/versions/{version_id}/", person)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def state_of(client, set_id, version_id, person):
    return read_version(client, set_id, version_id, person)["attributes"]["state"]


def to_one(data, rel):
    linkage = data["relationships"][rel]["data"]
    return linkage and linkage["id"]


def etag(client, path, person, panoptes=True):
    response = get(client, path, person, panoptes=panoptes)
    assert response.status_code == 200, response.get_json()
    return response.headers["ETag"]


def url(type_id):
    return f"/api/{type_id[0]}/{type_id[1]}/"


def assert_error(response, status, message, panoptes):
    """The error in the request's dialect, its detail (JSON:API) or message (Panoptes) holding ``message``."""
    if panoptes:
        return assert_panoptes_error(response, status, contains=message)
    return assert_jsonapi_error(response, status, contains=message)


def edit_version(client, set_id, version_id, person, attributes, panoptes):
    """PATCH (JSON:API) or PUT with If-Match (Panoptes, which requires it) of one version."""
    path = f"/api/sets/{set_id}/versions/{version_id}/"
    if panoptes:
        return send(client, "PUT", path, person, {"set_versions": attributes}, panoptes=True,
                    **{"If-Match": etag(client, path, person)})
    return send(client, "PATCH", path, person, jsonapi_body("set_versions", attributes, id_=version_id))


def edit_set(client, set_id, person, attributes, panoptes):
    path = f"/api/sets/{set_id}/"
    if panoptes:
        return send(client, "PUT", path, person, {"sets": attributes}, panoptes=True,
                    **{"If-Match": etag(client, path, person)})
    return send(client, "PATCH", path, person, jsonapi_body("sets", attributes, id_=set_id))


def delete_version(client, set_id, version_id, person, panoptes):
    path = f"/api/sets/{set_id}/versions/{version_id}/"
    headers = {"If-Match": etag(client, path, person)} if panoptes else {}
    return send(client, "DELETE", path, person, panoptes=panoptes, **headers)


def publish_request(client, set_id, version_id, person, panoptes):
    return send(client, "POST", f"/api/sets/{set_id}/versions/{version_id}/publish/", person, {},
                panoptes=panoptes)


@pytest.fixture
def history(client, alice, items):
    """A set with one version in each settled state: v1 superseded, v2 published, v3 discarded, v4 draft."""
    set_id, v1 = published_set(client, alice, items=[items["l1"]], title="First")
    v2 = new_draft(client, set_id, alice, jsonapi_body("set_versions", {"title": "Second"}))
    publish(client, set_id, v2, alice)
    v3 = new_draft(client, set_id, alice)
    assert send(client, "DELETE", f"/api/sets/{set_id}/versions/{v3}/", alice).status_code == 204
    v4 = new_draft(client, set_id, alice, jsonapi_body("set_versions", {"title": "Fourth"}))
    states = {v: state_of(client, set_id, v, alice) for v in (v1, v2, v3, v4)}
    assert states == {v1: "superseded", v2: "published", v3: "discarded", v4: "draft"}
    return {"set": set_id, "superseded": v1, "published": v2, "discarded": v3, "draft": v4}


# -- layers, tables, documents ------------------------------------------------------------------------

@pytest.mark.parametrize("type_", ["layers", "tables", "documents"])
def test_items_full_crud_anyone_reads_owner_writes(client, alice, bob, type_):
    response = send(client, "POST", f"/api/{type_}", alice, jsonapi_body(type_, {"title": "A", "description": "d"}))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert response.headers["Location"] == data["links"]["self"] == f"{ROOT}/{type_}/{data['id']}/"
    assert data["attributes"]["title"] == "A" and data["attributes"]["description"] == "d"
    assert data["relationships"]["owner"]["data"] == {"type": "users", "id": str(alice.id)}
    path = f"/api/{type_}/{data['id']}/"

    for person in (None, bob):  # anyone reads, in both dialects
        assert get(client, path, person).get_json()["data"]["attributes"]["title"] == "A"
        (row,) = get(client, path, person, panoptes=True).get_json()[type_]
        assert row["href"] == f"/{type_}/{data['id']}/"
    listed = get(client, f"/api/{type_}/").get_json()["data"]
    assert [r["id"] for r in listed] == [data["id"]]

    assert_jsonapi_error(send(client, "POST", f"/api/{type_}/", None, jsonapi_body(type_, {"title": "x"})), 401)
    change = jsonapi_body(type_, {"title": "B"}, id_=data["id"])
    assert_jsonapi_error(send(client, "PATCH", path, bob, change), 403)
    assert_jsonapi_error(send(client, "DELETE", path, bob), 403)
    response = send(client, "PATCH", path, alice, change)
    assert response.status_code == 200 and response.get_json()["data"]["attributes"]["title"] == "B"
    owner = {"owner": {"data": {"type": "users", "id": str(bob.id)}}}
    assert_jsonapi_error(send(client, "PATCH", path, alice, jsonapi_body(type_, {}, owner, id_=data["id"])), 422,
                         pointer="/data/relationships/owner/data")
    assert get(client, path).get_json()["data"]["relationships"]["owner"]["data"]["id"] == str(alice.id)
    assert send(client, "DELETE", path, alice).status_code == 204
    assert_jsonapi_error(get(client, path, alice), 404)


# -- creating sets -----------------------------------------------------------------------------------------

def test_create_set_jsonapi_first_version_is_a_draft(client, alice, bob, items):
    body = jsonapi_body("sets", {"title": "Roads", "description": "All *roads*.", "categories": ["transport"],
                                 "tags": ["roads", "nz"], "metadata": {"source": "LINZ"},
                                 "publish_to_catalog_services": True,
                                 "items": [url(items["l1"]), url(items["t1"])]})
    response = send(client, "POST", "/api/sets", alice, body)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    set_id = data["id"]
    assert response.headers["Location"] == data["links"]["self"] == f"{ROOT}/sets/{set_id}/"
    attrs = data["attributes"]
    assert attrs["title"] == "Roads" and attrs["description"] == "All *roads*."
    assert attrs["description_html"] == "<p>All <em>roads</em>.</p>\n"
    assert (attrs["categories"], attrs["tags"]) == (["transport"], ["roads", "nz"])
    assert attrs["metadata"] == {"source": "LINZ"} and attrs["publish_to_catalog_services"] is True
    assert attrs["url_html"] == f"http://localhost/set/{set_id}/"
    assert "items" not in attrs and "user" not in attrs
    assert item_linkage(data) == [items["l1"], items["t1"]]
    assert data["relationships"]["owner"]["data"] == {"type": "users", "id": str(alice.id)}
    assert data["relationships"]["published_version"]["data"] is None
    version = to_one(data, "latest_version")
    assert data["relationships"]["versions"]["data"] == [{"type": "set_versions", "id": version}]
    draft = read_version(client, set_id, version, alice)
    assert draft["attributes"]["state"] == "draft" and draft["attributes"]["title"] == "Roads"
    assert item_linkage(draft) == [items["l1"], items["t1"]]
    assert draft["relationships"]["created_by"]["data"]["id"] == str(alice.id)
    # never published: its editors see the draft, everyone else 404; it is a draft, not a published set
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/", bob), 404)
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/"), 404)
    assert get(client, "/api/sets/", alice).get_json()["data"] == []
    assert [s["id"] for s in get(client, "/api/sets/drafts/", alice).get_json()["data"]] == [set_id]


def test_create_set_panoptes(client, alice, items):
    body = {"sets": {"title": "Roads", "description": "d", "tags": ["a"], "items": [url(items["d1"]), url(items["l2"])]}}
    response = send(client, "POST", "/api/sets/", alice, body, panoptes=True)
    assert response.status_code == 201, response.get_json()
    assert response.headers["Content-Type"] == PANOPTES
    doc = response.get_json()
    (made,) = doc["sets"]
    assert made["href"] == f"/sets/{made['id']}/"
    assert response.headers["Location"] == ROOT + made["href"]
    assert made["title"] == "Roads" and made["tags"] == ["a"] and made["description_html"] == "<p>d</p>\n"
    members = made["links"]["items"]["members"]
    assert [(m["type"], m["id"]) for m in members] == [items["d1"], items["l2"]]
    assert [m["href"] for m in members] == [f"/documents/{items['d1'][1]}/", f"/layers/{items['l2'][1]}/"]
    assert made["links"]["published_version"] is None and made["links"]["latest_version"] == made["links"]["versions"][0]
    assert "meta" in doc and "sets" in doc["meta"] and "sets.items" in doc["links"]
    # Panoptes linkage form for items works too
    body = {"sets": {"title": "T", "description": "d", "links": {"items": [{"id": items["t1"][1], "type": "tables"}]}}}
    response = send(client, "POST", "/api/sets/", alice, body, panoptes=True)
    assert response.status_code == 201, response.get_json()
    (made,) = response.get_json()["sets"]
    assert [(m["type"], m["id"]) for m in made["links"]["items"]["members"]] == [items["t1"]]


def test_create_set_with_relationships_items_linkage(client, alice, items):
    linkage = {"items": {"data": [{"type": t, "id": i} for t, i in (items["t1"], items["l1"], items["d1"])]}}
    response = send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", {"title": "T", "description": ""}, linkage))
    assert response.status_code == 201, response.get_json()
    assert item_linkage(response.get_json()["data"]) == [items["t1"], items["l1"], items["d1"]]


@pytest.mark.parametrize("form", ["id", "string", "url", "absolute", "object"])
def test_create_set_owned_by_a_group_through_group_input(client, people, alice, form):
    group = people.group("linz", alice)
    value = {"id": group, "string": str(group), "url": f"/api/user_groups/{group}/",
             "absolute": f"{ROOT}/user_groups/{group}", "object": {"id": group}}[form]
    response = send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", {"title": "G", "description": "",
                                                                               "group": value}))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert data["relationships"]["owner"]["data"] == {"type": "user_groups", "id": str(group)}
    assert "group" not in data["attributes"]


def test_create_set_user_input_and_its_checks(client, alice, bob):
    response = send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", {"title": "U", "description": "",
                                                                               "user": f"/api/users/{alice.id}/"}))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["relationships"]["owner"]["data"] == {"type": "users", "id": str(alice.id)}
    # someone else as the owner is refused; so is a value that names no user
    response = send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", {"title": "U", "description": "",
                                                                               "user": bob.id}))
    assert_jsonapi_error(response, 403)
    response = send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", {"title": "U", "description": "",
                                                                               "user": "somebody"}))
    assert_jsonapi_error(response, 422, pointer="/data/attributes/user")


def test_create_set_validation_errors_have_pointers(client, alice):
    doc = assert_jsonapi_error(send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", {"tags": ["x"]})), 422,
                               pointer="/data/attributes/title")
    assert {"pointer": "/data/attributes/description"} in [e.get("source") for e in doc["errors"]]
    assert_jsonapi_error(send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", {"title": "T"})), 422,
                         pointer="/data/attributes/description")
    assert_jsonapi_error(send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", {"description": "d"})), 422,
                         pointer="/data/attributes/title")
    bad = {"title": "T", "description": "d", "tags": "roads", "metadata": [1], "publish_to_catalog_services": "maybe"}
    doc = assert_jsonapi_error(send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", bad)), 422)
    pointers = {e["source"]["pointer"] for e in doc["errors"]}
    assert {"/data/attributes/tags", "/data/attributes/metadata",
            "/data/attributes/publish_to_catalog_services"} <= pointers
    assert_jsonapi_error(send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", {**bad, "colour": 1})), 422,
                         pointer="/data/attributes/colour")
    assert_panoptes_error(send(client, "POST", "/api/sets/", alice, {"sets": {"description": "d"}}, panoptes=True), 422,
                          contains="title")
    assert_panoptes_error(send(client, "POST", "/api/sets/", alice, {"sets": {"title": "t"}}, panoptes=True), 422,
                          contains="description")
    assert_jsonapi_error(send(client, "POST", "/api/sets/", None, jsonapi_body("sets", {"title": "T",
                                                                                      "description": "d"})), 401)
    assert get(client, "/api/sets/drafts/", alice).get_json()["data"] == []  # nothing was made


# -- items as URLs ---------------------------------------------------------------------------------------

ITEM_FORMS = [
    "http://localhost/api/{t}/{i}/",
    "http://localhost/api/{t}/{i}",
    "/api/{t}/{i}/",
    "/api/{t}/{i}",
    "/{t}/{i}/",
    "/{t}/{i}",
    "{t}/{i}/",
    "{t}/{i}",
]


@pytest.mark.parametrize("form", ITEM_FORMS)
def test_items_url_forms_on_create_and_update(client, alice, items, form):
    wanted = [items["t1"], items["l1"], items["d1"], items["l2"]]
    urls = [form.format(t=t, i=i) for t, i in wanted]
    data = create_set(client, alice, items=())
    response = send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", {"title": "T", "description": "d",
                                                                               "items": urls}))
    assert response.status_code == 201, response.get_json()
    assert item_linkage(response.get_json()["data"]) == wanted  # order kept, types mixed
    # the same forms in an update of the set (Panoptes) and of a version (JSON:API)
    response = edit_set(client, data["id"], alice, {"items": list(reversed(urls))}, panoptes=True)
    assert response.status_code == 200, response.get_json()
    assert item_linkage(read_set(client, data["id"], alice)) == list(reversed(wanted))
    version = to_one(data, "latest_version")
    response = edit_version(client, data["id"], version, alice, {"items": urls[:2]}, panoptes=False)
    assert response.status_code == 200, response.get_json()
    assert item_linkage(response.get_json()["data"]) == wanted[:2]


def test_items_mixes_urls_and_identifier_objects(client, alice, items):
    entries = [url(items["l2"]), {"type": "documents", "id": items["d1"][1]}, f"tables/{items['t1'][1]}"]
    data = create_set(client, alice)
    response = edit_set(client, data["id"], alice, {"items": entries}, panoptes=False)
    assert response.status_code == 200, response.get_json()
    assert item_linkage(response.get_json()["data"]) == [items["l2"], items["d1"], items["t1"]]


BAD_ITEMS = [
    "http://evil.example.org/api/layers/{i}/",
    "https://localhost/api/layers/{i}/",
    "//evil.example.org/api/layers/{i}/",
    "/api/subjects/{i}/",
    "/api/sets/{i}/",
    "/api/layers/abc/",
    "/api/layers/0/",
    "/api/layers/-{i}/",
    "/api/layers/{i}/versions/",
    "/api/layers/{i}//",
    "/api/layers/{i}/?x=1",
    "/API/layers/{i}/",
    "layers",
    "",
    "javascript:alert({i})",
]


@pytest.mark.parametrize("bad", BAD_ITEMS)
def test_bad_item_urls_are_422_naming_them(client, alice, items, bad):
    bad = bad.format(i=items["l1"][1])
    attributes = {"title": "T", "description": "d", "items": [url(items["t1"]), bad]}
    doc = assert_jsonapi_error(send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", attributes)), 422,
                               pointer="/data/attributes/items")
    error = doc["errors"][0]
    assert error["code"] == "invalid_item" and repr(bad) in error["detail"]
    response = send(client, "POST", "/api/sets/", alice, {"sets": attributes}, panoptes=True)
    assert_panoptes_error(response, 422, contains=repr(bad))
    assert get(client, "/api/sets/drafts/", alice).get_json()["data"] == []


@pytest.mark.parametrize("bad", [5, None, True, ["/api/layers/1/"], 1.5])
def test_non_string_items_are_422(client, alice, bad):
    attributes = {"title": "T", "description": "d", "items": [bad]}
    doc = assert_jsonapi_error(send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", attributes)), 422,
                               pointer="/data/attributes/items")
    assert repr(bad) in doc["errors"][0]["detail"]


@pytest.mark.parametrize("value", ["/api/layers/1/", {"type": "layers", "id": "1"}, 3])
def test_items_that_are_not_a_list_are_422(client, alice, items, value):
    attributes = {"title": "T", "description": "d", "items": value}
    assert_jsonapi_error(send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", attributes)), 422,
                         pointer="/data/attributes/items")


def test_identifier_of_a_type_that_is_not_an_item_is_422(client, alice, items):
    attributes = {"title": "T", "description": "d", "items": [{"type": "subjects", "id": "1"}]}
    response = send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", attributes))
    assert response.status_code == 422, response.get_json()
    assert get(client, "/api/sets/drafts/", alice).get_json()["data"] == []


def test_unknown_items_are_422_naming_them(client, alice, items):
    attributes = {"title": "T", "description": "d", "items": [url(items["l1"]), "/api/layers/99/"]}
    assert_jsonapi_error(send(client, "POST", "/api/sets/", alice, jsonapi_body("sets", attributes)), 422,
                         contains="Couldn't find linked items for the current user: layers 99.")
    assert_panoptes_error(send(client, "POST", "/api/sets/", alice, {"sets": attributes}, panoptes=True), 422,
                          contains="Couldn't find linked items for the current user: layers 99.")
    # also on a write of the set's items
    data = create_set(client, alice, items=[items["l1"]])
    response = edit_set(client, data["id"], alice, {"items": ["/api/tables/77/"]}, panoptes=False)
    assert_jsonapi_error(response, 422, contains="tables 77")
    assert item_linkage(read_set(client, data["id"], alice)) == [items["l1"]]
    response = send(client, "POST", f"/api/sets/{data['id']}/relationships/items", alice,
                    {"data": [{"type": "documents", "id": "55"}]})
    assert_jsonapi_error(response, 422, contains="documents 55")
    assert item_linkage(read_set(client, data["id"], alice)) == [items["l1"]]


def test_put_replaces_items_and_other_fields_stay(client, alice, items):
    data = create_set(client, alice, items=[items["l1"], items["t1"]], tags=["keep"])
    response = edit_set(client, data["id"], alice, {"items": [url(items["d1"])]}, panoptes=True)
    assert response.status_code == 200, response.get_json()
    (shown,) = response.get_json()["sets"]
    assert [(m["type"], m["id"]) for m in shown["links"]["items"]["members"]] == [items["d1"]]
    assert shown["tags"] == ["keep"] and shown["title"] == data["attributes"]["title"]
    response = edit_set(client, data["id"], alice, {"items": []}, panoptes=True)
    assert response.status_code == 200
    assert item_linkage(read_set(client, data["id"], alice)) == []
    assert item_linkage(read_version(client, data["id"], to_one(data, "latest_version"), alice)) == []


# -- set-level writes go to the draft ---------------------------------------------------------------------

@DIALECTS
def test_set_write_on_a_published_set_goes_to_a_new_draft(client, alice, items, panoptes):
    set_id, published = published_set(client, alice, items=[items["l1"]], title="Old", description="old")
    response = edit_set(client, set_id, alice, {"title": "New", "items": [url(items["t1"]), url(items["l1"])]},
                        panoptes)
    assert response.status_code == 200, response.get_json()
    if panoptes:
        (shown,) = response.get_json()["sets"]
        assert shown["title"] == "Old" and shown["links"]["published_version"] == published
        draft = shown["links"]["latest_version"]
    else:
        shown = response.get_json()["data"]
        assert shown["attributes"]["title"] == "Old" and to_one(shown, "published_version") == published
        assert item_linkage(shown) == [items["l1"]]
        draft = to_one(shown, "latest_version")
    assert draft != published
    assert draft_id(client, set_id, alice) == draft
    version = read_version(client, set_id, draft, alice)
    assert version["attributes"]["title"] == "New" and version["attributes"]["description"] == "old"
    assert item_linkage(version) == [items["t1"], items["l1"]]
    assert state_of(client, set_id, published, alice) == "published"
    assert read_set(client, set_id, alice)["attributes"]["title"] == "Old"
    # a second write goes to the same draft
    assert edit_set(client, set_id, alice, {"description": "newer"}, panoptes).status_code == 200
    assert draft_id(client, set_id, alice) == draft
    assert [v["id"] for v in get(client, f"/api/sets/{set_id}/versions/", alice).get_json()["data"]] == [draft,
                                                                                                       published]
    publish(client, set_id, draft, alice)
    shown = read_set(client, set_id, alice)
    assert (shown["attributes"]["title"], shown["attributes"]["description"]) == ("New", "newer")
    assert shown["attributes"]["description_html"] == "<p>newer</p>\n"
    assert item_linkage(shown) == [items["t1"], items["l1"]]


def test_description_of_a_set_write_is_rendered_in_the_draft(client, alice):
    set_id, _ = published_set(client, alice, description="plain")
    response = edit_set(client, set_id, alice, {"description": "# Heading"}, panoptes=False)
    assert response.status_code == 200
    assert response.get_json()["data"]["attributes"]["description_html"] == "<p>plain</p>\n"
    draft = read_version(client, set_id, draft_id(client, set_id, alice), alice)
    assert draft["attributes"]["description_html"] == "<h1>Heading</h1>\n"


def test_set_write_on_a_never_published_set_shows_at_once(client, alice, items):
    data = create_set(client, alice, items=[items["l1"]], title="Draft")
    response = edit_set(client, data["id"], alice, {"title": "Still draft", "items": [url(items["d1"])]}, False)
    assert response.status_code == 200
    shown = response.get_json()["data"]
    assert shown["attributes"]["title"] == "Still draft" and item_linkage(shown) == [items["d1"]]
    assert to_one(shown, "latest_version") == to_one(data, "latest_version")
    assert len(get(client, f"/api/sets/{data['id']}/versions/", alice).get_json()["data"]) == 1


def test_relationship_writes_on_a_published_set_go_to_the_draft(client, alice, items):
    set_id, published = published_set(client, alice, items=[items["l1"]])
    response = send(client, "POST", f"/api/sets/{set_id}/relationships/items", alice,
                    {"data": [{"type": "tables", "id": items["t1"][1]}]})
    assert response.status_code == 204, response.get_json()
    shown = read_set(client, set_id, alice)
    assert item_linkage(shown) == [items["l1"]]
    draft = to_one(shown, "latest_version")
    assert draft != published and to_one(shown, "published_version") == published
    assert item_linkage(read_version(client, set_id, draft, alice)) == [items["l1"], items["t1"]]
    # Panoptes add and remove, on the same draft
    response = send(client, "POST", f"/api/sets/{set_id}/links/items", alice,
                    {"items": [{"id": items["d1"][1], "type": "documents"}]}, panoptes=True)
    assert response.status_code == 200, response.get_json()
    response = send(client, "DELETE", f"/api/sets/{set_id}/links/items/layers.{items['l1'][1]}", alice, panoptes=True)
    assert response.status_code == 204
    assert draft_id(client, set_id, alice) == draft
    assert item_linkage(read_version(client, set_id, draft, alice)) == [items["t1"], items["d1"]]
    assert item_linkage(read_version(client, set_id, published, alice)) == [items["l1"]]
    assert item_linkage(read_set(client, set_id, alice)) == [items["l1"]]


def test_failed_set_writes_on_a_published_set_make_no_draft(client, alice, items):
    set_id, published = published_set(client, alice, items=[items["l1"]])
    attempts = [
        ("PATCH", f"/api/sets/{set_id}/", jsonapi_body("sets", {"items": ["/api/layers/99/"]}, id_=set_id)),
        ("PATCH", f"/api/sets/{set_id}/", jsonapi_body("sets", {"title": ""}, id_=set_id)),
        ("PATCH", f"/api/sets/{set_id}/", jsonapi_body("sets", {"title": "ok", "tags": None}, id_=set_id)),
        ("POST", f"/api/sets/{set_id}/relationships/items", {"data": [{"type": "layers", "id": "99"}]}),
        ("PATCH", f"/api/sets/{set_id}/relationships/items", {"data": [{"type": "tables", "id": "98"}]}),
    ]
    for method, path, body in attempts:
        assert_jsonapi_error(send(client, method, path, alice, body), 422)
    response = send(client, "POST", f"/api/sets/{set_id}/links/items", alice,
                    {"items": [{"id": items["l1"][1], "type": "layers"}]}, panoptes=True)
    assert_panoptes_error(response, 400)
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/versions/draft/", alice), 404)
    shown = read_set(client, set_id, alice)
    assert to_one(shown, "latest_version") == published and item_linkage(shown) == [items["l1"]]
    assert [v["id"] for v in get(client, f"/api/sets/{set_id}/versions/", alice).get_json()["data"]] == [published]


def test_version_writes_on_a_never_published_set_show_on_the_set(client, alice, items):
    data = create_set(client, alice, items=[items["l1"]], title="Draft")
    set_id, version = data["id"], to_one(data, "latest_version")
    response = send(client, "PATCH", f"/api/set_versions/{version}", alice,
                    jsonapi_body("set_versions", {"title": "Flat", "tags": ["x"]}, id_=version))
    assert response.status_code == 200, response.get_json()
    shown = read_set(client, set_id, alice)
    assert shown["attributes"]["title"] == "Flat" and shown["attributes"]["tags"] == ["x"]
    response = send(client, "POST", f"/api/sets/{set_id}/versions/{version}/relationships/items", alice,
                    {"data": [{"type": "tables", "id": items["t1"][1]}]})
    assert response.status_code == 204
    assert item_linkage(read_set(client, set_id, alice)) == [items["l1"], items["t1"]]
    response = send(client, "DELETE", f"/api/sets/{set_id}/versions/{version}/links/items/layers.{items['l1'][1]}",
                    alice, panoptes=True)
    assert response.status_code == 204
    assert item_linkage(read_set(client, set_id, alice)) == [items["t1"]]


def test_duplicate_items_in_a_list_keep_their_first_place(client, alice, items):
    entries = [url(items["l1"]), f"/tables/{items['t1'][1]}", f"layers/{items['l1'][1]}",
               {"type": "tables", "id": items["t1"][1]}, url(items["d1"])]
    data = create_set(client, alice)
    response = edit_set(client, data["id"], alice, {"items": entries}, panoptes=False)
    assert response.status_code == 200, response.get_json()
    assert item_linkage(response.get_json()["data"]) == [items["l1"], items["t1"], items["d1"]]


def test_state_and_description_html_are_read_only_on_a_version(client, alice, history):
    set_id, draft = history["set"], history["draft"]
    response = edit_version(client, set_id, draft, alice, {"state": "published", "description_html": "<b>x</b>",
                                                            "description": "y"}, panoptes=False)
    assert response.status_code == 200, response.get_json()
    attrs = read_version(client, set_id, draft, alice)["attributes"]
    assert attrs["state"] == "draft" and attrs["description_html"] == "<p>y</p>\n"
    assert state_of(client, set_id, history["published"], alice) == "published"
    assert to_one(read_set(client, set_id, alice), "published_version") == history["published"]


# -- relationship endpoints of items ----------------------------------------------------------------------

def test_jsonapi_relationship_writes_on_items(client, alice, items):
    data = create_set(client, alice, items=[items["l1"]])
    set_id = data["id"]
    for kind in ("relationships", "links"):
        path = f"/api/sets/{set_id}/{kind}/items"
        ids = [{"type": t, "id": i} for t, i in (items["t1"], items["l1"], items["d1"])]
        assert send(client, "POST", path, alice, {"data": ids}).status_code == 204  # adds what is missing
        assert item_linkage(read_set(client, set_id, alice)) == [items["l1"], items["t1"], items["d1"]]
        assert send(client, "DELETE", path, alice, {"data": ids[:1] + [{"type": "layers",
                                                                         "id": items["l2"][1]}]}).status_code == 204
        assert item_linkage(read_set(client, set_id, alice)) == [items["l1"], items["d1"]]
        replace = [{"type": "layers", "id": items["l2"][1]}, {"type": "tables", "id": items["t1"][1]}]
        assert send(client, "PATCH", path, alice, {"data": replace}).status_code == 204
        assert item_linkage(read_set(client, set_id, alice)) == [items["l2"], items["t1"]]
        response = get(client, path, alice)
        assert response.get_json()["data"] == replace
        assert send(client, "PATCH", path, alice, {"data": [{"type": "layers", "id": items["l1"][1]}]}).status_code == 204


def same_id_items(client, person):
    """A layer, a table and a document with the same id: [(type, id)] * 3."""
    made = {t: create_item(client, person, t, "same") for t in ("layers", "tables", "documents")}
    target = max(int(i) for i in made.values())
    for type_, id_ in list(made.items()):
        while int(id_) < target:
            id_ = made[type_] = create_item(client, person, type_, "same")
    assert len(set(made.values())) == 1
    return list(made.items())


def test_panoptes_links_items_add_and_remove(client, alice, items):
    same = same_id_items(client, alice)
    data = create_set(client, alice)
    set_id = data["id"]
    path = f"/api/sets/{set_id}/links/items"
    response = send(client, "POST", path, alice, {"items": [{"id": items["l2"][1], "type": "layers"},
                                                             {"id": items["t1"][1], "type": "tables"}]}, panoptes=True)
    assert response.status_code == 200, response.get_json()
    (shown,) = response.get_json()["sets"]
    assert [(m["type"], m["id"]) for m in shown["links"]["items"]["members"]] == [items["l2"], items["t1"]]
    # adding one already there is the Panoptes 400, and adds nothing
    response = send(client, "POST", path, alice, {"items": [{"id": items["d1"][1], "type": "documents"},
                                                             {"id": items["t1"][1], "type": "tables"}]}, panoptes=True)
    assert_panoptes_error(response, 400, contains="already in the set's items")
    assert item_linkage(read_set(client, set_id, alice)) == [items["l2"], items["t1"]]
    # a typed id removes that item only; a bare id removes that id of every type
    assert send(client, "POST", path, alice, {"items": [{"id": i, "type": t} for t, i in same]},
                panoptes=True).status_code == 200
    assert send(client, "DELETE", f"{path}/layers.{items['l2'][1]}", alice, panoptes=True).status_code == 204
    assert item_linkage(read_set(client, set_id, alice)) == [items["t1"], *same]
    assert send(client, "DELETE", f"{path}/tables.{same[1][1]}", alice, panoptes=True).status_code == 204
    assert item_linkage(read_set(client, set_id, alice)) == [items["t1"], same[0], same[2]]
    assert send(client, "DELETE", f"{path}/{same[0][1]}", alice, panoptes=True).status_code == 204
    assert item_linkage(read_set(client, set_id, alice)) == [items["t1"]]
    # removing a link never deletes the item
    for type_, id_ in same + [items["l2"]]:
        assert get(client, f"/api/{type_}/{id_}/").status_code == 200
    response = send(client, "DELETE", f"{path}/subjects.1", alice, panoptes=True)
    assert_panoptes_error(response, 400)


def test_related_items_endpoint_in_both_dialects(client, alice, items):
    order = [items["l1"], items["t1"], items["l2"], items["d1"]]
    data = create_set(client, alice, items=order)
    set_id = data["id"]
    response = get(client, f"/api/sets/{set_id}/items", alice)
    assert [(r["type"], r["id"]) for r in response.get_json()["data"]] == order
    assert response.get_json()["data"][0]["links"]["self"] == f"{ROOT}/layers/{items['l1'][1]}/"
    response = get(client, f"/api/sets/{set_id}/items?page[size]=2&page[number]=2", alice)
    doc = response.get_json()
    assert [(r["type"], r["id"]) for r in doc["data"]] == order[2:]
    assert doc["meta"]["items"]["count"] == 4 and doc["meta"]["items"]["page_count"] == 2
    response = get(client, f"/api/sets/{set_id}/items", alice, panoptes=True)
    doc = response.get_json()
    assert [r["id"] for r in doc["layers"]] == [items["l1"][1], items["l2"][1]]
    assert [r["id"] for r in doc["tables"]] == [items["t1"][1]]
    assert [r["id"] for r in doc["documents"]] == [items["d1"][1]]
    assert doc["meta"]["items"]["count"] == 4
    doc = get(client, f"/api/sets/{set_id}/items?page_size=3", alice, panoptes=True).get_json()
    assert "documents" not in doc and doc["meta"]["items"]["next_href"] == f"/sets/{set_id}/items?page=2&page_size=3"


def test_relationship_items_paging(client, alice, items):
    more = [("layers", create_item(client, alice, "layers", f"L{n}")) for n in range(3)]
    order = [items["d1"], items["l1"], items["t1"], *more, items["l2"]]
    set_id = create_set(client, alice, items=order)["id"]
    pages, page = [], f"{ROOT}/sets/{set_id}/relationships/items?page[size]=3"
    while page:
        doc = get(client, page.replace("http://localhost", ""), alice).get_json()
        pages.append([(d["type"], d["id"]) for d in doc["data"]])
        assert doc["meta"]["items"]["count"] == len(order) and doc["meta"]["items"]["page_size"] == 3
        assert doc["links"]["related"] == f"{ROOT}/sets/{set_id}/items"
        page = doc["links"].get("next")
    assert pages == [order[0:3], order[3:6], order[6:7]]
    doc = get(client, f"/api/sets/{set_id}/relationships/items?page[number]=9", alice).get_json()
    assert doc["data"] == []
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/relationships/items?include=owner", alice), 400)


# -- includes ----------------------------------------------------------------------------------------------

def test_include_items_on_a_set_in_both_dialects(client, alice, items):
    order = [items["l1"], items["t1"], items["d1"]]
    set_id = create_set(client, alice, items=order)["id"]
    doc = get(client, f"/api/sets/{set_id}/?include=items", alice).get_json()
    assert item_linkage(doc["data"]) == order
    assert sorted((r["type"], r["id"]) for r in doc["included"]) == sorted(order)
    titles = {(r["type"], r["id"]): r["attributes"]["title"] for r in doc["included"]}
    assert titles[items["t1"]] == "Census" and titles[items["d1"]] == "Report"
    doc = get(client, f"/api/sets/{set_id}/?include=items", alice, panoptes=True).get_json()
    (shown,) = doc["sets"]
    hrefs = [m["href"] for m in shown["links"]["items"]["members"]]
    assert sorted(r["href"] for r in doc["linked"]["items"]) == sorted(hrefs)
    assert doc["meta"]["sets"]["include"] == ["items"]


def test_include_items_on_the_versions_list(client, alice, items):
    set_id, first = published_set(client, alice, items=[items["l1"], items["t1"]])
    second = new_draft(client, set_id, alice, jsonapi_body("set_versions", {"items": [url(items["d1"]),
                                                                                     url(items["l1"])]}))
    doc = get(client, f"/api/sets/{set_id}/versions/?include=items", alice).get_json()
    assert [v["id"] for v in doc["data"]] == [second, first]
    assert [item_linkage(v) for v in doc["data"]] == [[items["d1"], items["l1"]], [items["l1"], items["t1"]]]
    assert sorted((r["type"], r["id"]) for r in doc["included"]) == sorted([items["l1"], items["t1"], items["d1"]])
    assert {r["type"] for r in doc["included"]} == {"layers", "tables", "documents"}


# -- the state machine, row by row ------------------------------------------------------------------------

def test_row2_new_draft_is_a_copy_of_the_published_content(client, alice, items):
    set_id, published = published_set(client, alice, items=[items["t1"], items["l1"]], title="Pub", tags=["t"])
    for body in (None, {}):  # no body, or an empty one
        response = send(client, "POST", f"/api/sets/{set_id}/versions", alice, body)
        assert response.status_code == 201, response.get_json()
        data = response.get_json()["data"]
        assert response.headers["Location"] == data["links"]["self"] == f"{ROOT}/sets/{set_id}/versions/{data['id']}/"
        assert data["attributes"]["state"] == "draft"
        assert (data["attributes"]["title"], data["attributes"]["tags"]) == ("Pub", ["t"])
        assert item_linkage(data) == [items["t1"], items["l1"]]
        shown = read_set(client, set_id, alice)
        assert to_one(shown, "latest_version") == data["id"] and to_one(shown, "published_version") == published
        assert send(client, "DELETE", f"/api/sets/{set_id}/versions/{data['id']}/", alice).status_code == 204


@DIALECTS
def test_row2_new_draft_with_a_body_edits_it(client, alice, items, panoptes):
    set_id, _ = published_set(client, alice, items=[items["l1"]], title="Pub")
    body = ({"set_versions": {"title": "Edited", "items": [url(items["d1"])]}} if panoptes
            else jsonapi_body("set_versions", {"title": "Edited", "items": [url(items["d1"])]}))
    response = send(client, "POST", f"/api/sets/{set_id}/versions/", alice, body, panoptes=panoptes)
    assert response.status_code == 201, response.get_json()
    if panoptes:
        (made,) = response.get_json()["set_versions"]
        assert made["title"] == "Edited" and made["state"] == "draft"
        assert response.headers["Location"] == ROOT + made["href"] and made["href"].endswith("/")
        version = made["id"]
    else:
        version = response.get_json()["data"]["id"]
    data = read_version(client, set_id, version, alice)
    assert data["attributes"]["title"] == "Edited" and item_linkage(data) == [items["d1"]]
    shown = read_set(client, set_id, alice)
    assert shown["attributes"]["title"] == "Pub" and item_linkage(shown) == [items["l1"]]
    # a bad body makes no draft
    bad = {"set_versions": {"colour": 1}} if panoptes else jsonapi_body("set_versions", {"colour": 1})
    assert send(client, "DELETE", f"/api/sets/{set_id}/versions/{version}/", alice).status_code == 204
    assert send(client, "POST", f"/api/sets/{set_id}/versions/", alice, bad, panoptes=panoptes).status_code == 422
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/versions/draft/", alice), 404)


@DIALECTS
def test_row3_a_second_draft_is_409(client, alice, panoptes):
    data = create_set(client, alice)  # never published: its first version is the active draft
    response = send(client, "POST", f"/api/sets/{data['id']}/versions/", alice, {}, panoptes=panoptes)
    assert_error(response, 409, machine.ALREADY_DRAFT, panoptes)
    set_id, _ = published_set(client, alice)
    new_draft(client, set_id, alice)
    response = send(client, "POST", f"/api/sets/{set_id}/versions/", alice, {}, panoptes=panoptes)
    assert_error(response, 409, "There is already a draft version active for this set.", panoptes)
    assert len(get(client, f"/api/sets/{set_id}/versions/", alice).get_json()["data"]) == 2


@DIALECTS
def test_row4_editing_the_draft(client, alice, items, panoptes):
    set_id, published = published_set(client, alice, items=[items["l1"], items["t1"]], tags=["a"])
    draft = new_draft(client, set_id, alice)
    response = edit_version(client, set_id, draft, alice, {"title": "Changed", "description": "**b**",
                                                            "items": [url(items["d1"])]}, panoptes)
    assert response.status_code == 200, response.get_json()
    data = read_version(client, set_id, draft, alice)
    attrs = data["attributes"]
    assert (attrs["title"], attrs["tags"], attrs["state"]) == ("Changed", ["a"], "draft")
    assert attrs["description_html"] == "<p><strong>b</strong></p>\n"
    assert item_linkage(data) == [items["d1"]]  # replaced as a whole
    assert item_linkage(read_version(client, set_id, published, alice)) == [items["l1"], items["t1"]]
    assert read_set(client, set_id, alice)["attributes"]["title"] != "Changed"


@DIALECTS
@pytest.mark.parametrize("state", ["published", "superseded", "discarded"])
def test_row5_editing_a_non_draft_is_405(client, alice, items, history, state, panoptes):
    set_id, version = history["set"], history[state]
    before = read_version(client, set_id, version, alice)
    response = edit_version(client, set_id, version, alice, {"title": "Nope"}, panoptes)
    assert_error(response, 405, "This version isn't a draft.", panoptes)
    if not panoptes:  # PUT in the JSON:API dialect too
        response = send(client, "PUT", f"/api/sets/{set_id}/versions/{version}/", alice,
                        jsonapi_body("set_versions", {"title": "Nope"}, id_=version))
        assert_error(response, 405, machine.NOT_DRAFT, panoptes)
    # nor its items, through any relationship endpoint
    linkage = {"data": [{"type": "tables", "id": items["t1"][1]}]}
    for method in ("POST", "PATCH", "DELETE"):
        response = send(client, method, f"/api/sets/{set_id}/versions/{version}/relationships/items", alice, linkage)
        assert_jsonapi_error(response, 405, contains=machine.NOT_DRAFT)
    response = send(client, "POST", f"/api/sets/{set_id}/versions/{version}/links/items", alice,
                    {"items": [{"id": items["t1"][1], "type": "tables"}]}, panoptes=True)
    assert_panoptes_error(response, 405, contains=machine.NOT_DRAFT)
    response = send(client, "DELETE", f"/api/sets/{set_id}/versions/{version}/links/items/{items['l1'][1]}", alice,
                    panoptes=True)
    assert_panoptes_error(response, 405, contains=machine.NOT_DRAFT)
    after = read_version(client, set_id, version, alice)
    assert after["attributes"] == before["attributes"] and item_linkage(after) == item_linkage(before)


@DIALECTS
def test_row6_publishing_supersedes_the_published_version(client, alice, items, history, panoptes):
    set_id = history["set"]
    response = publish_request(client, set_id, history["draft"], alice, panoptes)
    assert response.status_code == 201, response.get_json()
    states = {name: state_of(client, set_id, history[name], alice) for name in
              ("superseded", "published", "discarded", "draft")}
    assert states == {"superseded": "superseded", "published": "superseded", "discarded": "discarded",
                      "draft": "published"}
    shown = read_set(client, set_id, alice)
    assert shown["attributes"]["title"] == "Fourth"
    assert to_one(shown, "published_version") == to_one(shown, "latest_version") == history["draft"]
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/versions/draft/", alice), 404)
    assert get(client, f"/api/sets/{set_id}/versions/published/", alice).get_json()["data"]["id"] == history["draft"]
    assert set_id not in [s["id"] for s in get(client, "/api/sets/drafts/", alice).get_json()["data"]]
    # the superseded version keeps its own content and items
    old = get(client, f"/api/sets/{set_id}/versions/{history['published']}/items", alice).get_json()["data"]
    assert [(r["type"], r["id"]) for r in old] == [items["l1"]]
    assert read_version(client, set_id, history["published"], alice)["attributes"]["title"] == "Second"


@DIALECTS
@pytest.mark.parametrize("state", ["published", "superseded", "discarded"])
def test_row7_publishing_a_non_draft_is_409(client, alice, history, state, panoptes):
    set_id = history["set"]
    response = publish_request(client, set_id, history[state], alice, panoptes)
    assert_error(response, 409, "This version isn't a draft.", panoptes)
    assert state_of(client, set_id, history[state], alice) == state
    assert to_one(read_set(client, set_id, alice), "published_version") == history["published"]


@DIALECTS
def test_row8_deleting_the_draft_discards_it(client, alice, items, history, panoptes):
    set_id, draft = history["set"], history["draft"]
    assert to_one(read_set(client, set_id, alice), "latest_version") == draft
    response = delete_version(client, set_id, draft, alice, panoptes)
    assert response.status_code == 204 and response.get_data() == b""
    data = read_version(client, set_id, draft, alice)  # still readable
    assert data["attributes"]["state"] == "discarded" and data["attributes"]["title"] == "Fourth"
    shown = read_set(client, set_id, alice)
    assert to_one(shown, "latest_version") == to_one(shown, "published_version") == history["published"]
    assert shown["attributes"]["title"] == "Second"
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/versions/draft/", alice), 404)
    assert set_id not in [s["id"] for s in get(client, "/api/sets/drafts/", alice).get_json()["data"]]
    assert new_draft(client, set_id, alice)  # a new draft may be made again


@DIALECTS
@pytest.mark.parametrize("state", ["published", "superseded"])
def test_row9_deleting_a_non_draft_is_405(client, alice, history, state, panoptes):
    response = delete_version(client, history["set"], history[state], alice, panoptes)
    assert_error(response, 405, "Only a draft version can be deleted.", panoptes)
    assert state_of(client, history["set"], history[state], alice) == state


@DIALECTS
def test_row10_deleting_a_discarded_version_is_409(client, alice, history, panoptes):
    response = delete_version(client, history["set"], history["discarded"], alice, panoptes)
    assert_error(response, 409, "This version is already deleted.", panoptes)
    assert state_of(client, history["set"], history["discarded"], alice) == "discarded"


@DIALECTS
def test_deleting_the_draft_of_a_never_published_set_is_409(client, alice, panoptes):
    data = create_set(client, alice)
    version = to_one(data, "latest_version")
    response = delete_version(client, data["id"], version, alice, panoptes)
    assert_error(response, 409, "This set has never been published; delete the set instead.", panoptes)
    assert state_of(client, data["id"], version, alice) == "draft"
    assert to_one(read_set(client, data["id"], alice), "latest_version") == version


def test_flat_version_urls_work_like_the_nested_ones(client, alice, history):
    set_id, draft = history["set"], history["draft"]
    data = get(client, f"/api/set_versions/{draft}/", alice).get_json()["data"]
    assert data["links"]["self"] == f"{ROOT}/sets/{set_id}/versions/{draft}/"
    assert send(client, "DELETE", f"/api/set_versions/{draft}", alice).status_code == 204
    assert state_of(client, set_id, draft, alice) == "discarded"
    assert_jsonapi_error(send(client, "DELETE", f"/api/set_versions/{draft}/", alice), 409,
                         contains=machine.ALREADY_DELETED)
    # a version is only reachable under its own set
    other = create_set(client, alice)["id"]
    assert_jsonapi_error(get(client, f"/api/sets/{other}/versions/{draft}/", alice), 404)
    assert_jsonapi_error(publish_request(client, other, history["published"], alice, False), 404)
    assert_jsonapi_error(send(client, "POST", "/api/set_versions/", alice, jsonapi_body("set_versions", {})), 405)


def test_panoptes_version_writes_need_if_match(client, alice, history):
    path = f"/api/sets/{history['set']}/versions/{history['draft']}/"
    assert_panoptes_error(send(client, "DELETE", path, alice, panoptes=True), 428)
    assert_panoptes_error(send(client, "PUT", path, alice, {"set_versions": {"title": "x"}}, panoptes=True), 428)
    stale = etag(client, path, alice)
    assert edit_version(client, history["set"], history["draft"], alice, {"title": "y"}, True).status_code == 200
    response = send(client, "DELETE", path, alice, panoptes=True, **{"If-Match": stale})
    assert_panoptes_error(response, 412)
    assert state_of(client, history["set"], history["draft"], alice) == "draft"


@DIALECTS
def test_row11_deleting_the_set(client, alice, items, history, panoptes):
    set_id = history["set"]
    assert get(client, "/api/publishes/", alice).get_json()["meta"]["publishes"]["count"] == 2
    grant_id = grant(client, set_id, alice, "group.everyone", "view")
    path = f"/api/sets/{set_id}/"
    headers = {"If-Match": etag(client, path, alice)} if panoptes else {}
    response = send(client, "DELETE", path, alice, panoptes=panoptes, **headers)
    assert response.status_code == 204 and response.get_data() == b""
    gone = [path, f"/api/sets/{set_id}/versions/", f"/api/sets/{set_id}/versions/draft/",
            f"/api/sets/{set_id}/permissions/", f"/api/sets/{set_id}/permissions/{grant_id}/",
            f"/api/sets/{set_id}/items"]
    gone += [f"/api/sets/{set_id}/versions/{history[s]}/" for s in ("superseded", "published", "discarded", "draft")]
    gone += [f"/api/set_versions/{history[s]}/" for s in ("superseded", "published", "discarded", "draft")]
    for url_ in gone:
        assert_jsonapi_error(get(client, url_, alice), 404)
    assert get(client, "/api/publishes/", alice).get_json()["data"] == []
    assert get(client, "/api/sets/", alice).get_json()["data"] == []
    assert get(client, url(items["l1"])).status_code == 200  # the items themselves stay


# -- publishing ----------------------------------------------------------------------------------------------

def test_publish_response_jsonapi(client, alice):
    data = create_set(client, alice)
    version = to_one(data, "latest_version")
    response = publish_request(client, data["id"], version, alice, panoptes=False)
    assert response.status_code == 201, response.get_json()
    task = response.get_json()["data"]
    assert task["type"] == "publishes"
    assert response.headers["Location"] == task["links"]["self"] == f"{ROOT}/publishes/{task['id']}/"
    assert task["attributes"]["state"] == "completed" and task["attributes"]["error"] is None
    assert task["relationships"]["version"]["data"] == {"type": "set_versions", "id": version}
    assert task["relationships"]["set"]["data"] == {"type": "sets", "id": data["id"]}
    assert task["relationships"]["created_by"]["data"] == {"type": "users", "id": str(alice.id)}
    for path in (f"/api/publishes/{task['id']}/", f"/api/publishes/{task['id']}"):
        again = get(client, path, alice).get_json()["data"]
        assert again["attributes"]["state"] == "completed" and again["links"]["self"] == task["links"]["self"]
    assert state_of(client, data["id"], version, alice) == "published"
    shown = read_set(client, data["id"], alice)
    assert to_one(shown, "published_version") == version
    assert [s["id"] for s in get(client, "/api/sets/", alice).get_json()["data"]] == [data["id"]]


def test_publish_response_panoptes(client, alice):
    set_id, _ = published_set(client, alice)
    version = new_draft(client, set_id, alice)
    response = publish_request(client, set_id, version, alice, panoptes=True)
    assert response.status_code == 201, response.get_json()
    assert response.headers["Content-Type"] == PANOPTES
    doc = response.get_json()
    (task,) = doc["publishes"]
    assert task["href"] == f"/publishes/{task['id']}/" and response.headers["Location"] == ROOT + task["href"]
    assert task["state"] == "completed" and task["links"]["version"] == version
    assert "publishes.version" in doc["links"] and "publishes" in doc["meta"]


def test_publish_needs_edit_rights_and_a_caller(client, alice, bob):
    data = create_set(client, alice)
    version = to_one(data, "latest_version")
    assert_jsonapi_error(publish_request(client, data["id"], version, None, False), 401)
    assert_jsonapi_error(publish_request(client, data["id"], version, bob, False), 404)
    grant_id = grant(client, data["id"], alice, f"user.{bob.id}", "view")
    assert_jsonapi_error(publish_request(client, data["id"], version, bob, False), 404)
    response = send(client, "PATCH", f"/api/sets/{data['id']}/permissions/{grant_id}/", alice,
                    jsonapi_body("set_permissions", {"permission": "edit"}, id_=grant_id))
    assert response.status_code == 200, response.get_json()
    assert publish_request(client, data["id"], version, bob, False).status_code == 201
    assert state_of(client, data["id"], version, alice) == "published"


@pytest.mark.parametrize("first", [True, False], ids=["first-publish", "republish"])
def test_publishing_is_atomic(client, app, alice, items, monkeypatch, first):
    """Fault injection for atomicity: ``set_content.show`` (which copies the version's content onto the set,
    late in publishing, after the states were already moved) is made to raise. The request must fail with a
    5xx and leave everything as it was: the draft still a draft, the previous published version still
    published, the set showing the old content, no publish task."""
    from app.services import set_content

    if first:
        data = create_set(client, alice, items=[items["l1"]], title="Old")
        set_id, published, draft = data["id"], None, to_one(data, "latest_version")
    else:
        set_id, published = published_set(client, alice, items=[items["l1"]], title="Old")
        draft = new_draft(client, set_id, alice, jsonapi_body("set_versions", {"title": "New",
                                                                               "items": [url(items["t1"])]}))

    def broken(*args, **kwargs):
        raise RuntimeError("injected failure while publishing")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(set_content, "show", broken)
    response = publish_request(client, set_id, draft, alice, panoptes=False)
    assert 500 <= response.status_code < 600
    assert_jsonapi_error(response, response.status_code)
    monkeypatch.undo()

    assert state_of(client, set_id, draft, alice) == "draft"
    shown = read_set(client, set_id, alice)
    assert to_one(shown, "published_version") == published
    assert to_one(shown, "latest_version") == draft
    assert shown["attributes"]["title"] == "Old" and item_linkage(shown) == [items["l1"]]
    if published:
        assert state_of(client, set_id, published, alice) == "published"
        assert get(client, f"/api/sets/{set_id}/versions/published/", alice).get_json()["data"]["id"] == published
    assert draft_id(client, set_id, alice) == draft
    assert get(client, "/api/publishes/", alice).get_json()["meta"]["publishes"]["count"] == (0 if first else 1)
    # once the fault is gone the same draft publishes
    publish(client, set_id, draft, alice)
    assert state_of(client, set_id, draft, alice) == "published"


# -- drafts, versions and shortcuts ------------------------------------------------------------------------

def test_drafts_list(client, alice, bob):
    never = create_set(client, alice, title="Never")["id"]
    clean, _ = published_set(client, alice, title="Clean")
    edited, _ = published_set(client, alice, title="Edited")
    new_draft(client, edited, alice)
    bobs = create_set(client, bob, title="Bob's")["id"]

    def drafts(person, panoptes=False):
        doc = get(client, "/api/sets/drafts/", person, panoptes).get_json()
        return sorted(r["id"] for r in (doc["sets"] if panoptes else doc["data"]))

    assert drafts(alice) == drafts(alice, True) == sorted([never, edited])
    assert drafts(bob) == [bobs]
    assert drafts(None) == drafts(None, True) == []
    grant(client, clean, alice, f"user.{bob.id}", "view")
    grant(client, never, alice, f"user.{bob.id}", "view")
    assert drafts(bob) == [bobs]  # view is not enough
    grant(client, edited, alice, f"user.{bob.id}", "edit")
    assert drafts(bob) == sorted([bobs, edited])
    # the published list is the other half
    published = sorted(s["id"] for s in get(client, "/api/sets/", alice).get_json()["data"])
    assert published == sorted([clean, edited])
    assert sorted(s["id"] for s in get(client, "/api/sets/", bob).get_json()["data"]) == sorted([clean, edited])
    assert get(client, "/api/sets/").get_json()["data"] == []
    grant(client, clean, alice, "group.everyone", "view")
    assert [s["id"] for s in get(client, "/api/sets/").get_json()["data"]] == [clean]


def test_versions_list_is_newest_first_in_both_dialects(client, alice):
    set_id, v1 = published_set(client, alice)
    v2 = new_draft(client, set_id, alice)
    publish(client, set_id, v2, alice)
    v3 = new_draft(client, set_id, alice)
    assert send(client, "DELETE", f"/api/sets/{set_id}/versions/{v3}/", alice).status_code == 204
    v4 = new_draft(client, set_id, alice)
    doc = get(client, f"/api/sets/{set_id}/versions/", alice).get_json()
    assert [v["id"] for v in doc["data"]] == [v4, v3, v2, v1]
    assert [v["attributes"]["state"] for v in doc["data"]] == ["draft", "discarded", "published", "superseded"]
    assert all(v["links"]["self"] == f"{ROOT}/sets/{set_id}/versions/{v['id']}/" for v in doc["data"])
    doc = get(client, f"/api/sets/{set_id}/versions", alice, panoptes=True).get_json()
    assert [v["id"] for v in doc["set_versions"]] == [v4, v3, v2, v1]
    assert doc["meta"]["set_versions"]["count"] == 4
    shown = read_set(client, set_id, alice)
    assert [v["id"] for v in shown["relationships"]["versions"]["data"]] == [v4, v3, v2, v1]
    page = get(client, f"/api/sets/{set_id}/versions/?page[size]=3&page[number]=2", alice).get_json()
    assert [v["id"] for v in page["data"]] == [v1]


def test_shortcuts(client, alice, bob):
    data = create_set(client, alice)
    set_id, v1 = data["id"], to_one(data, "latest_version")
    assert get(client, f"/api/sets/{set_id}/versions/draft/", alice).get_json()["data"]["id"] == v1
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/versions/published/", alice), 404)
    assert_panoptes_error(get(client, f"/api/sets/{set_id}/versions/published", alice, panoptes=True), 404)
    publish(client, set_id, v1, alice)
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/versions/draft/", alice), 404)
    response = get(client, f"/api/sets/{set_id}/versions/published/", alice)
    assert response.get_json()["data"]["id"] == v1
    assert response.get_json()["data"]["links"]["self"] == f"{ROOT}/sets/{set_id}/versions/{v1}/"
    v2 = new_draft(client, set_id, alice)
    (row,) = get(client, f"/api/sets/{set_id}/versions/draft", alice, panoptes=True).get_json()["set_versions"]
    assert row["id"] == v2 and row["state"] == "draft"
    assert get(client, f"/api/sets/{set_id}/versions/published/", alice).get_json()["data"]["id"] == v1
    # strangers see neither; a viewer sees the published version, not the draft
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/versions/published/", bob), 404)
    grant(client, set_id, alice, f"user.{bob.id}", "view")
    assert get(client, f"/api/sets/{set_id}/versions/published/", bob).get_json()["data"]["id"] == v1
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/versions/draft/", bob), 404)
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/versions/{v2}/", bob), 404)
    assert_jsonapi_error(get(client, "/api/sets/999/versions/draft/", alice), 404)


def test_viewers_see_published_content_only(client, alice, bob, items):
    set_id, published = published_set(client, alice, items=[items["l1"]], title="Public")
    grant(client, set_id, alice, "group.everyone", "view")
    edit_set(client, set_id, alice, {"title": "Secret draft", "items": [url(items["t1"])]}, panoptes=False)
    for person in (None, bob):
        shown = get(client, f"/api/sets/{set_id}/", person).get_json()["data"]
        assert shown["attributes"]["title"] == "Public" and item_linkage(shown) == [items["l1"]]
        doc = get(client, f"/api/sets/{set_id}/items", person).get_json()
        assert [(r["type"], r["id"]) for r in doc["data"]] == [items["l1"]]
        versions = get(client, f"/api/sets/{set_id}/versions/", person).get_json()["data"]
        assert [v["id"] for v in versions] == [published]
        # the draft's content never leaks, through includes or the flat routes
        for path in (f"/api/sets/{set_id}/?include=latest_version,versions,published_version",
                     "/api/sets/?include=latest_version,versions", f"/api/set_versions/?filter[set_id]={set_id}"):
            for panoptes in (False, True):
                response = get(client, path, person, panoptes)
                assert response.status_code == 200 and "Secret draft" not in response.get_data(as_text=True)
        draft = draft_id(client, set_id, alice)
        assert_jsonapi_error(get(client, f"/api/set_versions/{draft}/", person), 404)
        assert_jsonapi_error(get(client, f"/api/sets/{set_id}/versions/{draft}/items", person), 404)
    assert_jsonapi_error(send(client, "PATCH", f"/api/sets/{set_id}/", bob,
                              jsonapi_body("sets", {"title": "x"}, id_=set_id)), 403)


# -- trailing slashes --------------------------------------------------------------------------------------

@pytest.fixture
def everything(client, alice, items):
    set_id, published = published_set(client, alice, items=[items["l1"], items["t1"]])
    draft = new_draft(client, set_id, alice)
    grant_id = grant(client, set_id, alice, "group.everyone", "view")
    task = get(client, "/api/publishes/", alice).get_json()["data"][0]["id"]
    return {"set": set_id, "published": published, "draft": draft, "grant": grant_id, "task": task}


def all_paths(items, w):
    s = w["set"]
    return [
        "/api/layers", f"/api/layers/{items['l1'][1]}", "/api/tables", f"/api/tables/{items['t1'][1]}",
        "/api/documents", f"/api/documents/{items['d1'][1]}",
        "/api/sets", "/api/sets/drafts", f"/api/sets/{s}", f"/api/sets/{s}/items",
        f"/api/sets/{s}/links/items", f"/api/sets/{s}/relationships/items",
        f"/api/sets/{s}/versions", f"/api/sets/{s}/versions/{w['published']}",
        f"/api/sets/{s}/versions/{w['draft']}/items", f"/api/sets/{s}/versions/draft",
        f"/api/sets/{s}/versions/published", f"/api/set_versions/{w['draft']}",
        f"/api/publishes/{w['task']}", "/api/publishes",
        f"/api/sets/{s}/permissions", f"/api/sets/{s}/permissions/{w['grant']}",
    ]


@DIALECTS
def test_every_path_answers_with_and_without_the_trailing_slash(client, alice, items, everything, panoptes):
    for path in all_paths(items, everything):
        bodies = []
        for form in (path, path + "/"):
            response = get(client, form, alice, panoptes)
            assert response.status_code == 200, (form, response.status_code, response.get_data(as_text=True))
            assert "Location" not in response.headers
            body = response.get_json()
            # links.self and the paging hrefs carry the path as sent; the rest is the same
            bodies.append({k: v for k, v in body.items() if k not in ("links", "meta")} if not panoptes
                          else {k: v for k, v in body.items() if k != "meta"})
        assert bodies[0] == bodies[1], path


def test_self_links_and_hrefs_end_with_a_slash(client, alice, items, everything):
    s = everything["set"]
    expected = {
        url(items["l1"]): f"{ROOT}/layers/{items['l1'][1]}/",
        f"/api/sets/{s}": f"{ROOT}/sets/{s}/",
        f"/api/set_versions/{everything['draft']}": f"{ROOT}/sets/{s}/versions/{everything['draft']}/",
        f"/api/publishes/{everything['task']}": f"{ROOT}/publishes/{everything['task']}/",
        f"/api/sets/{s}/permissions/{everything['grant']}": f"{ROOT}/sets/{s}/permissions/{everything['grant']}/",
    }
    for path, self_link in expected.items():
        assert get(client, path, alice).get_json()["data"]["links"]["self"] == self_link
        doc = get(client, path, alice, panoptes=True).get_json()
        (row,) = next(v for k, v in doc.items() if k not in ("links", "meta", "linked"))
        assert row["href"] == self_link[len(ROOT):]
    for path in ("/api/sets", "/api/sets/drafts", f"/api/sets/{s}/versions", f"/api/sets/{s}/permissions",
                 "/api/layers", "/api/publishes"):
        for row in get(client, path, alice).get_json()["data"]:
            assert row["links"]["self"].endswith("/"), (path, row["links"]["self"])


def test_writes_answer_without_the_trailing_slash_and_locations_end_with_one(client, alice, items):
    response = send(client, "POST", "/api/documents", alice, jsonapi_body("documents", {"title": "x"}))
    assert response.status_code == 201 and response.headers["Location"].endswith("/")
    response = send(client, "POST", "/api/sets", alice, jsonapi_body("sets", {"title": "x", "description": ""}))
    assert response.status_code == 201 and response.headers["Location"].endswith("/")
    data = response.get_json()["data"]
    set_id, version = data["id"], to_one(data, "latest_version")
    response = send(client, "PATCH", f"/api/sets/{set_id}", alice, jsonapi_body("sets", {"title": "y"}, id_=set_id))
    assert response.status_code == 200
    response = send(client, "PATCH", f"/api/sets/{set_id}/versions/{version}", alice,
                    jsonapi_body("set_versions", {"title": "z"}, id_=version))
    assert response.status_code == 200
    response = send(client, "POST", f"/api/sets/{set_id}/permissions", alice,
                    jsonapi_body("set_permissions", {"principal": "group.everyone", "permission": "view"}))
    assert response.status_code == 201 and response.headers["Location"].endswith("/")
    grant_id = response.get_json()["data"]["id"]
    response = send(client, "POST", f"/api/sets/{set_id}/versions/{version}/publish", alice, {})
    assert response.status_code == 201 and response.headers["Location"].endswith("/")
    response = send(client, "POST", f"/api/sets/{set_id}/versions", alice)
    assert response.status_code == 201 and response.headers["Location"].endswith("/")
    draft = response.get_json()["data"]["id"]
    response = send(client, "POST", f"/api/sets/{set_id}/relationships/items/", alice,
                    {"data": [{"type": "layers", "id": items["l1"][1]}]})
    assert response.status_code == 204
    response = send(client, "POST", f"/api/sets/{set_id}/links/items/", alice,
                    {"items": [{"id": items["t1"][1], "type": "tables"}]}, panoptes=True)
    assert response.status_code == 200
    response = send(client, "DELETE", f"/api/sets/{set_id}/links/items/tables.{items['t1'][1]}/", alice,
                    panoptes=True)
    assert response.status_code == 204
    assert item_linkage(read_version(client, set_id, draft, alice)) == [items["l1"]]
    assert send(client, "DELETE", f"/api/sets/{set_id}/versions/{draft}", alice).status_code == 204
    assert send(client, "DELETE", f"/api/sets/{set_id}/permissions/{grant_id}", alice).status_code == 204
    assert send(client, "DELETE", f"/api/sets/{set_id}", alice).status_code == 204
    assert send(client, "DELETE", f"/api/documents/{create_item(client, alice, 'documents')}", alice).status_code == 204


# -- Markdown sanitising -----------------------------------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    "Hello <script src='https://evil.example.org/x.js'></script> there",
    "<img src=x onerror=alert(1)>",
    '<a href="#" onclick="alert(1)">click</a>',
    "<svg onload=alert(1)>",
    "<body onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java%0Ascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](javascript&colon;alert(1))",
    "<javascript:alert(1)>",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    '![x](https://example.org/a.png "x\\" onerror=\\"alert(1)")',
    '[x](https://example.org/ "a\\" onmouseover=\\"alert(1)")',
    "<iframe src=javascript:alert(1)></iframe>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<<script>script>alert(1)<</script>/script>",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "[x](vbscript:msgbox(1))",
]


class Tags(HTMLParser):
    """Every tag of an HTML fragment with its attributes (values unescaped, as a browser reads them)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def assert_safe(html):
    """No script element, no on… handler, no script-capable URL (javascript:, vbscript:, data:) in any
    attribute, no inline style, only the tags the Markdown renderer makes. ``javascript:`` may survive only
    as escaped text (``&lt;javascript:…&gt;``, ``[x](javascript:…)`` shown literally), never in markup."""
    assert "<script" not in html.lower(), html
    for tag, attrs in Tags(html).tags:
        assert tag in {"p", "a", "img", "em", "strong", "code", "pre", "h1", "ul", "ol", "li", "br"}, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name != "style", html
            squeezed = re.sub(r"[\x00-\x20]+", "", value or "").lower()
            if name in ("href", "src"):
                assert not re.match(r"(javascript|vbscript|data):", squeezed), html
            assert "javascript:" not in squeezed, html
    outside_tags = re.sub(r"<[^>]*>", "", html)
    assert html.lower().count("javascript:") == outside_tags.lower().count("javascript:"), html


@pytest.mark.parametrize("payload", XSS)
def test_description_html_never_carries_script(client, alice, payload):
    data = create_set(client, alice, description=payload)
    assert data["attributes"]["description"] == payload  # the source is kept as sent
    assert_safe(data["attributes"]["description_html"])
    set_id, version = data["id"], to_one(data, "latest_version")
    # the same through every write path: a version edit, a set-level write on a published set, a new draft
    response = edit_version(client, set_id, version, alice, {"description": payload + "\n\n" + payload}, False)
    assert_safe(response.get_json()["data"]["attributes"]["description_html"])
    publish(client, set_id, version, alice)
    assert_safe(read_set(client, set_id, alice)["attributes"]["description_html"])
    edit_set(client, set_id, alice, {"description": "x " + payload}, panoptes=True)
    draft = read_version(client, set_id, draft_id(client, set_id, alice), alice)
    assert draft["attributes"]["description"] == "x " + payload
    assert_safe(draft["attributes"]["description_html"])
    (row,) = get(client, f"/api/sets/{set_id}/versions/draft/", alice, panoptes=True).get_json()["set_versions"]
    assert_safe(row["description_html"])


def test_raw_html_is_shown_as_text(client, alice):
    data = create_set(client, alice, description="<b>bold</b> and <i>x</i>")
    html = data["attributes"]["description_html"]
    assert "<b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_description_html_is_read_only(client, alice):
    body = jsonapi_body("sets", {"title": "T", "description": "safe", "description_html": "<script>x</script>"})
    response = send(client, "POST", "/api/sets/", alice, body)  # echoed read-only fields are ignored
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["attributes"]["description_html"] == "<p>safe</p>\n"


# -- permissions -----------------------------------------------------------------------------------------

def permission_body(principal, permission, panoptes=False):
    if panoptes:
        return {"set_permissions": {"principal": principal, "permission": permission}}
    return jsonapi_body("set_permissions", {"principal": principal, "permission": permission})


def grants_of(client, set_id, person, panoptes=False):
    doc = get(client, f"/api/sets/{set_id}/permissions/", person, panoptes).get_json()
    rows = doc["set_permissions"] if panoptes else [dict(r["attributes"], id=r["id"]) for r in doc["data"]]
    return sorted((r["principal"], r["permission"]) for r in rows)


@DIALECTS
def test_permission_endpoints(client, alice, bob, panoptes):
    set_id, _ = published_set(client, alice)
    path = f"/api/sets/{set_id}/permissions/"
    response = send(client, "POST", path, alice, permission_body(f"user.{bob.id}", "view", panoptes), panoptes=panoptes)
    assert response.status_code == 201, response.get_json()
    if panoptes:
        (made,) = response.get_json()["set_permissions"]
        grant_id = made["id"]
        assert made["href"] == f"/sets/{set_id}/permissions/{grant_id}/"
        assert response.headers["Location"] == ROOT + made["href"]
        assert (made["principal"], made["permission"]) == (f"user.{bob.id}", "view")
    else:
        made = response.get_json()["data"]
        grant_id = made["id"]
        assert response.headers["Location"] == made["links"]["self"] == f"http://localhost{path}{grant_id}/"
        assert made["attributes"] == {**made["attributes"], "principal": f"user.{bob.id}", "permission": "view"}
        assert made["relationships"]["set"]["data"] == {"type": "sets", "id": set_id}
    assert grants_of(client, set_id, alice, panoptes) == [(f"user.{bob.id}", "view")]
    one = get(client, f"{path}{grant_id}/", alice).get_json()["data"]
    assert one["attributes"]["permission"] == "view"
    # bob now views the set but may not see or change its permissions
    assert get(client, f"/api/sets/{set_id}/", bob).status_code == 200
    assert get(client, path, bob).status_code in (403, 404)
    if panoptes:
        response = send(client, "PUT", f"{path}{grant_id}/", alice, {"set_permissions": {"permission": "edit"}},
                        panoptes=True, **{"If-Match": etag(client, f"{path}{grant_id}/", alice)})
    else:
        response = send(client, "PATCH", f"{path}{grant_id}/", alice,
                        jsonapi_body("set_permissions", {"permission": "edit"}, id_=grant_id))
    assert response.status_code == 200, response.get_json()
    assert grants_of(client, set_id, alice) == [(f"user.{bob.id}", "edit")]
    made = new_draft(client, set_id, bob)  # edit does version work
    assert draft_id(client, set_id, bob) == made
    headers = {"If-Match": etag(client, f"{path}{grant_id}/", alice)} if panoptes else {}
    assert send(client, "DELETE", f"{path}{grant_id}/", alice, panoptes=panoptes, **headers).status_code == 204
    assert grants_of(client, set_id, alice) == []
    assert_jsonapi_error(get(client, f"{path}{grant_id}/", alice), 404)
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/", bob), 404)


@DIALECTS
def test_put_replaces_every_direct_grant(client, people, alice, bob, panoptes):
    carol = people.user("carol")
    group = people.group("team", carol)
    set_id, _ = published_set(client, alice)
    grant(client, set_id, alice, f"user.{bob.id}", "edit")
    grant(client, set_id, alice, "group.everyone", "view")
    new = [{"principal": f"user.{carol.id}", "permission": "admin"},
           {"principal": f"group.{group}", "permission": "view"}]
    if panoptes:
        body = {"set_permissions": new}
    else:
        body = {"data": [{"type": "set_permissions", "attributes": g} for g in new]}
    response = send(client, "PUT", f"/api/sets/{set_id}/permissions/", alice, body, panoptes=panoptes)
    assert response.status_code == 200, response.get_json()
    doc = response.get_json()
    rows = doc["set_permissions"] if panoptes else [r["attributes"] for r in doc["data"]]
    assert sorted((r["principal"], r["permission"]) for r in rows) == sorted(
        (g["principal"], g["permission"]) for g in new)
    assert grants_of(client, set_id, alice) == sorted((g["principal"], g["permission"]) for g in new)
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/"), 404)  # everyone's view went too
    assert_jsonapi_error(get(client, f"/api/sets/{set_id}/", bob), 404)
    # carol is now an admin: she may replace the list herself
    response = send(client, "PUT", f"/api/sets/{set_id}/permissions", carol,
                    {"set_permissions": []} if panoptes else {"data": []}, panoptes=panoptes)
    assert response.status_code == 200
    assert (response.get_json()["set_permissions"] if panoptes else response.get_json()["data"]) == []


def test_implicit_rights_survive_put_of_an_empty_list(client, people, alice, bob):
    carol = people.user("carol")
    group = people.group("owners", carol, bob)  # carol admin of the group, bob a member
    set_id, _ = published_set(client, alice)
    group_set = create_set(client, carol, group=group)["id"]
    publish(client, group_set, draft_id(client, group_set, carol), carol)
    for sid, admin in ((set_id, alice), (group_set, carol)):
        grant(client, sid, admin, "group.everyone", "view")
        response = send(client, "PUT", f"/api/sets/{sid}/permissions/", admin, {"data": []})
        assert response.status_code == 200 and response.get_json()["data"] == []
        # still admin: sees and changes permissions, edits, deletes
        assert get(client, f"/api/sets/{sid}/permissions/", admin).status_code == 200
        grant(client, sid, admin, "group.everyone", "view")
        assert edit_set(client, sid, admin, {"title": "still mine"}, panoptes=False).status_code == 200
    # bob, a plain member of the owning group, still views the group's set
    assert get(client, f"/api/sets/{group_set}/", bob).status_code == 200
    assert_jsonapi_error(send(client, "PATCH", f"/api/sets/{group_set}/", bob,
                              jsonapi_body("sets", {"title": "x"}, id_=group_set)), 403)
    assert send(client, "DELETE", f"/api/sets/{set_id}/", alice).status_code == 204
    assert send(client, "DELETE", f"/api/sets/{group_set}/", carol).status_code == 204


def test_duplicate_principal(client, alice, bob):
    set_id, _ = published_set(client, alice)
    path = f"/api/sets/{set_id}/permissions/"
    grant(client, set_id, alice, f"user.{bob.id}", "view")
    response = send(client, "POST", path, alice, permission_body(f"user.{bob.id}", "edit"))
    assert_jsonapi_error(response, 409, pointer="/data/attributes/principal", contains=f"user.{bob.id}")
    assert_panoptes_error(send(client, "POST", path, alice, permission_body(f"user.{bob.id}", "edit", True),
                               panoptes=True), 409, contains=f"user.{bob.id}")
    twice = [{"type": "set_permissions", "attributes": {"principal": f"user.{bob.id}", "permission": "view"}},
             {"type": "set_permissions", "attributes": {"principal": f"user.{bob.id}", "permission": "edit"}}]
    response = send(client, "PUT", path, alice, {"data": twice})
    assert_jsonapi_error(response, 422, pointer="/data/1/attributes/principal", contains="twice")
    assert grants_of(client, set_id, alice) == [(f"user.{bob.id}", "view")]


@pytest.mark.parametrize("principal, permission, field, message", [
    ("user.9999", "view", "principal", "no such user"),
    ("group.9999", "view", "principal", "no such group"),
    ("group.everyone", "edit", "principal", "group.everyone may only be granted view"),
    ("group.everyone", "admin", "principal", "group.everyone may only be granted view"),
    ("bob", "view", "principal", "principal"),
    ("user.", "view", "principal", "principal"),
    ("user.abc", "view", "principal", "principal"),
    ("users.1", "view", "principal", "principal"),
    ("group.staff", "view", "principal", "principal"),
    ("user.{me}", "download", "permission", "permission"),
    ("user.{me}", "", "permission", "permission"),
])
def test_bad_grants_are_422_with_pointers(client, alice, principal, permission, field, message):
    set_id, _ = published_set(client, alice)
    path = f"/api/sets/{set_id}/permissions/"
    principal = principal.format(me=alice.id)
    response = send(client, "POST", path, alice, permission_body(principal, permission))
    assert_jsonapi_error(response, 422, pointer=f"/data/attributes/{field}", contains=message)
    response = send(client, "POST", path, alice, permission_body(principal, permission, True), panoptes=True)
    assert_panoptes_error(response, 422, contains=message)
    good = {"type": "set_permissions", "attributes": {"principal": "group.everyone", "permission": "view"}}
    bad = {"type": "set_permissions", "attributes": {"principal": principal, "permission": permission}}
    response = send(client, "PUT", path, alice, {"data": [good, bad]})
    assert_jsonapi_error(response, 422, pointer=f"/data/1/attributes/{field}", contains=message)
    response = send(client, "PUT", path, alice, {"set_permissions": [bad["attributes"]]}, panoptes=True)
    assert_panoptes_error(response, 422, contains=message)
    assert grants_of(client, set_id, alice) == []  # all or nothing


def test_patching_an_everyone_grant_to_edit_is_422(client, alice):
    set_id, _ = published_set(client, alice)
    grant_id = grant(client, set_id, alice, "group.everyone", "view")
    response = send(client, "PATCH", f"/api/sets/{set_id}/permissions/{grant_id}/", alice,
                    jsonapi_body("set_permissions", {"permission": "edit"}, id_=grant_id))
    assert_jsonapi_error(response, 422, contains="group.everyone may only be granted view")
    assert grants_of(client, set_id, alice) == [("group.everyone", "view")]


def test_grants_belong_to_their_set_and_stay_unique_on_patch(client, alice, bob):
    set_id, _ = published_set(client, alice)
    other, _ = published_set(client, alice)
    bobs = grant(client, set_id, alice, f"user.{bob.id}", "view")
    grant(client, set_id, alice, "group.everyone", "view")
    assert_jsonapi_error(get(client, f"/api/sets/{other}/permissions/{bobs}/", alice), 404)
    response = send(client, "PATCH", f"/api/sets/{set_id}/permissions/{bobs}/", alice,
                    jsonapi_body("set_permissions", {"principal": "group.everyone"}, id_=bobs))
    assert_jsonapi_error(response, 409, pointer="/data/attributes/principal")
    assert grants_of(client, set_id, alice) == sorted([("group.everyone", "view"), (f"user.{bob.id}", "view")])


def test_permissions_need_admin(client, alice, bob):
    set_id, _ = published_set(client, alice)
    grant(client, set_id, alice, f"user.{bob.id}", "edit")
    path = f"/api/sets/{set_id}/permissions/"
    assert_jsonapi_error(get(client, path, bob), 403)
    assert_jsonapi_error(send(client, "POST", path, bob, permission_body("group.everyone", "view")), 403)
    assert_jsonapi_error(send(client, "PUT", path, bob, {"data": []}), 403)
    assert_jsonapi_error(send(client, "DELETE", f"/api/sets/{set_id}/", bob), 403)
    assert_jsonapi_error(send(client, "PUT", path, None, {"data": []}), 401)
    assert grants_of(client, set_id, alice) == [(f"user.{bob.id}", "edit")]


def test_put_permissions_body_errors(client, alice):
    set_id, _ = published_set(client, alice)
    path = f"/api/sets/{set_id}/permissions/"
    assert_jsonapi_error(send(client, "PUT", path, alice, {"data": {"type": "set_permissions"}}), 400, pointer="/data")
    assert_panoptes_error(send(client, "PUT", path, alice, {"nope": []}, panoptes=True), 400)
    response = send(client, "PUT", path, alice, {"data": [{"type": "sets", "attributes": {
        "principal": "group.everyone", "permission": "view"}}]})
    assert_jsonapi_error(response, 409, pointer="/data/0/type")


# -- deletes -------------------------------------------------------------------------------------------------

def test_deleting_a_layer_removes_it_from_sets_and_versions(client, alice, items):
    order = [items["l1"], items["t1"], items["l2"], items["d1"]]
    set_id, published = published_set(client, alice, items=order)
    draft = new_draft(client, set_id, alice)
    other = create_set(client, alice, items=[items["l2"]])
    assert send(client, "DELETE", url(items["l2"]), alice).status_code == 204
    remaining = [items["l1"], items["t1"], items["d1"]]
    assert item_linkage(read_set(client, set_id, alice)) == remaining
    assert item_linkage(read_version(client, set_id, published, alice)) == remaining
    assert item_linkage(read_version(client, set_id, draft, alice)) == remaining
    assert item_linkage(read_set(client, other["id"], alice)) == []
    doc = get(client, f"/api/sets/{set_id}/items", alice).get_json()
    assert [(r["type"], r["id"]) for r in doc["data"]] == remaining
    assert doc["meta"]["items"]["count"] == 3
