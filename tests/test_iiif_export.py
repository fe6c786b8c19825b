"""Image sets served back as IIIF Presentation 3.0: a Manifest per image set (GET /api/iiif/manifests/{id}) and
a Collection per collection (GET /api/iiif/collections/{id}), through HTTP in both dialects' links; every
document produced here is checked by tests/iiif_checks.py (iiif-prezi3 and the spec's own requirements)."""
import pytest

from tests.conftest import JSONAPI, PANOPTES
from tests.iiif_checks import all_errors, prezi3_errors, spec_errors
from tests.image_sets_helpers import create_set, make_image, make_iiif_image, nested, patch_set, set_service_level
from tests.reading_seed import grant_role
from tests.writing_helpers import create_collection

PROFILE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
ROOT = "http://localhost/api"


def manifest_url(set_id):
    return f"/api/iiif/manifests/{set_id}"


def get_iiif(client, path, person=None, accept=None, **headers):
    if person is not None:
        headers["Authorization"] = f"Bearer {person.token}"
    if accept is not None:
        headers["Accept"] = accept
    return client.get(path, headers=headers)


def publish(client, person, cid, sid, published=True):
    response = patch_set(client, person, cid, sid, {"published": published})
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.fixture
def alice(people):
    return people.user("alice")


@pytest.fixture
def seeded(app, client, alice):
    """A collection with a set of three images: IIIF v3 (level 2, with metadata), IIIF v2, and a static file of
    unknown size; the set allows one language."""
    cid = create_collection(client, alice, "Manuscripts", description="Leaves from a scriptorium")
    first = make_iiif_image(client, alice, base="https://iiif.example.org/leaf1", version="v3", name="Leaf 1",
                            width=4000, height=3000, mime_type="image/jpeg", description="The first leaf",
                            metadata=[{"name": "Folio", "value": "1r"}])
    set_service_level(app, first, 2)
    second = make_iiif_image(client, alice, base="https://iiif.example.org/leaf2", version="v2", name="Leaf 2",
                             width=2000, height=2500)
    third = make_image(client, alice, uri="https://static.example.org/cover.png", name="Cover")
    sid = create_set(client, alice, cid, "Book of hours", description="A <small> book",
                     attribution="Scriptorium <b>archive</b>", allowed_languages=["fr"],
                     image_ids=[first, third, second])
    return cid, sid, [first, third, second]


def test_a_manifest_has_the_sets_images_in_order_with_their_services(client, alice, seeded):
    cid, sid, images = seeded
    response = get_iiif(client, manifest_url(sid), alice)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == PROFILE
    doc = response.get_json()
    assert all_errors(doc) == []
    assert list(doc)[:3] == ["@context", "id", "type"]
    assert doc["id"] == f"{ROOT}/iiif/manifests/{sid}" and doc["type"] == "Manifest"
    assert doc["label"] == {"fr": ["Book of hours"]}
    assert doc["summary"] == {"fr": ["A <small> book"]}
    assert doc["requiredStatement"] == {"label": {"en": ["Attribution"]}, "value": {"fr": ["Scriptorium <b>archive</b>"]}}
    resource = f"{ROOT}/collections/{cid}/image-sets/{sid}"
    assert doc["homepage"][0]["id"] == resource and doc["homepage"][0]["type"] == "Text"
    assert doc["seeAlso"] == [{"id": resource, "type": "Dataset", "label": {"en": ["The image set in the API"]},
                               "format": "application/vnd.api+json"}]
    assert doc["provider"] == [{"id": f"{ROOT}/users/{alice.id}", "type": "Agent", "label": {"none": ["Alice"]}}]
    service3 = {"id": "https://iiif.example.org/leaf1", "type": "ImageService3", "profile": "level2"}
    assert doc["thumbnail"] == [{"id": "https://iiif.example.org/leaf1/full/600,/0/default.jpg", "type": "Image",
                                 "format": "image/jpeg", "service": [service3]}]

    canvases = doc["items"]
    assert [c["id"] for c in canvases] == [f"{doc['id']}/canvases/{i}" for i in images]
    assert [c["label"] for c in canvases] == [{"fr": ["Leaf 1"]}, {"fr": ["Cover"]}, {"fr": ["Leaf 2"]}]
    assert [(c["width"], c["height"]) for c in canvases] == [(4000, 3000), (1000, 1000), (2000, 2500)]
    assert canvases[0]["summary"] == {"fr": ["The first leaf"]}
    assert canvases[0]["metadata"] == [{"label": {"fr": ["Folio"]}, "value": {"fr": ["1r"]}}]
    bodies = [c["items"][0]["items"][0]["body"] for c in canvases]
    annotation = canvases[0]["items"][0]["items"][0]
    assert annotation["motivation"] == "painting" and annotation["target"] == canvases[0]["id"]
    assert bodies[0] == {"id": "https://iiif.example.org/leaf1/full/max/0/default.jpg", "type": "Image",
                         "format": "image/jpeg", "width": 4000, "height": 3000, "service": [service3]}
    # a static image: its own URL, the format its name says, no size where none is known
    assert bodies[1] == {"id": "https://static.example.org/cover.png", "type": "Image", "format": "image/png"}
    assert bodies[2]["id"] == "https://iiif.example.org/leaf2/full/full/0/default.jpg"
    assert bodies[2]["service"] == [{"@id": "https://iiif.example.org/leaf2", "@type": "ImageService2",
                                     "profile": "http://iiif.io/api/image/2/level0.json"}]


