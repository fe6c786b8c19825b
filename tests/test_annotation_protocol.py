"""The W3C Web Annotation Protocol (https://www.w3.org/TR/annotation-protocol/) on an image set's
annotation container: media type, headers, Prefer, pages, POST/PUT/DELETE with If-Match, 410 after delete,
and the same checks and rights as the API."""
import json

import pytest

from tests.annotations_helpers import (
    ANNO, annotate, annotated_set, container, w3c_container, w3c_headers, web_annotation,
)

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"
MINIMAL = "http://www.w3.org/ns/ldp#PreferMinimalContainer"


@pytest.fixture
def world(client, people):
    owner = people.user("olga")
    _cid, sid, images = annotated_set(client, owner)
    return owner, sid, images, f"http://localhost/api/images/{images[0]}"


def post(client, person, sid, doc, **headers):
    return client.post(w3c_container(sid), headers=w3c_headers(person, **headers), data=json.dumps(doc),
                       content_type=ANNO)


def test_post_get_put_delete(client, world):
    owner, sid, images, image_iri = world
    created = post(client, owner, sid, {**web_annotation(image_iri, "Look", region="xywh=1,2,3,4"),
                                        "id": "http://elsewhere.example/anno/1"}, Slug="mine")
    assert created.status_code == 201, created.get_data(as_text=True)
    doc = created.get_json()
    assert created.headers["Content-Type"] == ANNO
    assert created.headers["Location"] == doc["id"]
    assert doc["id"].startswith(f"http://localhost/w3c/image_sets/{sid}/annotations/")
    assert doc["@context"] == ANNO_CONTEXT and doc["type"] == "Annotation" and doc["motivation"] == "commenting"
    assert doc["body"] == {"type": "TextualBody", "value": "Look", "language": "en", "format": "text/plain"}
    assert doc["target"] == {"type": "SpecificResource", "source": image_iri, "selector": {
        "type": "FragmentSelector", "conformsTo": "http://www.w3.org/TR/media-frags/", "value": "xywh=1,2,3,4"}}
    assert doc["creator"] == f"http://localhost/api/users/{owner.id}" and doc["created"].endswith("Z")
    etag = created.headers["ETag"]
    path = doc["id"][len("http://localhost"):]

    got = client.get(path, headers=w3c_headers(owner))
    assert got.status_code == 200 and got.get_json() == doc
    assert got.headers["Link"] == '<http://www.w3.org/ns/ldp#Resource>; rel="type"'
    assert got.headers["Allow"] == "PUT, GET, OPTIONS, HEAD, DELETE"
    assert got.headers["ETag"] == etag and "Accept" in got.headers["Vary"]
    assert client.head(path, headers=w3c_headers(owner)).headers["ETag"] == etag
    assert client.options(path, headers=w3c_headers(owner)).headers["Allow"] == "PUT, GET, OPTIONS, HEAD, DELETE"
    # the same version as the API's ETag: an If-Match from either works on both
    api = client.get(f"{container(sid)}/{path.rsplit('/', 1)[1]}", headers=owner.jsonapi())
    assert api.headers["ETag"].split("-")[0] == etag.split("-")[0]

    assert client.patch(path, headers=w3c_headers(owner), data="{}", content_type=ANNO).status_code == 405
    replacement = web_annotation(image_iri, "Looked", motivation="describing")
    body = json.dumps(replacement)
    assert client.put(path, headers=w3c_headers(owner), data=body, content_type=ANNO).status_code == 428
    stale = client.put(path, headers=w3c_headers(owner, **{"If-Match": '"0000-0"'}), data=body, content_type=ANNO)
    assert stale.status_code == 412
    put = client.put(path, headers=w3c_headers(owner, **{"If-Match": etag}), data=body, content_type=ANNO)
    assert put.status_code == 200, put.get_data(as_text=True)
    assert put.get_json()["target"] == image_iri and put.get_json()["motivation"] == "describing"
    assert put.headers["ETag"] != etag
    assert client.delete(path, headers=w3c_headers(owner, **{"If-Match": etag})).status_code == 412
    assert client.delete(path, headers=w3c_headers(owner, **{"If-Match": put.headers["ETag"]})).status_code == 204
    assert client.get(path, headers=w3c_headers(owner)).status_code == 410
    assert client.put(path, headers=w3c_headers(owner, **{"If-Match": "*"}), data=body,
                      content_type=ANNO).status_code == 410
    assert client.get(f"{container(sid)}/{path.rsplit('/', 1)[1]}", headers=owner.jsonapi()).status_code == 404
    container_doc = client.get(w3c_container(sid), headers=w3c_headers(owner)).get_json()
    assert container_doc["total"] == 0 and "first" not in container_doc
    # a new annotation never takes the deleted one's IRI
    again = post(client, owner, sid, web_annotation(image_iri))
    assert again.get_json()["id"] != doc["id"]


