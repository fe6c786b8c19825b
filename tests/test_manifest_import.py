"""POST /api/collections/{collection_id}/import/manifest through HTTP (API §7.2, §7.3).

The manifests of tests/fixtures/iiif/ are served by a real HTTP server on 127.0.0.1 (an ephemeral port,
allow-listed through MANIFEST_FETCH_ALLOWLIST); nothing leaves loopback. Every fixture is imported through
the endpoint and checked against SOURCES.md; rejected documents and refused fetches leave the database as
it was; the number of SQL statements of an import does not grow with the number of canvases.
"""
import json
import os
import sqlite3

import orjson
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.image_sets import Image, ImageSet, ImageSetImage
from app.services.iiif import read_manifest, synthetic_manifest
from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.iiif_expected import FIXTURES, IMPORTED, REJECTED, fixture_names, load
from tests.iiif_server import FixtureServer, _manifest_server, server  # noqa: F401 - fixtures
from tests.reading_seed import grant_role
from tests.writing_helpers import assert_jsonapi_error, assert_panoptes_error, create_collection

IMAGE_ATTRIBUTES = ("name", "description", "uri", "kind", "iiif_url", "api_version", "mime_type", "width",
                    "height", "weight", "metadata")


def test_every_fixture_file_is_imported_or_rejected_here():
    assert fixture_names() == {row[0] for row in IMPORTED} | {row[0] for row in REJECTED}


# -- helpers --------------------------------------------------------------------------------------

@pytest.fixture
def owner(people):
    return people.user("owner")


@pytest.fixture
def collection(client, owner):
    return create_collection(client, owner, "Manuscripts")


def import_path(collection_id, query=""):
    return f"/api/collections/{collection_id}/import/manifest{query}"


def post_import(client, person, collection_id, url, panoptes=False, query="", headers=None, body=None):
    """POST {"manifest": url} as application/json in the chosen dialect (person None: anonymous)."""
    sent = person.headers(panoptes) if person is not None else {"Accept": PANOPTES if panoptes else JSONAPI}
    sent.update(headers or {})
    return client.post(import_path(collection_id, query), headers=sent, content_type="application/json",
                       data=json.dumps(body if body is not None else {"manifest": url}))


def imported(response, panoptes=False):
    """(the image set's resource object, meta.import) of a 201 import response."""
    assert response.status_code == 201, response.get_data(as_text=True)
    doc = response.get_json()
    if panoptes:
        assert response.headers["Content-Type"] == PANOPTES
        assert set(doc) == {"image_sets", "links", "meta"}  # nothing else at the top (API §2.2)
        assert "image_sets" in doc["meta"] and "image_sets.images" in doc["links"]
        (resource,) = doc["image_sets"]
        return resource, doc["meta"]["import"]
    assert response.headers["Content-Type"] == JSONAPI
    return doc["data"], doc["meta"]["import"]


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (ImageSet, Image, ImageSetImage))


def images_of(client, person, collection_id, set_id):
    """The set's images in link order, through ``include=images`` on the set."""
    response = client.get(f"/api/collections/{collection_id}/image-sets/{set_id}?include=images",
                          headers=person.jsonapi())
    assert response.status_code == 200, response.get_data(as_text=True)
    doc = response.get_json()
    by_id = {item["id"]: item for item in doc.get("included", []) if item["type"] == "images"}
    return [by_id[link["id"]] for link in doc["data"]["relationships"]["images"]["data"]]


def expected_thumbnail_shape(thumbnail, first):
    if first["kind"] == "image":
        assert thumbnail == first["uri"]
        return
    assert thumbnail.startswith(first["iiif_url"] + "/full/")
    quality = "native" if first["api_version"] == "v1" else "default"
    assert thumbnail.endswith(f"/0/{quality}.jpg")
    size = thumbnail[len(first["iiif_url"] + "/full/"):-len(f"/0/{quality}.jpg")]
    assert size in ("max" if first["api_version"] == "v3" else "full", "600,")