def test_the_checks_find_what_is_wrong(client, alice, seeded):
    _cid, sid, _ = seeded
    good = get_iiif(client, manifest_url(sid), alice).get_json()
    assert all_errors(good) == []
    # iiif-prezi3 turns a plain string label into a language map; the spec checks do not
    assert spec_errors({**good, "label": "a string, not a language map"})
    assert spec_errors({**good, "label": {"en": "not a list"}})
    assert prezi3_errors({**good, "summary": 5}) and prezi3_errors({**good, "id": "not a uri"})
    wrong_width = {**good, "items": [{**good["items"][0], "width": "wide"}] + good["items"][1:]}
    assert prezi3_errors(wrong_width)
    no_size = {**good, "items": [{**good["items"][0], "width": None}] + good["items"][1:]}
    assert any("width" in e for e in spec_errors(no_size))
    twice = {**good, "items": good["items"] + good["items"][:1]}
    assert any("used twice" in e for e in spec_errors(twice))
    assert prezi3_errors({**good, "items": [{"id": "https://example.org/c", "type": "Range"}]})


def test_text_a_viewer_would_render_as_html_is_escaped(client, alice):
    cid = create_collection(client, alice, "Tricks")
    image = make_image(client, alice, name="<img src=x onerror=alert(1)>")
    sid = create_set(client, alice, cid, "<script>alert(1)</script>", image_ids=[image])
    doc = get_iiif(client, manifest_url(sid), alice).get_json()
    assert doc["label"] == {"none": ["<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"]}
    assert doc["items"][0]["label"] == {"none": ["<p>&lt;img src=x onerror=alert(1)&gt;</p>"]}
    assert all_errors(doc) == []


def test_v1_services_and_sets_of_several_languages(app, client, alice):
    cid = create_collection(client, alice, "Old")
    image = make_iiif_image(client, alice, base="https://iiif.example.org/old", version="v1", width=10, height=20)
    set_service_level(app, image, 1)
    sid = create_set(client, alice, cid, "Old service", allowed_languages=["en", "fr"], image_ids=[image])
    doc = get_iiif(client, manifest_url(sid), alice).get_json()
    assert doc["label"] == {"none": ["Old service"]}
    body = doc["items"][0]["items"][0]["items"][0]["body"]
    assert body["id"] == "https://iiif.example.org/old/full/full/0/native.jpg"
    assert body["service"] == [{"@id": "https://iiif.example.org/old", "@type": "ImageService1",
                                "profile": "http://library.stanford.edu/iiif/image-api/1.1/compliance.html#level1"}]
    assert all_errors(doc) == []


