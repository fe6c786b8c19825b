"""Small input rules through HTTP, in both dialects: an image's uri and iiif_url are http(s) URLs only;
number parameters (page numbers and sizes, ids in filters and in URLs) take ASCII digits only."""
import pytest

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.reading_seed import make_collection

NON_ASCII = ["٣", "３", "²", "1_0", "%2B3", "߃"]


@pytest.mark.parametrize("accept", [JSONAPI, PANOPTES])
@pytest.mark.parametrize("value", NON_ASCII)
@pytest.mark.parametrize("key", ["page", "page[number]", "page_size", "page[size]", "filter[id]",
                                 "filter[collection_id]"])
def test_number_parameters_take_ascii_digits_only(client, people, accept, value, key):
    alice = people.user("alice")
    make_collection(client, alice, "Flowers")
    path = "/api/image_sets" if key == "filter[collection_id]" else "/api/collections"
    response = client.get(f"{path}?{key}={value}", headers={"Accept": accept})
    assert response.status_code == 400, (key, value, response.get_data(as_text=True))
    error = response.get_json()["errors"][0]
    if accept == JSONAPI:
        assert error["source"] == {"parameter": key} and error["code"] == "invalid_parameter"
    else:
        assert key in error["message"]


def test_ascii_numbers_still_work(client, people):
    alice = people.user("alice")
    cid = make_collection(client, alice, "Flowers")
    response = client.get(f"/api/collections?page=1&page_size=3&filter[id]={cid}", headers={"Accept": JSONAPI})
    assert response.status_code == 200
    assert [c["id"] for c in response.get_json()["data"]] == [cid]


@pytest.mark.parametrize("digit", ["٣", "３"])
def test_ids_in_urls_take_ascii_digits_only(client, people, digit):
    alice = people.user("alice")
    for _ in range(3):
        make_collection(client, alice, "Flowers")
    for accept in (JSONAPI, PANOPTES):
        response = client.get(f"/api/collections/{digit}", headers={"Accept": accept})
        assert response.status_code == 404, response.get_data(as_text=True)
        assert response.headers["Content-Type"] == accept
        response = client.get(f"/api/collections/1{digit}/relationships/subjects", headers={"Accept": accept})
        assert response.status_code == 404


BAD_URLS = ["javascript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd", "ftp://example.org/x.jpg",
            "//evil.example/x.jpg", "not a url"]


@pytest.mark.parametrize("value", BAD_URLS)
@pytest.mark.parametrize("field", ["uri", "iiif_url"])
def test_image_urls_are_http_only_jsonapi(client, people, value, field):
    alice = people.user("alice")
    attributes = {"uri": value} if field == "uri" else {"kind": "iiif", "iiif_url": value}
    response = client.post("/api/images", headers=alice.jsonapi(), content_type=JSONAPI,
                           json=jsonapi_body("images", attributes))
    assert response.status_code == 422, response.get_data(as_text=True)
    [error] = response.get_json()["errors"]
    assert error["source"] == {"pointer": f"/data/attributes/{field}"}
    assert client.get("/api/images", headers=alice.jsonapi()).get_json()["data"] == []


@pytest.mark.parametrize("value", BAD_URLS[:3])
def test_image_uri_is_http_only_panoptes_and_on_update(client, people, value):
    alice = people.user("alice")
    response = client.post("/api/images", headers=alice.panoptes(), content_type=PANOPTES,
                           json={"images": {"uri": value}})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "uri" in response.get_data(as_text=True)
    created = client.post("/api/images", headers=alice.jsonapi(), content_type=JSONAPI,
                          json=jsonapi_body("images", {"uri": "https://static.example.org/a.jpg"}))
    assert created.status_code == 201
    image_id = created.get_json()["data"]["id"]
    response = client.patch(f"/api/images/{image_id}", headers=alice.jsonapi(), content_type=JSONAPI,
                            json=jsonapi_body("images", {"uri": value}, id_=image_id))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["source"] == {"pointer": "/data/attributes/uri"}
    shown = client.get(f"/api/images/{image_id}", headers=alice.jsonapi()).get_json()["data"]
    assert shown["attributes"]["uri"] == "https://static.example.org/a.jpg"