# -- every fixture --------------------------------------------------------------------------------

@pytest.mark.parametrize("name,canvases,images,title", IMPORTED, ids=[row[0] for row in IMPORTED])
def test_every_manifest_imports_with_its_counts_name_and_images(app, client, server, owner, collection,
                                                               name, canvases, images, title):
    before = counts(app)
    response = post_import(client, owner, collection, server.url(name))
    resource, meta = imported(response)
    assert meta == {"canvases": canvases, "images": images, "skipped_canvases": canvases - images}
    attributes = resource["attributes"]
    assert resource["type"] == "image_sets"
    assert attributes["name"] == title
    assert attributes["image_count"] == images
    assert resource["relationships"]["collection"]["data"] == {"type": "collections", "id": collection}
    assert resource["relationships"]["owner"]["data"] == {"type": "users", "id": str(owner.id)}
    assert set(attributes["policies"]) == {"access", "write", "manage", "delete"}
    assert counts(app) == (before[0] + 1, before[1] + images, before[2] + images)
    assert server.seen == [f"/iiif/{name}"]

    stored = images_of(client, owner, collection, resource["id"])
    expected = read_manifest(load(name)).images
    assert len(stored) == images
    assert [item["attributes"]["weight"] for item in stored] == list(range(images))
    for item, record in zip(stored, expected):
        want = {key: record[key] for key in IMAGE_ATTRIBUTES}
        want["description"] = want["description"] or ""  # stored as an empty text, like a created image's
        assert {key: item["attributes"][key] for key in IMAGE_ATTRIBUTES} == want
        assert item["relationships"]["owner"]["data"] == {"type": "users", "id": str(owner.id)}
        if item["attributes"]["kind"] == "iiif":
            assert item["attributes"]["api_version"] in ("v1", "v2", "v3")
            assert item["attributes"]["iiif_url"] and not item["attributes"]["iiif_url"].endswith("/")
        else:
            assert item["attributes"]["iiif_url"] is None and item["attributes"]["api_version"] is None
    expected_thumbnail_shape(attributes["thumbnail"], stored[0]["attributes"])


PANOPTES_CASES = [row for row in IMPORTED if row[0] in (
    "v2-fixture01-minimal.json", "v2-florus-empty-canvases.json", "v3-cookbook-0283-missing-image.json",
    "v3-wellcome-imageservice2.json")]


@pytest.mark.parametrize("name,canvases,images,title", PANOPTES_CASES, ids=[row[0] for row in PANOPTES_CASES])
def test_panoptes_dialect_import(app, client, server, owner, collection, name, canvases, images, title):
    before = counts(app)
    response = post_import(client, owner, collection, server.url(name), panoptes=True)
    resource, meta = imported(response, panoptes=True)
    assert meta == {"canvases": canvases, "images": images, "skipped_canvases": canvases - images}
    assert resource["name"] == title and resource["image_count"] == images
    assert resource["href"] == f"/collections/{collection}/image-sets/{resource['id']}"
    assert response.headers["Location"].endswith("/api" + resource["href"])
    assert resource["links"]["collection"] == collection
    assert counts(app) == (before[0] + 1, before[1] + images, before[2] + images)


def test_static_image_without_service(client, server, owner, collection):
    resource, _ = imported(post_import(client, owner, collection, server.url("v2-fixture01-minimal.json")))
    (image,) = images_of(client, owner, collection, resource["id"])
    static = "http://iiif.io/api/presentation/2.1/example/fixtures/resources/page1-full.png"
    assert image["attributes"]["kind"] == "image"
    assert image["attributes"]["uri"] == static and image["attributes"]["iiif_url"] is None
    assert (image["attributes"]["width"], image["attributes"]["height"]) == (1200, 1800)
    assert resource["attributes"]["thumbnail"] == static


