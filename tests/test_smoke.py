from tests.conftest import JSONAPI, PANOPTES


def test_entry_point_in_both_dialects(client):
    response = client.get("/api", headers={"Accept": JSONAPI})
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["meta"]["endpoints"]["collections"].endswith("/api/collections")
    assert "subjects" in doc["meta"]["link_templates"]["collections"]
    response = client.get("/api", headers={"Accept": PANOPTES})
    assert response.headers["Content-Type"] == PANOPTES
    assert response.get_json()["collections"] == "/collections"


def test_create_and_read_collection(client, people):
    alice = people.user("alice")
    response = client.post("/api/collections", headers=alice.jsonapi(),
                           json={"data": {"type": "collections", "attributes": {"display_name": "Spring flowers x!"}}},
                           content_type=JSONAPI)
    assert response.status_code == 201, response.get_json()
    doc = response.get_json()
    assert doc["data"]["attributes"]["name"] == "spring_flowers_x"
    assert response.headers["Location"] == doc["data"]["links"]["self"]
    response = client.get(response.headers["Location"], headers={"Accept": PANOPTES})
    assert response.get_json()["collections"][0]["links"]["owner"]["display_name"] == "Alice"
