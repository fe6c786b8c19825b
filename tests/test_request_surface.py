"""What a review of the request surface found, each refused with a 4xx saying where, in both dialects: members
repeated in a JSON object, repeated query parameters, identifiers whose id is not a string of digits, and
JSON:API documents whose top-level ``jsonapi``/``meta``/``links`` are not objects."""
import pytest

from tests.conftest import JSONAPI, PANOPTES
from tests.writing_helpers import create_collection, create_subject, read_collection, subject_ids


def send(client, person, method, path, raw, panoptes=False, **headers):
    media = PANOPTES if panoptes else JSONAPI
    return client.open(path, method=method, data=raw, content_type=media,
                       headers=person.panoptes(**headers) if panoptes else person.jsonapi(**headers))


def error_of(response, panoptes=False):
    error = response.get_json()["errors"][0]
    return error["message"] if panoptes else (error["source"].get("pointer"), error["detail"])


def test_a_member_repeated_in_a_json_object_is_refused_where_it_is(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    raw = ('{"data": {"type": "collections", "id": "%s", "attributes": {"display_name": "A"}, '
           '"attributes": {"display_name": "B"}}}' % cid)
    response = send(client, alice, "PATCH", f"/api/collections/{cid}", raw)
    assert response.status_code == 400
    assert error_of(response)[0] == "/data/attributes"
    nested = '{"collections": {"display_name": "A", "links": {"subjects": [], "subjects": ["1"]}}}'
    response = send(client, alice, "PUT", f"/api/collections/{cid}", nested, panoptes=True, **{"If-Match": "*"})
    assert response.status_code == 400 and "same member twice" in error_of(response, panoptes=True)
    response = send(client, alice, "POST", "/api/operations", '{"atomic:operations": [], "atomic:operations": []}')
    assert response.status_code in (400, 415)  # the atomic endpoint wants its extension named first
    assert read_collection(client, cid, alice)["attributes"]["display_name"] == "Flowers"  # nothing written


def test_repeated_members_in_separate_objects_are_fine(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    sid = create_subject(client, alice)
    raw = '{"data": [{"type": "subjects", "id": "%s"}], "meta": {"type": "x", "id": "y"}}' % sid
    assert send(client, alice, "POST", f"/api/collections/{cid}/relationships/subjects", raw).status_code == 204
    assert subject_ids(client, cid, alice) == [sid]


@pytest.mark.parametrize("query", ["page=1&page=2", "filter[id]=1&filter[id]=2", "sort=id&sort=-id",
                                   "include=owner&include=subjects", "page_size=5&page_size=6"])
@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
def test_a_repeated_query_parameter_is_a_400_naming_it(client, people, query, panoptes):
    alice = people.user("alice")
    create_collection(client, alice, "Flowers")
    response = client.get(f"/api/collections?{query}", headers=alice.panoptes() if panoptes else alice.jsonapi())
    assert response.status_code == 400, response.get_json()
    name = query.split("=")[0]
    if panoptes:
        assert f"'{name}' is given 2 times" in response.get_json()["errors"][0]["message"]
    else:
        assert response.get_json()["errors"][0]["source"] == {"parameter": name}
    # Panoptes' clients add http_cache (ignored) however they like
    assert client.get("/api/collections?http_cache=true&http_cache=true", headers=alice.panoptes()).status_code == 200


@pytest.mark.parametrize("identifier, status, pointer", [
    ({"type": "subjects", "id": 1}, 422, "/data/0/id"),
    ({"type": "subjects", "id": "01"}, 422, "/data/0/id"),
    ({"type": "subjects", "id": " 1"}, 422, "/data/0/id"),
    ({"type": "subjects", "id": "1", "meta": 5}, 400, "/data/0/meta"),
])
def test_jsonapi_identifier_ids_are_strings_of_digits(client, people, identifier, status, pointer):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    create_subject(client, alice)
    response = client.post(f"/api/collections/{cid}/relationships/subjects", json={"data": [identifier]},
                           headers=alice.jsonapi(), content_type=JSONAPI)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["errors"][0]["source"]["pointer"] == pointer
    assert subject_ids(client, cid, alice) == []


@pytest.mark.parametrize("member", ["jsonapi", "meta", "links"])
def test_jsonapi_top_level_members_are_objects(client, people, member):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    for path, body in ((f"/api/collections/{cid}/relationships/subjects", {"data": []}),
                       (f"/api/collections/{cid}", {"data": {"type": "collections", "id": str(cid)}})):
        response = client.open(path, method="PATCH", json={**body, member: "x"}, headers=alice.jsonapi(),
                               content_type=JSONAPI)
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["errors"][0]["source"]["pointer"] == f"/{member}"
        ok = client.open(path, method="PATCH", json={**body, member: {}}, headers=alice.jsonapi(),
                         content_type=JSONAPI)
        assert ok.status_code in (200, 204), ok.get_json()


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_booleans_are_json_true_or_false(client, people, value):
    alice = people.user("alice")
    response = client.post("/api/collections", headers=alice.jsonapi(), content_type=JSONAPI,
                           json={"data": {"type": "collections", "attributes": {"display_name": "F", "private": value}}})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"][0]["source"]["pointer"] == "/data/attributes/private"
    response = client.post("/api/collections", headers=alice.panoptes(), content_type=PANOPTES,
                           json={"collections": {"display_name": "F", "favorite": value}})
    assert response.status_code == 422, response.get_json()
    assert client.get("/api/collections", headers=alice.jsonapi()).get_json()["data"] == []


def test_a_long_list_of_bad_image_ids_is_one_error(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    body = {"data": {"type": "image_sets", "attributes": {"name": "x", "image_ids": [None] * 5000}}}
    response = client.post(f"/api/collections/{cid}/image-sets", json=body, headers=alice.jsonapi(),
                           content_type=JSONAPI)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert len(errors) == 1 and errors[0]["source"]["pointer"] == "/data/attributes/image_ids"


@pytest.mark.parametrize("links", [False, 0, "", []])
def test_panoptes_links_are_an_object_or_null(client, people, links):
    alice = people.user("alice")
    for body in ({"collections": {"display_name": "F", "links": links}},
                 {"collections": [{"display_name": "F", "links": links}]}):
        response = client.post("/api/collections", headers=alice.panoptes(), content_type=PANOPTES, json=body)
        assert response.status_code == 422, response.get_json()
    ok = client.post("/api/collections", headers=alice.panoptes(), content_type=PANOPTES,
                     json={"collections": {"display_name": "F", "links": None}})
    assert ok.status_code == 201, ok.get_json()


@pytest.mark.parametrize("value", [",", "display_name,", ",name", "name,,display_name"])
def test_a_fieldset_with_an_empty_name_is_refused(client, value):
    response = client.get(f"/api/collections?fields[collections]={value}", headers={"Accept": JSONAPI})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["source"] == {"parameter": "fields[collections]"}
    assert client.get("/api/collections?fields[collections]=", headers={"Accept": JSONAPI}).status_code == 200


@pytest.mark.parametrize("media", [f"{JSONAPI}; ext", f"{JSONAPI}; ext=", f'{JSONAPI}; ext=""',
                                   f'{JSONAPI}; ext=" "'])
def test_an_ext_parameter_naming_no_extension_is_refused(client, people, media):
    alice = people.user("alice")
    body = '{"data": {"type": "collections", "attributes": {"display_name": "X"}}}'
    response = client.post("/api/collections", data=body, content_type=media, headers=alice.jsonapi())
    assert response.status_code == 415, response.get_data(as_text=True)
    error = response.get_json()["errors"][0]
    assert error["source"] == {"header": "Content-Type"} and "names no extension" in error["detail"]
    response = client.get("/api/collections", headers={"Accept": media})
    assert response.status_code == 406 and response.get_json()["errors"][0]["source"] == {"header": "Accept"}
    # beside an instance without parameters the server answers that one, as for an unknown extension
    assert client.get("/api/collections", headers={"Accept": f"{media}, {JSONAPI}"}).status_code == 200
    assert client.get("/api/collections", headers=alice.jsonapi()).get_json()["data"] == []  # nothing created


# the bare filter ("id") is a Panoptes-dialect parameter
LISTS = [(key, panoptes) for key in ("filter[id]", "sort", "include", "filter[display_name]")
         for panoptes in (False, True)]


@pytest.mark.parametrize("key,panoptes", [*LISTS, ("id", True)])
@pytest.mark.parametrize("value", ["1,,2", "1,", ",1", ","])
def test_a_list_parameter_with_an_empty_item_is_a_400_naming_it(client, people, key, value, panoptes):
    alice = people.user("alice")
    create_collection(client, alice, "Flowers")
    value = {"sort": value.replace("1", "id"), "include": value.replace("1", "owner")}.get(key, value)
    response = client.get(f"/api/collections?{key}={value}", headers=alice.panoptes() if panoptes else alice.jsonapi())
    assert response.status_code == 400, response.get_data(as_text=True)
    if panoptes:
        assert key in error_of(response, panoptes=True)
    else:
        error = response.get_json()["errors"][0]
        assert error["source"] == {"parameter": key} and "empty item" in error["detail"]


def test_list_parameters_without_empty_items_still_work(client, people):
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    for query in ("filter[id]=%s,%s" % (cid, cid), "filter[id]= %s , %s" % (cid, cid), "sort=id,-id", "include=",
                  "sort=", "include=owner"):
        response = client.get(f"/api/collections?{query}", headers=alice.jsonapi())
        assert response.status_code == 200, (query, response.get_json())
        assert [r["id"] for r in response.get_json()["data"]] == [cid]


def test_more_than_one_space_after_bearer_is_read_as_rfc_6750_allows(client, people):
    # credentials = "Bearer" 1*SP b64token (RFC 6750 §2.1): one space or more
    alice = people.user("alice")
    for header in (f"Bearer {alice.token}", f"Bearer  {alice.token}", f"bearer   {alice.token}"):
        response = client.get("/api/me", headers={"Accept": JSONAPI, "Authorization": header})
        assert response.status_code == 200 and response.get_json()["data"]["id"] == str(alice.id)
    for header in ("Bearer", "Bearer ", f"Bearer\t{alice.token}", f"Bearer {alice.token} x", f"Token {alice.token}"):
        response = client.get("/api/me", headers={"Accept": JSONAPI, "Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["errors"][0]["code"] == "invalid_token"
        response = client.get("/api/me", headers={"Accept": PANOPTES, "Authorization": header})
        assert response.status_code == 401 and "message" in response.get_json()["errors"][0]