def test_service_versions_sizes_and_thumbnails(client, server, owner, collection):
    resource, _ = imported(post_import(client, owner, collection, server.url("v3-wellcome-imageservice2.json")))
    first = images_of(client, owner, collection, resource["id"])[0]["attributes"]
    assert first["kind"] == "iiif" and first["api_version"] == "v2"
    assert first["iiif_url"] == "https://dlcs.io/iiif-img/wellcome/6/b28857021_0001.jp2"
    assert (first["width"], first["height"]) == (2670, 4412)  # the canvas, not the 620x1024 body
    assert resource["attributes"]["thumbnail"].startswith(first["iiif_url"] + "/full/")
    assert resource["attributes"]["attribution"].startswith("Wellcome Collection")
    assert "<" not in resource["attributes"]["attribution"]

    resource, _ = imported(post_import(client, owner, collection, server.url("v3-cookbook-0033-choice.json")))
    (image,) = images_of(client, owner, collection, resource["id"])
    assert image["attributes"]["api_version"] == "v3" and image["attributes"]["iiif_url"].endswith("-dee-natural")
    assert resource["attributes"]["thumbnail"].startswith(image["attributes"]["iiif_url"] + "/full/")
    assert resource["attributes"]["thumbnail"].endswith("/0/default.jpg")

    resource, _ = imported(post_import(client, owner, collection, server.url("v2-florus-empty-canvases.json")))
    stored = images_of(client, owner, collection, resource["id"])
    versions = {(item["attributes"]["iiif_url"].split("/")[2], item["attributes"]["api_version"]) for item in stored}
    assert versions == {("gallica.bnf.fr", "v1"), ("www.e-codices.unifr.ch", "v2")}


def test_missing_image_canvas_is_skipped(client, server, owner, collection):
    resource, meta = imported(post_import(client, owner, collection,
                                          server.url("v3-cookbook-0283-missing-image.json")))
    assert meta == {"canvases": 4, "images": 3, "skipped_canvases": 1}
    stored = images_of(client, owner, collection, resource["id"])
    assert [item["attributes"]["name"] for item in stored] == ["f. 1r", "f. 2r", "f. 2v"]


def test_imported_set_reads_back_in_both_dialects(client, server, owner, collection):
    resource, _ = imported(post_import(client, owner, collection, server.url("v2-harvard-art-299843.json")))
    shown = client.get(f"/api/collections/{collection}/image-sets/{resource['id']}", headers=owner.jsonapi())
    assert shown.status_code == 200
    assert shown.get_json()["data"]["attributes"] == resource["attributes"]
    assert shown.get_json()["data"]["attributes"]["attribution"] == "Harvard Art Museums"
    listed = client.get(f"/api/collections/{collection}/image-sets", headers=owner.panoptes())
    assert [item["id"] for item in listed.get_json()["image_sets"]] == [resource["id"]]


# -- Location and body forms ----------------------------------------------------------------------

def test_location_is_the_self_link(client, server, owner, collection):
    response = post_import(client, owner, collection, server.url("v3-cookbook-0001-no-service.json"))
    resource, _ = imported(response)
    assert response.headers["Location"] == resource["links"]["self"]
    assert resource["links"]["self"].endswith(f"/api/collections/{collection}/image-sets/{resource['id']}")
    assert client.get(response.headers["Location"], headers=owner.jsonapi()).status_code == 200


def test_jsonapi_body_form(app, client, server, owner, collection):
    url = server.url("v3-cookbook-0001-no-service.json")
    body = jsonapi_body("image_sets", {"manifest": url})
    response = client.post(import_path(collection), headers=owner.jsonapi(), content_type=JSONAPI,
                           data=json.dumps(body))
    resource, meta = imported(response)
    assert resource["attributes"]["name"] == "Single Image Example"
    assert meta == {"canvases": 1, "images": 1, "skipped_canvases": 0}
    assert response.headers["Location"] == resource["links"]["self"]


