"""No absolute link follows a forged Host header: with PUBLIC_URL every link (self links, Location, the
entry point, page links) is on the public origin; with TRUSTED_HOSTS a request for another host is a 400
in the caller's dialect."""
import pytest

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.reading_seed import make_collection

FORGED = {"Host": "evil.example"}


@pytest.fixture
def public_url(app):
    app.config["PUBLIC_URL"] = "https://api.example.org"
    yield "https://api.example.org"
    app.config["PUBLIC_URL"] = None


@pytest.fixture
def trusted(app):
    app.config["TRUSTED_HOSTS"] = ["api.example.org", "localhost"]
    yield
    app.config["TRUSTED_HOSTS"] = None


def test_public_url_keeps_every_link_off_a_forged_host(client, people, public_url):
    alice = people.user("alice")
    cid = make_collection(client, alice, "Flowers")
    for url in (f"/api/collections/{cid}", "/api/collections?page_size=1", "/api", f"/api/collections/{cid}/subjects"):
        for accept in (JSONAPI, PANOPTES):
            response = client.get(url, headers={"Accept": accept, **FORGED})
            assert response.status_code == 200, response.get_data(as_text=True)
            text = response.get_data(as_text=True)
            assert "evil.example" not in text, (url, accept, text)
            if accept == JSONAPI:
                assert public_url + "/api" in text, url
    response = client.post("/api/collections", headers=alice.jsonapi(**FORGED), content_type=JSONAPI,
                           json=jsonapi_body("collections", {"display_name": "Roses"}))
    assert response.status_code == 201
    assert response.headers["Location"].startswith(public_url + "/api/collections/")
    assert response.get_json()["links"]["self"] == public_url + "/api/collections"
    assert "evil.example" not in response.get_data(as_text=True)


def test_trusted_hosts_refuse_a_forged_host(client, people, trusted):
    alice = people.user("alice")
    cid = make_collection(client, alice, "Flowers")
    for accept, key in ((JSONAPI, "code"), (PANOPTES, "message")):
        response = client.get(f"/api/collections/{cid}", headers={"Accept": accept, **FORGED})
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.headers["Content-Type"] == accept
        assert "evil.example" not in response.get_data(as_text=True).replace("evil.example'", "")
        assert key in response.get_json()["errors"][0]
        if accept == JSONAPI:
            assert response.get_json()["errors"][0]["code"] == "untrusted_host"
    response = client.post("/api/collections", headers=alice.jsonapi(**FORGED), content_type=JSONAPI,
                           json=jsonapi_body("collections", {"display_name": "Forged"}))
    assert response.status_code == 400
    # the trusted name, with or without a port, is served
    for host in ("api.example.org", "api.example.org:8443"):
        response = client.get(f"/api/collections/{cid}", headers={"Accept": JSONAPI, "Host": host})
        assert response.status_code == 200
        assert response.get_json()["data"]["links"]["self"].startswith(f"http://{host}/api/")
    names = [c["attributes"]["display_name"] for c in client.get("/api/collections").get_json()["data"]]
    assert names == ["Flowers"]


def test_trusted_hosts_setting_is_read():
    from app.config import from_environment

    assert from_environment("/tmp", {})["TRUSTED_HOSTS"] is None
    assert from_environment("/tmp", {"TRUSTED_HOSTS": "api.example.org, .example.net"})["TRUSTED_HOSTS"] == \
        ["api.example.org", ".example.net"]
