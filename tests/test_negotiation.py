"""API §2: Accept → dialect (or 406), request Content-Type (or 415), Vary, error documents (§5)."""
import pytest

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.reading_seed import make_collection

UNKNOWN_EXT = 'application/vnd.api+json; ext="https://example.org/ext/unknown"'
PROFILE = 'application/vnd.api+json; profile="https://example.org/profiles/v1"'


def _dialect(response):
    """Which dialect a collections list answered in, judged by Content-Type and body shape."""
    content_type = response.headers["Content-Type"]
    doc = response.get_json()
    if content_type == JSONAPI:
        assert doc["jsonapi"] == {"version": "1.1"}
        assert isinstance(doc["data"], list)
        return "jsonapi"
    assert content_type == PANOPTES, content_type
    assert isinstance(doc["collections"], list)
    assert "data" not in doc and "jsonapi" not in doc
    return "panoptes"


JSONAPI_ACCEPTS = [
    None,
    "*/*",
    "application/*",
    "application/json",
    JSONAPI,
    "application/vnd.api+json;q=0.5",
    PROFILE,
    # an instance with an unknown ext is ignored when a usable instance is also listed
    f"{UNKNOWN_EXT}, application/vnd.api+json",
    # a Panoptes instance together with a plain one: the plain one wins
    "application/vnd.api+json; version=1, application/vnd.api+json",
    "application/vnd.api+json, application/vnd.api+json; version=1",
    # a refused instance next to an acceptable generic type
    "application/vnd.api+json; charset=utf-8, application/json",
    "text/html, */*;q=0.1",
    # a Panoptes instance switched off by q=0
    "application/vnd.api+json; version=1; q=0, application/vnd.api+json",
]

PANOPTES_ACCEPTS = [
    PANOPTES,
    "application/vnd.api+json;version=1",
    "application/vnd.api+json ; version = 1",
    "application/vnd.api+json;   version=1  ",
    "APPLICATION/VND.API+JSON; VERSION=1",
    "Application/Vnd.Api+Json; Version=1",
    'application/vnd.api+json; version="1"',
    "application/vnd.api+json; version=1; q=0.9",
    "application/vnd.api+json; version=1, application/json",
    "text/html, application/vnd.api+json; version=1",
    # a refused instance (version=2) does not count as an instance without parameters
    "application/vnd.api+json; version=1, application/vnd.api+json; version=2",
]

NOT_ACCEPTABLE = [
    "application/vnd.api+json; charset=utf-8",
    "application/vnd.api+json; version=2",
    "application/vnd.api+json; version=1; charset=utf-8",
    UNKNOWN_EXT,
    'application/vnd.api+json; ext="https://example.org/ext/unknown"; profile="https://example.org/p"',
    "text/html",
    "text/html, application/xhtml+xml, image/webp",
    "application/vnd.api+json;q=0",
    "application/vnd.api+json; q=0, text/html",
    "application/json;q=0",
    "*/*;q=0",
]