def test_container_and_prefer(client, app, world):
    owner, sid, images, _iri = world
    app.config["PAGE_SIZE_MAX"] = 2
    made = [annotate(client, owner, sid, images[i % 2], text=f"n{i}") for i in range(3)]
    base = f"http://localhost/w3c/image_sets/{sid}/annotations/"
    auth = {"Authorization": f"Bearer {owner.token}"}
    response = client.get(w3c_container(sid), headers=auth)   # no Accept: JSON-LD
    assert response.status_code == 200 and response.headers["Content-Type"] == ANNO
    links = response.headers["Link"]
    assert '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"' in links
    assert '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"' in links
    assert response.headers["Allow"] == "POST, GET, OPTIONS, HEAD"
    assert response.headers["Accept-Post"] == ANNO and "Prefer" in response.headers["Vary"]
    assert response.headers["ETag"]
    doc = response.get_json()
    assert doc["@context"] == [ANNO_CONTEXT, "http://www.w3.org/ns/ldp.jsonld"]
    assert doc["type"] == ["BasicContainer", "AnnotationCollection"]
    assert doc["id"] == base + "?iris=0" == response.headers["Content-Location"]
    assert doc["total"] == 3 and doc["label"] == "Annotations on Annotated" and doc["modified"].endswith("Z")
    assert doc["last"] == base + "?iris=0&page=1"
    first = doc["first"]
    assert first["type"] == "AnnotationPage" and first["next"] == base + "?iris=0&page=1"
    assert [a["id"] for a in first["items"]] == [base + m for m in made[:2]]
    assert first["items"][0]["body"]["value"] == "n0"

    page = client.get(first["next"][len("http://localhost"):], headers=w3c_headers(owner)).get_json()
    assert page["@context"] == ANNO_CONTEXT and page["partOf"] == {"id": base + "?iris=0", "total": 3,
                                                                     "modified": doc["modified"]}
    assert page["startIndex"] == 2 and page["prev"] == base + "?iris=0&page=0" and "next" not in page
    assert [a["id"] for a in page["items"]] == [base + made[2]]

    iris = client.get(w3c_container(sid), headers=w3c_headers(owner, Prefer=f'return=representation;include="{IRIS}"'))
    assert iris.headers["Preference-Applied"] == "return=representation"
    assert iris.get_json()["id"] == base + "?iris=1" == iris.headers["Content-Location"]
    assert iris.get_json()["first"]["items"] == [base + m for m in made[:2]]
    both = client.get(w3c_container(sid), headers=w3c_headers(owner,
        Prefer=f'return=representation; include="{IRIS} {DESCRIPTIONS}"')).get_json()
    assert isinstance(both["first"]["items"][0], dict)
    minimal = client.get(w3c_container(sid), headers=w3c_headers(owner,
        Prefer=f'return=representation;include="{MINIMAL} {IRIS}"')).get_json()
    assert minimal["first"] == base + "?iris=1&page=0" and minimal["last"] == base + "?iris=1&page=1"
    assert "items" not in json.dumps(minimal)
    assert client.get(headers=auth, path=w3c_container(sid) + "?iris=1&page=7").status_code == 404
    assert client.get(headers=auth, path=w3c_container(sid) + "?page=x").status_code == 400
    assert client.get(headers=auth, path=w3c_container(sid) + "?iris=2").status_code == 400
    assert client.get(w3c_container(sid), headers={**auth, "Accept": "text/html"}).status_code == 406
    assert client.post(w3c_container(sid) + "?page=0", headers=w3c_headers(owner), data="{}",
                       content_type=ANNO).status_code == 405
    options = client.options(w3c_container(sid), headers=auth)
    assert options.headers["Allow"] == "POST, GET, OPTIONS, HEAD" and "BasicContainer" in options.headers["Link"]
    # the entity tag changes with the container
    before = client.get(w3c_container(sid), headers=auth).headers["ETag"]
    assert client.get(w3c_container(sid), headers={**auth, "If-None-Match": before}).status_code == 304
    annotate(client, owner, sid, images[0])
    assert client.get(w3c_container(sid), headers=auth).headers["ETag"] != before
    assert client.get(w3c_container(sid), headers={**auth, "If-None-Match": before}).status_code == 200


