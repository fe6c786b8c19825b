"""GET /api/openapi.json and GET /api/explorer: the description is valid OpenAPI 3.1, generated from what
serves the API (every route under /api appears, with its methods), describes both dialects, and JSON:API
documents point at it; the explorer is served from the server's own files."""
import re

import pytest
from openapi_spec_validator import validate

from tests.conftest import JSONAPI, PANOPTES
from tests.writing_helpers import assert_jsonapi_error, create_collection

ROOT = "http://localhost/api"


@pytest.fixture(scope="module")
def description(_migrated_app):
    with _migrated_app.test_client() as client:
        response = client.get("/api/openapi.json", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.content_type == "application/json"
    return response.get_json()


def test_the_description_is_valid_openapi_3_1(description):
    assert description["openapi"].startswith("3.1")
    validate(description)


def test_every_route_under_api_is_described_with_its_methods(app, description):
    paths = description["paths"]
    described = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", re.sub(r"<any\([^)]*\):", "<", rule.rule))
        assert path in paths, path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], (path, method)
            described += 1
    operations = sum(1 for path, item in paths.items() for key in item
                     if key != "parameters" and path.startswith("/api"))
    assert operations == described > 500


def test_both_dialects_and_bearer_authentication(description):
    assert description["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "A token from POST /oauth/token"}
    show = description["paths"]["/api/sets/{id}"]["get"]
    assert set(show["responses"]["200"]["content"]) == {JSONAPI, PANOPTES}
    assert {"bearer": []} in show["security"]
    create = description["paths"]["/api/sets"]["post"]
    assert set(create["requestBody"]["content"]) == {JSONAPI, PANOPTES}
    body = description["components"]["schemas"]["sets_create"]["properties"]["data"]["properties"]
    assert set(body["attributes"]["required"]) == {"title", "description"}
    assert {"items", "user", "group"} <= set(body["attributes"]["properties"])
    errors = description["components"]["responses"]["error_422"]["content"]
    assert errors[JSONAPI]["schema"] == {"$ref": "#/components/schemas/jsonapi_errors"}
    assert errors[PANOPTES]["schema"] == {"$ref": "#/components/schemas/panoptes_errors"}


def test_query_parameters_of_a_list(description):
    names = {p["name"]: p for p in description["paths"]["/api/collections"]["get"]["parameters"]}
    for name in ("include", "sort", "page", "page_size", "page[number]", "page[size]", "fields[collections]",
                 "fields[subjects]", "filter[owner]", "owner", "filter[display_name]", "filter[favorite]"):
        assert name in names, name
    assert re.fullmatch(names["sort"]["schema"]["pattern"], "-display_name,created_at")
    assert not re.fullmatch(names["sort"]["schema"]["pattern"], "colour")
    assert re.fullmatch(names["include"]["schema"]["pattern"], "owner,subjects.owner")
    # the polymorphic items of a set and the version list under it
    items = description["paths"]["/api/sets/{id}/items"]["get"]["responses"]["200"]["content"][JSONAPI]["schema"]
    schema = description["components"]["schemas"][items["$ref"].rsplit("/", 1)[1]]
    assert {ref["$ref"] for ref in schema["properties"]["data"]["items"]["oneOf"]} == {
        f"#/components/schemas/{t}_resource" for t in ("layers", "tables", "documents")}
    assert "/api/sets/{set_id}/versions/{id}/publish" in description["paths"]


def test_jsonapi_documents_link_the_description(client, people):
    alice = people.user("alice")
    collection = create_collection(client, alice)
    for path in ("/api", "/api/collections", f"/api/collections/{collection}",
                 f"/api/collections/{collection}/relationships/subjects"):
        doc = client.get(path, headers={"Accept": JSONAPI}).get_json()
        assert doc["links"]["describedby"] == f"{ROOT}/openapi.json", path
    root = client.get("/api", headers={"Accept": JSONAPI}).get_json()
    assert root["meta"]["openapi"] == f"{ROOT}/openapi.json" and root["meta"]["explorer"] == f"{ROOT}/explorer"
    panoptes = client.get("/api", headers={"Accept": PANOPTES}).get_json()
    assert panoptes["openapi"] == "/openapi.json" and panoptes["explorer"] == "/explorer"


def test_the_explorer_is_served_from_local_files(client):
    page = client.get("/api/explorer", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(f"{ROOT}/explorer/") for s in sources), sources
    assert f'"{ROOT}/openapi.json"' in html and "persistAuthorization: true" in html
    for source in sources:
        asset = client.get(source.replace("http://localhost", ""))
        assert asset.status_code == 200 and len(asset.get_data()) > 100, source
    assert client.get("/api/explorer/../../app/config.py").status_code == 404
    assert client.get("/api/explorer/package.json").status_code == 404


def test_fields_must_name_known_types_and_fields(client):
    """The fuzzing found unknown sparse fieldset names accepted silently; they are a 400 naming them."""
    assert client.get("/api/collections?fields[collections]=display_name", headers={"Accept": JSONAPI}).status_code == 200
    response = client.get("/api/collections?fields[collections]=colour", headers={"Accept": JSONAPI})
    assert_jsonapi_error(response, 400, parameter="fields[collections]", contains="'colour'")
    response = client.get("/api/collections?fields[kittens]=name", headers={"Accept": JSONAPI})
    assert_jsonapi_error(response, 400, parameter="fields[kittens]", contains="kittens")
    empty = client.get("/api/collections?fields[collections]=", headers={"Accept": JSONAPI})
    assert empty.status_code == 200


def test_writes_require_a_token_and_reads_work_anonymously(description):
    reads = writes = 0
    for path, item in description["paths"].items():
        for method, op in item.items():
            if method == "parameters" or not path.startswith("/api"):
                continue
            if method == "get":
                reads += 1
                assert {} in op["security"], path  # anonymous callers read what is public
                if {"bearer": []} in op["security"]:
                    assert "with a bearer token" in op["description"], path
            else:
                writes += 1
                assert {} not in op["security"] and {"bearer": []} in op["security"], (path, method)
                assert "401" in op["responses"], (path, method)
    assert reads > 100 and writes > 300


def test_the_token_endpoint_is_described_and_the_explorer_can_use_it(client, people, description):
    op = description["paths"]["/oauth/token"]["post"]
    assert op["security"] == [{}]
    content = op["requestBody"]["content"]
    assert set(content) == {"application/x-www-form-urlencoded", "application/json"}
    schema = content["application/x-www-form-urlencoded"]["schema"]
    assert schema["properties"]["grant_type"]["enum"] == ["password", "refresh_token"]
    assert {"200", "400", "401", "429"} <= set(op["responses"])
    assert "Retry-After" in op["responses"]["429"]["headers"]
    assert set(op["responses"]["200"]["content"]["application/json"]["schema"]["required"]) >= {
        "access_token", "expires_in", "refresh_token"}
    assert "/oauth/revoke" in description["paths"]
    flow = description["components"]["securitySchemes"]["password"]["flows"]["password"]
    assert flow["tokenUrl"].endswith("/oauth/token")
    # what Swagger UI's Authorize dialog sends for the password flow: a form, an empty scope, and the
    # (empty) client credentials in a Basic header
    people.user("alice", password="correct horse")
    response = client.post(flow["tokenUrl"].replace("http://localhost", ""), headers={
        "Authorization": "Basic Og==", "Accept": "application/json, text/plain, */*"},
        data={"grant_type": "password", "username": "alice", "password": "correct horse", "scope": ""})
    assert response.status_code == 200, response.get_json()
    token = response.get_json()["access_token"]
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_filter_parameters_describe_their_items(client, people, description):
    names = {p["name"]: p for p in description["paths"]["/api/collections"]["get"]["parameters"]}
    ids, text = names["filter[id]"]["schema"]["pattern"], names["filter[display_name]"]["schema"]["pattern"]
    assert re.fullmatch(ids, "1,23") and re.fullmatch(ids, " 1 , 2")
    assert not any(re.fullmatch(ids, v) for v in ("1,,2", "1,", "a", "0"))
    assert re.fullmatch(text, "Flowers,Trees") and not re.fullmatch(text, "Flowers,,Trees")
    assert names["id"]["x-dialect"] == "panoptes" and "x-dialect" not in names["display_name"]
    # what the patterns refuse, the server refuses, and what they take, it takes
    alice = people.user("alice")
    cid = create_collection(client, alice, "Flowers")
    for value, status in ((f"{cid},{cid}", 200), (f"{cid},,{cid}", 400), ("a", 400)):
        assert client.get(f"/api/collections?filter[id]={value}", headers=alice.jsonapi()).status_code == status


def test_refusals_of_well_formed_requests_are_described(description):
    paths = description["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for refusal in operation.get("x-refusals", ()):
                assert str(refusal["status"]) in operation["responses"], (method, path, refusal)
                assert refusal["reason"] and refusal.get("dialect", "jsonapi") in ("jsonapi", "panoptes")
                if "description" in operation and path.startswith("/api"):
                    assert f"{refusal['status']} (" in operation["description"]

    def refused(path, method, dialect="jsonapi"):
        return {r["status"] for r in paths[path][method].get("x-refusals", ())
                if r.get("dialect", dialect) == dialect}

    assert 405 in refused("/api/collections/{id}/links/default_subject", "delete")
    assert 405 not in refused("/api/collections/{id}/relationships/subjects", "delete")
    assert 405 in refused("/api/collections/{id}/links/default_subject", "post")
    assert 405 not in refused("/api/collections/{id}/links/default_subject", "post", "panoptes")
    assert {412, 422} <= refused("/api/collections/{id}", "patch")
    assert 428 in refused("/api/collections/{id}", "put", "panoptes")
    assert 428 not in refused("/api/collections/{id}", "put")
    assert 405 in refused("/api/sets/{set_id}/versions/{id}", "patch")
    assert 405 not in refused("/api/sets/{id}", "patch")
    assert 400 in refused("/api/collections", "get") and not refused("/api/collections/{id}", "get")
    assert 422 in refused("/api/sets/{set_id}/permissions", "put")   # a declared action's own refusals
    # a Panoptes add of a member already there is a 400, as in Panoptes; JSON:API skips it
    assert 400 in refused("/api/collections/{id}/links/subjects", "post", "panoptes")
    assert 400 not in refused("/api/collections/{id}/links/subjects", "post")
    # a create names the relationships it needs
    roles = description["components"]["schemas"]["collection_roles_create"]["properties"]["data"]
    assert "relationships" in roles["required"]
    assert roles["properties"]["relationships"]["required"] == ["collection", "user"]