def test_panoptes_media_type_body(client, server, owner, collection):
    response = client.post(import_path(collection), headers=owner.panoptes(), content_type=PANOPTES,
                           data=json.dumps({"manifest": server.url("v3-cookbook-0001-no-service.json")}))
    resource, _ = imported(response, panoptes=True)
    assert resource["name"] == "Single Image Example"


def test_include_on_the_import_response(client, server, owner, collection):
    response = post_import(client, owner, collection, server.url("v3-cookbook-0283-missing-image.json"),
                           query="?include=images")
    resource, _ = imported(response)
    included = [item for item in response.get_json()["included"] if item["type"] == "images"]
    assert len(included) == 3
    assert [link["id"] for link in resource["relationships"]["images"]["data"]] == [item["id"] for item in included]


def test_panoptes_wrapped_body(client, server, owner, collection):
    response = client.post(import_path(collection), headers=owner.panoptes(), content_type=PANOPTES,
                           data=json.dumps({"image_sets": {"manifest": server.url("v2-fixture01-minimal.json")}}))
    resource, _ = imported(response, panoptes=True)
    assert resource["name"] == "Test 1 Manifest: Minimum Required Fields"


def test_jsonapi_body_of_another_type_is_a_conflict(app, client, server, owner, collection):
    before = counts(app)
    body = jsonapi_body("collections", {"manifest": server.url("v2-fixture01-minimal.json")})
    response = client.post(import_path(collection), headers=owner.jsonapi(), content_type=JSONAPI,
                           data=json.dumps(body))
    assert_jsonapi_error(response, 409, pointer="/data/type")
    assert counts(app) == before and server.seen == []


@pytest.mark.parametrize("body,pointer", [
    ({"data": {"type": "image_sets", "attributes": {"manifest": "M", "colour": "red"}}}, "/data/attributes/colour"),
    ({"data": {"type": "image_sets", "attributes": {"manifest": "M"},
               "relationships": {"images": {"data": []}}}}, "/data/relationships/images"),
    ({"manifest": "M", "name": "Mine"}, "/name"),
], ids=["attribute", "relationship", "bare"])
def test_unknown_fields_are_named(app, client, server, owner, collection, body, pointer):
    text = json.dumps(body).replace('"M"', json.dumps(server.url("v2-fixture01-minimal.json")))
    before = counts(app)
    response = client.post(import_path(collection), headers=owner.jsonapi(), content_type=JSONAPI, data=text)
    assert_jsonapi_error(response, 422, pointer=pointer)
    assert counts(app) == before and server.seen == []


@pytest.mark.parametrize("body,pointer", [
    ({}, "/manifest"),
    ({"manifest": ""}, "/manifest"),
    ({"manifest": 42}, "/manifest"),
    ({"data": {"type": "image_sets", "attributes": {}}}, "/data/attributes/manifest"),
], ids=["missing", "empty", "number", "jsonapi missing"])
def test_manifest_url_is_required(app, client, server, owner, collection, body, pointer):
    before = counts(app)
    response = post_import(client, owner, collection, None, body=body)
    assert_jsonapi_error(response, 422, pointer=pointer)
    assert counts(app) == before
    assert server.seen == []


# -- rejected documents and refused fetches --------------------------------------------------------

@pytest.mark.parametrize("name,code", REJECTED, ids=[row[0] for row in REJECTED])
@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
def test_rejected_documents(app, client, server, owner, collection, name, code, panoptes):
    before = counts(app)
    response = post_import(client, owner, collection, server.url(name), panoptes=panoptes)
    if panoptes:
        doc = assert_panoptes_error(response, 422)
    else:
        doc = assert_jsonapi_error(response, 422)
        assert doc["errors"][0]["code"] == code
    message = doc["errors"][0]["message" if panoptes else "detail"]
    if "collection" in name:
        assert "Collection" in message
    assert server.seen == [f"/iiif/{name}"]
    assert counts(app) == before