def test_bad_annotations(client, people, world):
    owner, sid, images, image_iri = world

    def refused(doc, status, pointer, content_type=ANNO):
        response = client.post(w3c_container(sid), headers=w3c_headers(owner), data=json.dumps(doc),
                               content_type=content_type)
        assert response.status_code == status, response.get_data(as_text=True)
        assert pointer in [e.get("source", {}).get("pointer") for e in response.get_json()["errors"]], \
            response.get_json()
        return response

    refused({"type": "Dataset"}, 400, "/type")
    refused(web_annotation(image_iri, language="de"), 422, "/body/language")
    refused(web_annotation(image_iri, region="xywh=990,0,20,20"), 422, "/target/selector/value")
    refused({**web_annotation(image_iri), "target": image_iri + "#xywh=0,790,5,20"}, 422, "/target")
    refused(web_annotation("http://localhost/api/images/999999"), 422, "/target")
    loose = annotated_set(client, owner, name="Loose")[2][0]
    refused(web_annotation(f"http://localhost/api/images/{loose}"), 422, "/target")
    refused(web_annotation("https://example.org/elsewhere.jpg"), 422, "/target")
    refused({**web_annotation(image_iri), "motivation": "painting"}, 422, "/motivation")
    refused({**web_annotation(image_iri), "body": [{"value": "a"}, {"value": "b"}]}, 422, "/body")
    unsupported = client.post(w3c_container(sid), headers=w3c_headers(owner), data="<a/>",
                              content_type="text/xml")
    assert unsupported.status_code == 415
    anonymous = client.post(w3c_container(sid), headers=w3c_headers(), data=json.dumps(web_annotation(image_iri)),
                            content_type=ANNO)
    assert anonymous.status_code == 401
    stranger = people.user("stan")
    assert client.get(w3c_container(sid), headers=w3c_headers(stranger)).status_code == 404
    assert post(client, stranger, sid, web_annotation(image_iri)).status_code == 404
    assert client.get(w3c_container(sid), headers=w3c_headers(owner)).get_json()["total"] == 0
    # bodyValue is a plain-text body; the target as a fragment IRI is a region
    plain = post(client, owner, sid, {"@context": ANNO_CONTEXT, "type": "Annotation", "bodyValue": "plain",
                                      "target": image_iri + "#xywh=5,5,10,10"})
    assert plain.status_code == 422  # no language, and the set allows only en and fr
    _c, free, free_images = annotated_set(client, owner, languages=(), name="Free")
    free_iri = f"http://localhost/api/images/{free_images[0]}"
    plain = post(client, owner, free, {"@context": ANNO_CONTEXT, "type": "Annotation", "bodyValue": "plain",
                                       "target": free_iri + "#xywh=5,5,10,10", "motivation": "commenting"})
    assert plain.status_code == 201, plain.get_data(as_text=True)
    assert plain.get_json()["body"] == {"type": "TextualBody", "value": "plain", "format": "text/plain"}
    assert plain.get_json()["target"]["selector"]["value"] == "xywh=5,5,10,10"


def test_openapi_describes_the_protocol(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    container_ops = paths["/w3c/image_sets/{image_set_id}/annotations/"]
    assert set(container_ops) >= {"get", "post"} and ANNO in container_ops["post"]["requestBody"]["content"]
    assert set(paths["/w3c/image_sets/{image_set_id}/annotations/{id}"]) >= {"get", "put", "delete"}
    assert "post" in paths["/api/image_sets/{image_set_id}/annotations"]


def test_cross_origin_clients_may_use_the_protocol(client, world):
    owner, sid, _images, _iri = world
    preflight = client.options(w3c_container(sid), headers={
        "Origin": "https://viewer.example.org", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "If-Match, Prefer, Slug, Content-Type"})
    assert preflight.headers["Access-Control-Allow-Origin"] in ("*", "https://viewer.example.org")
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert all(h in allowed for h in ("if-match", "prefer", "slug", "content-type"))
    got = client.get(w3c_container(sid), headers={**w3c_headers(owner), "Origin": "https://viewer.example.org"})
    exposed = got.headers["Access-Control-Expose-Headers"].lower()
    assert all(h in exposed for h in ("etag", "location", "link", "allow", "content-location"))