def test_manifest_http_cors_etag_and_media_types(client, alice, seeded):
    cid, sid, _ = seeded
    publish(client, alice, cid, sid)
    url = manifest_url(sid)
    response = get_iiif(client, url, Origin="https://viewer.example.org")
    assert response.status_code == 200
    # any origin may read (flask-cors echoes it), with no credentials
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://viewer.example.org")
    assert "Access-Control-Allow-Credentials" not in response.headers
    etag = response.headers["ETag"]
    again = get_iiif(client, url, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert get_iiif(client, url, accept="application/json").headers["Content-Type"] == "application/json"
    assert get_iiif(client, url, accept="application/ld+json").headers["Content-Type"] == PROFILE
    assert get_iiif(client, url, accept="text/html,*/*;q=0.8").headers["Content-Type"] == PROFILE
    refused = get_iiif(client, url, accept="text/html")
    assert refused.status_code == 406
    assert refused.get_json()["errors"][0]["source"] == {"header": "Accept"}
    # an API media type is refused too, with the error in that dialect
    panoptes = get_iiif(client, url, accept=PANOPTES)
    assert panoptes.status_code == 406 and "message" in panoptes.get_json()["errors"][0]
    preflight = client.options(url, headers={"Origin": "https://viewer.example.org",
                                             "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Origin"] in ("*", "https://viewer.example.org")
    # a change gives a new ETag
    patch_set(client, alice, cid, sid, {"name": "Renamed"})
    changed = get_iiif(client, url, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["label"] == {"fr": ["Renamed"]}


def test_a_manifest_is_visible_exactly_as_its_image_set(client, people, alice, seeded):
    cid, sid, _ = seeded
    bob, carol = people.user("bob"), people.user("carol")
    grant_role(client, alice, cid, carol, ["viewer"])
    url = manifest_url(sid)
    for person, status in ((None, 404), (bob, 404), (carol, 200), (alice, 200)):
        response = get_iiif(client, url, person)
        assert response.status_code == status, (person and person.login, response.get_data(as_text=True))
        set_status = client.get(nested(cid, sid), headers=person.jsonapi() if person else {}).status_code
        assert set_status == status
    missing = get_iiif(client, manifest_url(999999))
    assert missing.status_code == 404 and missing.get_json()["errors"][0]["code"] == "not_found"
    publish(client, alice, cid, sid)
    assert get_iiif(client, url).status_code == 200 and get_iiif(client, url, bob).status_code == 200
    publish(client, alice, cid, sid, False)
    assert get_iiif(client, url).status_code == 404
    bad = get_iiif(client, url, accept=None, Authorization="Bearer nonsense")
    assert bad.status_code == 401


def test_the_image_set_links_to_its_manifest_in_both_dialects(client, alice, seeded):
    cid, sid, _ = seeded
    doc = client.get(nested(cid, sid), headers=alice.jsonapi()).get_json()
    assert doc["data"]["links"]["manifest"] == f"{ROOT}/iiif/manifests/{sid}"
    assert doc["meta"]["link_templates"]["image_sets"]["manifest"] == {
        "href": ROOT + "/iiif/manifests/{image_sets.id}", "type": "iiif_manifests"}
    doc = client.get(nested(cid, sid), headers=alice.panoptes()).get_json()
    assert doc["links"]["image_sets.manifest"] == {"href": "/iiif/manifests/{image_sets.id}", "type": "iiif_manifests"}
    root = client.get("/api", headers={"Accept": JSONAPI}).get_json()["meta"]
    assert root["link_templates"]["image_sets"]["manifest"]["href"] == ROOT + "/iiif/manifests/{image_sets.id}"
    assert root["link_templates"]["collections"]["iiif_collection"]["href"] == ROOT + "/iiif/collections/{collections.id}"
    assert root["iiif_discovery"] == ROOT + "/iiif/discovery"
    panoptes_root = client.get("/api", headers={"Accept": PANOPTES}).get_json()
    assert panoptes_root["image_sets.manifest"] == "/iiif/manifests/{image_sets.id}"
    collection = client.get(f"/api/collections/{cid}", headers=alice.jsonapi()).get_json()
    assert collection["data"]["links"]["iiif_collection"] == f"{ROOT}/iiif/collections/{cid}"


# -- collections ------------------------------------------------------------------------------------

def test_a_collection_lists_the_manifests_the_caller_may_see(client, alice, seeded):
    cid, sid, images = seeded
    other = create_set(client, alice, cid, "Loose leaves", image_ids=images[:1])
    publish(client, alice, cid, other)
    url = f"/api/iiif/collections/{cid}"
    response = get_iiif(client, url, alice)
    assert response.status_code == 200 and response.headers["Content-Type"] == PROFILE
    doc = response.get_json()
    assert all_errors(doc) == []
    assert doc["id"] == "http://localhost" + url and doc["type"] == "Collection" and doc["label"] == {"none": ["Manuscripts"]}
    assert doc["summary"] == {"none": ["Leaves from a scriptorium"]}
    assert doc["items"] == [
        {"id": f"{ROOT}/iiif/manifests/{sid}", "type": "Manifest", "label": {"fr": ["Book of hours"]}},
        {"id": f"{ROOT}/iiif/manifests/{other}", "type": "Manifest", "label": {"none": ["Loose leaves"]}},
    ]
    anonymous = get_iiif(client, url).get_json()
    assert [item["id"] for item in anonymous["items"]] == [f"{ROOT}/iiif/manifests/{other}"]
    assert get_iiif(client, "/api/iiif/collections/999999").status_code == 404


def test_a_private_collection_is_404_to_others(client, people, alice):
    cid = create_collection(client, alice, "Hidden", private=True)
    assert get_iiif(client, f"/api/iiif/collections/{cid}", alice).status_code == 200
    assert get_iiif(client, f"/api/iiif/collections/{cid}", people.user("bob")).status_code == 404
    assert get_iiif(client, f"/api/iiif/collections/{cid}").status_code == 404


def test_a_large_collection_is_a_collection_of_pages(app, client, alice, monkeypatch):
    monkeypatch.setitem(app.config, "IIIF_COLLECTION_PAGE_SIZE", 2)
    cid = create_collection(client, alice, "Big")
    image = make_image(client, alice)
    sets = [create_set(client, alice, cid, f"Set {n}", image_ids=[image]) for n in range(5)]
    doc = get_iiif(client, f"/api/iiif/collections/{cid}", alice).get_json()
    assert all_errors(doc) == []
    pages = [item["id"] for item in doc["items"]]
    assert pages == [f"{ROOT}/iiif/collections/{cid}/pages/{n}" for n in (1, 2, 3)]
    assert {item["type"] for item in doc["items"]} == {"Collection"}
    seen = []
    for page in pages:
        part = get_iiif(client, page[len("http://localhost"):], alice).get_json()
        assert all_errors(part) == [] and part["id"] == page
        assert part["partOf"] == [{"id": f"{ROOT}/iiif/collections/{cid}", "type": "Collection"}]
        seen += [item["id"] for item in part["items"]]
    assert seen == [f"{ROOT}/iiif/manifests/{s}" for s in sets]
    for past in ("4", "0", "01", "x", "٣"):
        assert get_iiif(client, f"/api/iiif/collections/{cid}/pages/{past}", alice).status_code == 404, past


def test_manifests_and_collections_take_a_fixed_number_of_statements(app, client, alice, monkeypatch):
    monkeypatch.setitem(app.config, "QUERY_COUNT_HEADER", True)
    counts = {}
    for size in (1, 6):
        cid = create_collection(client, alice, f"Of {size}")
        images = [make_iiif_image(client, alice, base=f"https://iiif.example.org/{size}/{n}", width=5, height=5)
                  for n in range(size)]
        sets = [create_set(client, alice, cid, f"Set {n}", image_ids=images, allowed_languages=["en"])
                for n in range(size)]
        manifest = get_iiif(client, manifest_url(sets[0]), alice)
        collection = get_iiif(client, f"/api/iiif/collections/{cid}", alice)
        assert len(manifest.get_json()["items"]) == size and len(collection.get_json()["items"]) == size
        counts[size] = (manifest.headers["X-Query-Count"], collection.headers["X-Query-Count"])
    assert counts[1] == counts[6]


def test_each_canvas_lists_its_annotations_as_a_non_painting_page(app, client, alice):
    from tests.annotations_helpers import annotate, annotated_set

    cid, sid, images = annotated_set(client, alice)
    first = annotate(client, alice, sid, images[0], text="A stain", selector="xywh=10,20,300,400")
    second = annotate(client, alice, sid, images[0], text="margin", motivation="tagging", language="fr")
    gone = annotate(client, alice, sid, images[1], text="Deleted")
    assert client.delete(f"/api/image_sets/{sid}/annotations/{gone}", headers=alice.jsonapi()).status_code == 204
    doc = get_iiif(client, manifest_url(sid), alice).get_json()
    assert all_errors(doc) == []
    annotated, plain = doc["items"]
    assert "annotations" not in plain  # its one annotation was deleted
    [page] = annotated["annotations"]
    assert page["type"] == "AnnotationPage" and page["id"] == annotated["id"] + "/annotations"
    notes = page["items"]
    assert [n["id"].rsplit("/", 1)[-1] for n in notes] == [str(first), str(second)]
    assert [n["motivation"] for n in notes] == ["commenting", "tagging"]
    assert notes[0]["target"] == annotated["id"] + "#xywh=10,20,300,400" and notes[1]["target"] == annotated["id"]
    assert notes[0]["body"] == {"type": "TextualBody", "value": "A stain", "language": "en"}
    assert notes[1]["body"]["language"] == "fr"
    assert all(n["motivation"] != "painting" for n in notes)