def refused_cases(server):
    """(reason code, URL) for each fetch the server must refuse."""
    other_port = server.port + 1 if server.port < 65535 else server.port - 1
    return {
        "http_error": server.url("no-such-manifest.json"),
        "not_json": server.route("/page.html", b"<html><body>Not a manifest</body></html>", content_type="text/html"),
        "not_json_array": server.route("/array.json", b"[1, 2, 3]"),
        "too_large": server.url("v2-harvard-art-299843.json"),  # 11 KB against a 4 KB cap below
        "redirect_refused": server.route("/moved", b"", status=302,
                                         Location="http://169.254.169.254/latest/meta-data/"),
        "redirect_other_port": server.route("/moved-loopback", b"", status=301,
                                            Location=f"http://127.0.0.1:{other_port}/iiif/x.json"),
        "loopback_name": f"http://localhost:{server.port}/iiif/v2-fixture01-minimal.json",
        "loopback_other_port": f"http://127.0.0.1:{other_port}/iiif/v2-fixture01-minimal.json",
        "loopback_spelled": f"http://2130706433:{other_port}/iiif/v2-fixture01-minimal.json",
        "private": "http://10.1.2.3/manifest.json",
        "scheme": "file:///etc/passwd",
        "credentials": f"http://user:secret@127.0.0.1:{server.port}/iiif/v2-fixture01-minimal.json",
    }


REFUSED = [
    ("http_error", "http_error"), ("not_json", "not_json"), ("not_json_array", "not_json"),
    ("too_large", "too_large"), ("redirect_refused", "address_not_allowed"),
    ("redirect_other_port", "address_not_allowed"), ("loopback_name", "address_not_allowed"),
    ("loopback_other_port", "address_not_allowed"), ("loopback_spelled", "address_not_allowed"),
    ("private", "address_not_allowed"), ("scheme", "scheme_not_allowed"), ("credentials", "credentials_in_url"),
]


@pytest.mark.parametrize("case,code", REFUSED, ids=[row[0] for row in REFUSED])
@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
def test_refused_fetches(app, client, server, owner, collection, monkeypatch, case, code, panoptes):
    monkeypatch.setitem(app.config, "MANIFEST_MAX_BYTES", 4096)
    url = refused_cases(server)[case]
    before = counts(app)
    response = post_import(client, owner, collection, url, panoptes=panoptes)
    if panoptes:
        doc = assert_panoptes_error(response, 422, contains=code)
    else:
        doc = assert_jsonapi_error(response, 422, pointer="/manifest")
        assert doc["errors"][0]["code"] == code
    body = response.get_data(as_text=True)
    assert "Not a manifest" not in body and "meta-data" not in body  # never the remote body or target
    assert counts(app) == before
    if case in ("loopback_name", "loopback_other_port", "loopback_spelled", "private", "scheme", "credentials"):
        assert server.seen == []  # refused before any connection


def test_size_cap_is_the_setting(app, client, server, owner, collection, monkeypatch):
    url = server.url("v2-harvard-art-299843.json")
    size = os.path.getsize(os.path.join(FIXTURES, "v2-harvard-art-299843.json"))
    monkeypatch.setitem(app.config, "MANIFEST_MAX_BYTES", size - 1)
    assert_jsonapi_error(post_import(client, owner, collection, url), 422)
    monkeypatch.setitem(app.config, "MANIFEST_MAX_BYTES", size)
    imported(post_import(client, owner, collection, url))


def test_slow_server_times_out(app, client, server, owner, collection, monkeypatch):
    monkeypatch.setitem(app.config, "MANIFEST_FETCH_TIMEOUT", 0.5)
    with open(os.path.join(FIXTURES, "v2-fixture01-minimal.json"), "rb") as f:
        url = server.route("/slow.json", f.read(), delay=2)
    before = counts(app)
    doc = assert_jsonapi_error(post_import(client, owner, collection, url), 422, pointer="/manifest")
    assert doc["errors"][0]["code"] == "timeout"
    assert counts(app) == before


