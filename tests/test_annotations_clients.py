"""The real npm clients (kitsu 11.1.0 creating and reading annotations, panoptes-client 5.6.2 listing them)
against the live server on loopback; the tests assert on what the clients returned."""
from tests.annotations_helpers import annotate, annotated_set
from tests.live_server import live_server  # noqa: F401 - fixture
from tests.test_real_clients import needs_node, run_node


@needs_node
def test_kitsu_creates_and_reads_annotations(app, client, people, live_server):  # noqa: F811
    alice = people.user("alice")
    _cid, sid, images = annotated_set(client, alice)
    out = run_node("annotations_kitsu.js", {"API_BASE": live_server.base_url, "API_TOKEN": alice.token,
                                            "IMAGE_SET_ID": sid, "IMAGE_ID": images[0]})
    created = out["created"]
    assert created["type"] == "annotations" and created["image"] == images[0]
    assert created["body"] == {"value": "Made by kitsu", "language": "en", "format": "text/plain"}
    assert created["selector"] == "xywh=10,10,50,50"
    assert out["listed"] == [{"id": created["id"], "value": "Made by kitsu",
                              "image_uri": "https://static.example.org/Annotated0.jpg", "creator": "alice"}]
    assert out["refused"]["status"] == 422
    assert out["refused"]["errors"][0]["source"]["pointer"] == "/data/attributes/body/language"


@needs_node
def test_panoptes_client_lists_annotations(app, client, people, live_server):  # noqa: F811
    alice = people.user("alice")
    _cid, sid, images = annotated_set(client, alice)
    annotate(client, alice, sid, images[0], text="en anglais")
    french = annotate(client, alice, sid, images[1], text="en français", language="fr")
    tag = annotate(client, alice, sid, images[0], text="chat", language="fr", motivation="tagging")
    out = run_node("annotations_panoptes.js", {"API_BASE": live_server.base_url, "API_TOKEN": alice.token,
                                               "IMAGE_SET_ID": sid})
    assert [a["id"] for a in out["listed"]] == [french, tag]
    assert out["listed"][0] == {"id": french, "href": f"/image_sets/{sid}/annotations/{french}",
                                "motivation": "commenting", "value": "en français", "language": "fr",
                                "image": images[1], "image_set": sid}
    assert out["meta"]["count"] == 2
    assert [a["id"] for a in out["flat"]] == [tag]
    assert out["image"] == {"id": images[1], "uri": "https://static.example.org/Annotated1.jpg"}