@pytest.mark.parametrize("accept", JSONAPI_ACCEPTS)
def test_accept_served_as_jsonapi(client, accept):
    headers = {} if accept is None else {"Accept": accept}
    response = client.get("/api/collections", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == JSONAPI
    assert _dialect(response) == "jsonapi"


@pytest.mark.parametrize("accept", PANOPTES_ACCEPTS)
def test_accept_served_as_panoptes(client, accept):
    response = client.get("/api/collections", headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/vnd.api+json; version=1"
    assert _dialect(response) == "panoptes"


@pytest.mark.parametrize("accept", NOT_ACCEPTABLE)
def test_accept_not_acceptable(client, accept):
    response = client.get("/api/collections", headers={"Accept": accept})
    assert response.status_code == 406, response.get_data(as_text=True)
    # 406 is always a JSON:API error document: there is no acceptable dialect to answer in.
    assert response.headers["Content-Type"] == JSONAPI
    doc = response.get_json()
    assert "data" not in doc
    [error] = doc["errors"]
    assert error["status"] == "406"
    assert error["source"] == {"header": "Accept"}
    assert error["title"] and error["detail"]
    assert "application/vnd.api+json" in error["detail"]
    assert response.headers["Vary"] == "Accept"


def test_accept_without_request_header_at_all(client):
    # the test client sends no Accept unless told; the raw environ proves it
    response = client.get("/api/collections", environ_base={"HTTP_ACCEPT": ""})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSONAPI


def test_negotiation_applies_to_every_endpoint(client, people):
    alice = people.user("alice")
    cid = make_collection(client, alice, "Flowers")
    for url in ["/api", "/api/health", "/api/me", f"/api/collections/{cid}", f"/api/collections/{cid}/subjects",
                f"/api/collections/{cid}/relationships/subjects", "/api/users"]:
        response = client.get(url, headers={"Accept": "text/html", "Authorization": f"Bearer {alice.token}"})
        assert response.status_code == 406, url
        assert response.headers["Content-Type"] == JSONAPI
        assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("url", ["/api", "/api/collections", "/api/health"])
def test_response_content_type_per_dialect(client, url):
    response = client.get(url, headers={"Accept": JSONAPI})
    assert response.headers["Content-Type"] == "application/vnd.api+json"
    response = client.get(url, headers={"Accept": PANOPTES})
    assert response.headers["Content-Type"] == "application/vnd.api+json; version=1"
    # a profile asked for is not echoed (none is applied), nor is anything else
    response = client.get(url, headers={"Accept": PROFILE})
    assert response.headers["Content-Type"] == "application/vnd.api+json"


# -- Vary --------------------------------------------------------------------------------------


def _vary(response):
    return [v.strip().lower() for value in response.headers.getlist("Vary") for v in value.split(",")]


def test_vary_accept_on_every_kind_of_response(client, people):
    alice = people.user("alice")
    cid = make_collection(client, alice, "Flowers")
    seen = {}

    def record(response):
        assert "accept" in _vary(response), (response.status_code, response.headers)
        seen[response.status_code] = True
        return response

    for accept in (JSONAPI, PANOPTES):
        record(client.get("/api/collections", headers={"Accept": accept}))
        record(client.get("/api", headers={"Accept": accept}))
        record(client.get("/api/health", headers={"Accept": accept}))
        shown = record(client.get(f"/api/collections/{cid}", headers={"Accept": accept}))
        not_modified = record(client.get(f"/api/collections/{cid}",
                                         headers={"Accept": accept, "If-None-Match": shown.headers["ETag"]}))
        assert not_modified.status_code == 304
        record(client.get("/api/collections/999999", headers={"Accept": accept}))       # 404
        record(client.get("/api/no-such-endpoint", headers={"Accept": accept}))        # 404 (routing)
        record(client.get("/api/collections?sort=nope", headers={"Accept": accept}))   # 400
        record(client.get("/api/me", headers={"Accept": accept}))                      # 401
        record(client.post("/api/collections", headers={"Accept": accept, "Authorization": f"Bearer {alice.token}"},
                           data=b"{}", content_type="text/plain"))                     # 415
    record(client.get("/api/collections", headers={"Accept": "text/html"}))            # 406
    deleted = record(client.delete(f"/api/collections/{cid}", headers=alice.jsonapi()))
    assert deleted.status_code == 204
    assert {200, 204, 304, 400, 401, 404, 406, 415} <= set(seen)


# -- request Content-Type ----------------------------------------------------------------------


def _create(client, person, content_type, accept=JSONAPI, panoptes_body=False):
    if panoptes_body:
        body = {"collections": {"display_name": "Made"}}
    else:
        body = jsonapi_body("collections", {"display_name": "Made"})
    import json

    return client.post("/api/collections", headers={"Accept": accept, "Authorization": f"Bearer {person.token}"},
                       data=json.dumps(body).encode(), content_type=content_type)


@pytest.mark.parametrize("content_type", [
    "application/json",
    "application/json; charset=utf-8",
    "application/vnd.api+json",
    PROFILE,
    "application/vnd.api+json; version=1",
    "application/vnd.api+json;Version=1",
])
def test_request_content_types_accepted(client, people, content_type):
    alice = people.user("alice")
    response = _create(client, alice, content_type)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["attributes"]["display_name"] == "Made"


@pytest.mark.parametrize("content_type", ["application/json", "application/vnd.api+json; version=1"])
def test_panoptes_body_accepted_with_panoptes_content_types(client, people, content_type):
    alice = people.user("alice")
    response = _create(client, alice, content_type, accept=PANOPTES, panoptes_body=True)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["collections"][0]["display_name"] == "Made"


@pytest.mark.parametrize("content_type", [
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/vnd.api+json; charset=utf-8",
    "application/vnd.api+json; version=2",
    UNKNOWN_EXT,
    "application/xml",
])
def test_request_content_types_refused(client, people, content_type):
    alice = people.user("alice")
    response = _create(client, alice, content_type)
    assert response.status_code == 415, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == JSONAPI
    [error] = response.get_json()["errors"]
    assert error["status"] == "415"
    assert error["source"] == {"header": "Content-Type"}
    assert error["detail"]
    # nothing was created
    assert client.get("/api/collections").get_json()["data"] == []


def test_unknown_extension_named_in_415(client, people):
    alice = people.user("alice")
    response = _create(client, alice, UNKNOWN_EXT)
    assert response.status_code == 415
    assert "https://example.org/ext/unknown" in response.get_json()["errors"][0]["detail"]


def test_body_without_content_type_is_415(client, people):
    alice = people.user("alice")
    response = client.post("/api/collections", headers=alice.jsonapi(),
                           data=b'{"data": {"type": "collections", "attributes": {"display_name": "X"}}}')
    assert "Content-Type" not in response.request.headers or not response.request.headers["Content-Type"]
    assert response.status_code == 415
    assert response.get_json()["errors"][0]["source"] == {"header": "Content-Type"}
    assert client.get("/api/collections").get_json()["data"] == []


def test_415_in_panoptes_form(client, people):
    alice = people.user("alice")
    response = _create(client, alice, "text/plain", accept=PANOPTES, panoptes_body=True)
    assert response.status_code == 415
    assert response.headers["Content-Type"] == PANOPTES
    doc = response.get_json()
    assert list(doc) == ["errors"]
    [error] = doc["errors"]
    assert list(error) == ["message"]
    assert "Content-Type" in error["message"]


def test_content_type_ignored_on_reads(client):
    # panoptes-client sends Content-Type: application/json on GET and DELETE as well
    for content_type in ("application/json", "text/plain"):
        response = client.get("/api/collections", headers={"Accept": PANOPTES, "Content-Type": content_type})
        assert response.status_code == 200


# -- PANOPTES_DIALECT=false ----------------------------------------------------------------------


def test_panoptes_dialect_switched_off(app, client, people):
    alice = people.user("alice")
    app.config["PANOPTES_DIALECT"] = False
    for accept in (PANOPTES, "application/vnd.api+json;version=1", "APPLICATION/VND.API+JSON; Version = 1"):
        response = client.get("/api/collections", headers={"Accept": accept})
        assert response.status_code == 406, accept
        assert response.headers["Content-Type"] == JSONAPI
        [error] = response.get_json()["errors"]
        assert error["status"] == "406"
        assert error["source"] == {"header": "Accept"}
        assert "version=1" not in error["detail"]
    # the plain instance still works, and a version=1 instance beside it is ignored
    response = client.get("/api/collections", headers={"Accept": f"{PANOPTES}, {JSONAPI}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSONAPI
    # version=1 as a request Content-Type is then a 415, as JSON:API requires
    response = _create(client, alice, "application/vnd.api+json; version=1")
    assert response.status_code == 415
    assert response.get_json()["errors"][0]["source"] == {"header": "Content-Type"}
    response = _create(client, alice, JSONAPI)
    assert response.status_code == 201


def test_panoptes_dialect_on_by_default_in_detail(client):
    response = client.get("/api/collections", headers={"Accept": "text/html"})
    assert "version=1" in response.get_json()["errors"][0]["detail"]


# -- error documents in each dialect (§5) --------------------------------------------------------


def test_error_documents_follow_the_dialect(client):
    response = client.get("/api/collections/424242", headers={"Accept": JSONAPI})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == JSONAPI
    doc = response.get_json()
    assert "data" not in doc
    [error] = doc["errors"]
    assert error["status"] == "404" and error["title"] and error["detail"]

    response = client.get("/api/collections/424242", headers={"Accept": PANOPTES})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == PANOPTES
    doc = response.get_json()
    assert doc == {"errors": [{"message": doc["errors"][0]["message"]}]}
    assert doc["errors"][0]["message"]


def test_routing_errors_follow_the_dialect(client):
    for url in ("/api/nowhere", "/api/collections/abc", "/api/collections/1/nope"):
        response = client.get(url, headers={"Accept": PANOPTES})
        assert response.status_code == 404
        assert response.headers["Content-Type"] == PANOPTES
        assert list(response.get_json()["errors"][0]) == ["message"]
        response = client.get(url, headers={"Accept": JSONAPI})
        assert response.status_code == 404
        assert response.headers["Content-Type"] == JSONAPI
        assert response.get_json()["errors"][0]["status"] == "404"
        assert "accept" in _vary(response)
    response = client.put("/api/collections", headers={"Accept": PANOPTES})
    assert response.status_code == 405
    assert response.headers["Content-Type"] == PANOPTES