def test_no_database_lock_is_held_while_fetching(app, client, server, owner, collection):
    """The fetch may take MANIFEST_FETCH_TIMEOUT seconds: other writers must not wait for it (SQLite's
    write lock is taken when a write request's transaction begins, so it must not span the fetch)."""
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    if not database.startswith("sqlite:///"):
        pytest.skip("SQLite's database-wide write lock")
    outcome = []

    def another_writer():
        connection = sqlite3.connect(database[len("sqlite:///"):], timeout=0.5, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            outcome.append("wrote")
        except sqlite3.OperationalError as error:
            outcome.append(str(error))
        finally:
            connection.close()

    with open(os.path.join(FIXTURES, "v3-cookbook-0001-no-service.json"), "rb") as f:
        url = server.route("/watched.json", f.read(), before=another_writer)
    imported(post_import(client, owner, collection, url))
    assert outcome == ["wrote"]


def test_allowed_redirect_is_followed(client, server, owner, collection):
    target = server.url("v3-cookbook-0001-no-service.json")
    url = server.route("/short", b"", status=302, Location=target)
    resource, _ = imported(post_import(client, owner, collection, url))
    assert resource["attributes"]["name"] == "Single Image Example"
    assert server.seen == ["/short", "/iiif/v3-cookbook-0001-no-service.json"]


def test_empty_allowlist_refuses_loopback(app, client, server, owner, collection, monkeypatch):
    monkeypatch.setitem(app.config, "MANIFEST_FETCH_ALLOWLIST", "")
    before = counts(app)
    doc = assert_jsonapi_error(post_import(client, owner, collection, server.url("v2-fixture01-minimal.json")), 422)
    assert doc["errors"][0]["code"] == "address_not_allowed"
    assert server.seen == [] and counts(app) == before


# -- statements -----------------------------------------------------------------------------------

def test_statement_count_does_not_grow_with_canvases(client, server, owner, collection):
    synthetic = server.route("/synthetic-2000.json", orjson.dumps(synthetic_manifest(2000)))
    statements = {}
    for label, url, images in [("1", server.url("v3-cookbook-0001-no-service.json"), 1),
                               ("322", server.url("v2-florus-empty-canvases.json"), 238),
                               ("2000", synthetic, 2000)]:
        response = post_import(client, owner, collection, url)
        resource, meta = imported(response)
        assert meta["images"] == images and resource["attributes"]["image_count"] == images
        statements[label] = int(response.headers["X-Query-Count"])
    assert statements["1"] == statements["322"] == statements["2000"], statements


def test_synthetic_manifest_stores_every_image_in_order(app, client, server, owner, collection):
    url = server.route("/synthetic-300.json", orjson.dumps(synthetic_manifest(300, every_nth_empty=10)))
    resource, meta = imported(post_import(client, owner, collection, url))
    assert meta == {"canvases": 300, "images": 270, "skipped_canvases": 30}
    with app.app_context():
        rows = db.session.execute(
            select(Image.weight, Image.name).join(ImageSetImage, ImageSetImage.image_id == Image.id)
            .where(ImageSetImage.image_set_id == int(resource["id"])).order_by(ImageSetImage.id)
        ).all()
    assert [row.weight for row in rows] == list(range(270))
    assert rows[0].name == "Page 1" and rows[9].name == "Page 11"


def test_two_imports_get_distinct_images(app, client, server, owner, collection):
    first, _ = imported(post_import(client, owner, collection, server.url("v2-harvard-art-299843.json")))
    second, _ = imported(post_import(client, owner, collection, server.url("v2-harvard-art-299843.json")))
    ids_first = [item["id"] for item in images_of(client, owner, collection, first["id"])]
    ids_second = [item["id"] for item in images_of(client, owner, collection, second["id"])]
    assert len(ids_first) == len(ids_second) == 6 and not set(ids_first) & set(ids_second)


# -- label language -------------------------------------------------------------------------------

@pytest.mark.parametrize("name,accept_language,title", [
    ("v2-fixture62-label-languages.json", None, "62: some title"),
    ("v2-fixture62-label-languages.json", "fr", "62: quelque titre"),
    ("v2-fixture62-label-languages.json", "fr-CH, fr;q=0.9, en;q=0.8", "62: quelque titre"),
    ("v2-fixture62-label-languages.json", "de, en;q=0.5", "62: some title"),
    ("v3-cookbook-0006-text-language.json", None, "Whistler's Mother"),
    ("v3-cookbook-0006-text-language.json", "fr-FR", "La Mère de Whistler"),
    ("v3-cookbook-0006-text-language.json", "en-GB, fr;q=0.5", "Whistler's Mother"),
    ("v3-cookbook-0006-text-language.json", "es", "Whistler's Mother"),
], ids=["62 none", "62 fr", "62 fr-CH", "62 de", "0006 none", "0006 fr-FR", "0006 en-GB", "0006 es"])
@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
def test_accept_language_picks_the_label(client, server, owner, collection, name, accept_language, title,
                                         panoptes):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = post_import(client, owner, collection, server.url(name), panoptes=panoptes, headers=headers)
    resource, _ = imported(response, panoptes=panoptes)
    assert (resource["name"] if panoptes else resource["attributes"]["name"]) == title


# -- permissions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
def test_anonymous_gets_401(app, client, server, collection, panoptes):
    before = counts(app)
    response = post_import(client, None, collection, server.url("v2-fixture01-minimal.json"), panoptes=panoptes)
    if panoptes:
        assert_panoptes_error(response, 401)
    else:
        assert_jsonapi_error(response, 401)
    assert server.seen == [] and counts(app) == before


@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
def test_stranger_on_a_public_collection_gets_403(app, client, server, people, collection, panoptes):
    stranger = people.user("stranger")
    before = counts(app)
    response = post_import(client, stranger, collection, server.url("v2-fixture01-minimal.json"), panoptes=panoptes)
    if panoptes:
        assert_panoptes_error(response, 403)
    else:
        assert_jsonapi_error(response, 403)
    assert server.seen == [] and counts(app) == before


@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
def test_invisible_or_unknown_collection_gets_404(app, client, server, people, owner, panoptes):
    stranger = people.user("stranger")
    private = create_collection(client, owner, "Hidden", private=True)
    before = counts(app)
    for collection_id in (private, "999999"):
        response = post_import(client, stranger, collection_id, server.url("v2-fixture01-minimal.json"),
                               panoptes=panoptes)
        if panoptes:
            assert_panoptes_error(response, 404)
        else:
            assert_jsonapi_error(response, 404)
    assert server.seen == [] and counts(app) == before


@pytest.mark.parametrize("roles", [["viewer"], ["contributor"], ["collaborator"]])
def test_collection_role_holder_may_import(client, server, people, owner, roles):
    holder = people.user("holder")
    private = create_collection(client, owner, "Shared drafts", private=True)
    grant_role(client, owner, private, holder, roles)
    resource, meta = imported(post_import(client, holder, private, server.url("v2-harvard-art-299843.json")))
    assert meta["images"] == 6
    assert resource["relationships"]["owner"]["data"] == {"type": "users", "id": str(holder.id)}
    assert set(resource["attributes"]["policies"]) == {"access", "write", "manage", "delete"}
    as_owner = client.get(f"/api/collections/{private}/image-sets/{resource['id']}", headers=owner.jsonapi())
    assert as_owner.status_code == 200
    assert set(as_owner.get_json()["data"]["attributes"]["policies"]) == {"access", "write", "delete"}


def test_admin_may_import_anywhere(client, server, people, owner):
    admin = people.user("root", admin=True)
    private = create_collection(client, owner, "Hidden", private=True)
    resource, _ = imported(post_import(client, admin, private, server.url("v2-fixture01-minimal.json")))
    assert resource["relationships"]["owner"]["data"]["id"] == str(admin.id)
