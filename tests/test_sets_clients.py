"""The real npm clients (kitsu 11.1.0, panoptes-client 5.6.2) through the Sets family (API §7.4), run by Node
against the live server on loopback (tests/live_server.py). Every JSON:API-dialect response is validated on
the way out; the tests assert on what the clients themselves returned, then on the database through the app."""
import json

from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.live_server import live_server  # noqa: F401 - fixture
from tests.sets_helpers import (
    create_item,
    create_set,
    grant,
    item_linkage,
    new_draft,
    publish,
    published_set,
    send,
)
from tests.test_real_clients import exchanges, needs_node, run_node

DRAFT_EXISTS = "There is already a draft version active for this set."


@needs_node
def test_kitsu_sets_versions(app, client, people, live_server):  # noqa: F811
    alice = people.user("alice")

    out = run_node("sets_kitsu.js", {"API_BASE": live_server.base_url, "API_TOKEN": alice.token})
    root = live_server.base_url + "/api"

    # 1. items made with kitsu.post('layers' | 'tables' | 'documents', …)
    items = out["items"]
    for key, type_ in (("layer1", "layers"), ("layer2", "layers"), ("table1", "tables"), ("doc1", "documents")):
        made = items[key]
        assert made["status"] == 201 and made["type"] == type_
        assert made["self"] == made["location"] == f"{root}/{type_}/{made['id']}/"
    l1, l2, t1, d1 = (items[k]["id"] for k in ("layer1", "layer2", "table1", "doc1"))

    # 2. a set from mixed-type linkage: its first version is a draft, which a never-published set shows
    created = out["created"]
    sid = created["id"]
    assert created["status"] == 201 and created["type"] == "sets"
    assert created["title"] == "Kitsu roads" and created["description_html"] == "<p>First <em>draft</em>.</p>\n"
    assert created["items"] == [["layers", l1], ["tables", t1], ["documents", d1]]
    assert created["published_version"] is None and created["latest_version"]
    assert created["self"] == created["location"] == f"{root}/sets/{sid}/"
    # 3. a set from the specification's item URLs (relative and absolute), kept in order
    assert out["by_url"]["status"] == 201
    assert out["by_url"]["items"] == [["layers", l2], ["documents", d1]]

    # 4. the first draft, published
    v1 = out["first_draft"]["id"]
    assert v1 == created["latest_version"]
    assert out["first_draft"] == {"status": 200, "id": v1, "state": "draft", "items": created["items"]}
    assert out["published1"] == {"status": 201, "type": "publishes", "state": "completed", "version": v1}

    # 5. POST …/versions/: a new draft copied from the published content; a second one is refused
    draft = out["new_draft"]
    v2 = draft["id"]
    assert draft["status"] == 201 and draft["type"] == "set_versions" and draft["state"] == "draft"
    assert draft["title"] == "Kitsu roads" and draft["items"] == created["items"]
    assert draft["location"] == draft["self"] == f"{root}/sets/{sid}/versions/{v2}/"
    assert int(v2) > int(v1)
    second = out["second_draft"]
    assert second["status"] == 409 and second["errors"][0]["detail"] == DRAFT_EXISTS

    # 6. PATCH of the draft: title, description and items as linkage, then items as URLs
    assert out["patched"] == {"status": 200, "state": "draft", "title": "Kitsu roads, second edition",
                              "description_html": "<p>Second <em>edition</em>.</p>\n",
                              "items": [["documents", d1], ["layers", l2], ["layers", l1]]}
    new_items = [["documents", d1], ["layers", l2], ["layers", l1], ["tables", t1]]
    assert out["patched_by_url"] == {"status": 200, "items": new_items}

    # 7. until it is published, the set shows the published content; its latest version is the draft
    assert out["before_publish"] == {"title": "Kitsu roads", "items": created["items"], "latest_version": v2,
                                     "published_version": v1}

    # 8. publish (trailing slash this time)
    published = out["published2"]
    assert published["status"] == 201 and published["type"] == "publishes"
    assert published["state"] == "completed" and published["version"] == v2
    assert published["location"].startswith(f"{root}/publishes/")

    # 9. the set shows the new content; versions newest first; the set is listed, no draft remains
    assert out["shown"] == {
        "status": 200, "title": "Kitsu roads, second edition", "description": "Second *edition*.",
        "description_html": "<p>Second <em>edition</em>.</p>\n", "tags": ["kitsu"],
        "items": [{"type": "documents", "id": d1, "title": "Survey notes"},
                  {"type": "layers", "id": l2, "title": "Rivers"},
                  {"type": "layers", "id": l1, "title": "Roads"},
                  {"type": "tables", "id": t1, "title": "Bridges"}],
        "latest_version": v2, "published_version": v2}
    assert out["versions"]["status"] == 200
    assert out["versions"]["rows"] == [
        {"id": v2, "state": "published", "title": "Kitsu roads, second edition", "items": new_items},
        {"id": v1, "state": "superseded", "title": "Kitsu roads", "items": created["items"]}]
    assert out["listed"] == {"status": 200, "ids": [sid]}  # the URL-made set was never published
    assert out["drafts"] == {"status": 200, "ids": [out["by_url"]["id"]]}
    assert out["no_draft"]["status"] == 404
    assert out["republish"]["status"] == 409
    assert out["republish"]["errors"][0]["detail"] == "This version isn't a draft."

    # what went over the wire: JSON:API both ways, types in the bodies as kitsu.request() was told
    assert all(e.accept == JSONAPI for e in live_server.exchanges)
    assert all(e.headers.get("content-type") == JSONAPI for e in live_server.exchanges if e.status != 204)
    version_posts = exchanges(live_server, "POST", f"/api/sets/{sid}/versions")
    assert [(e.raw_uri, e.status) for e in version_posts] == [
        (f"/api/sets/{sid}/versions/{v1}/publish", 201), (f"/api/sets/{sid}/versions", 201),
        (f"/api/sets/{sid}/versions", 409), (f"/api/sets/{sid}/versions/{v2}/publish/", 201),
        (f"/api/sets/{sid}/versions/{v2}/publish", 409)]
    assert json.loads(version_posts[1].request_body) == {"data": {"type": "set_versions"}}
    set_post = json.loads(exchanges(live_server, "POST", "/api/sets")[0].request_body)
    assert set_post["data"]["relationships"]["items"]["data"] == [
        {"type": "layers", "id": l1}, {"type": "tables", "id": t1}, {"type": "documents", "id": d1}]

    # the database, read back through the app
    shown = send(client, "GET", f"/api/sets/{sid}/", alice).get_json()["data"]
    assert shown["attributes"]["title"] == "Kitsu roads, second edition"
    assert item_linkage(shown) == [tuple(i) for i in new_items]
    states = [(v["id"], v["attributes"]["state"])
              for v in send(client, "GET", f"/api/sets/{sid}/versions/", alice).get_json()["data"]]
    assert states == [(v2, "published"), (v1, "superseded")]
    assert live_server.failures == []


@needs_node
def test_panoptes_client_sets(app, client, people, live_server):  # noqa: F811
    alice = people.user("alice")
    roads = create_item(client, alice, "layers", "Roads")
    rivers = create_item(client, alice, "layers", "Rivers")
    bridges = create_item(client, alice, "tables", "Bridges")
    notes = create_item(client, alice, "documents", "Survey notes")
    # A: published twice (v1 superseded by v2), with a newer draft v3, and public
    public, v1 = published_set(client, alice, title="A public", description="Public *set*.",
                               items=[("layers", roads), ("tables", bridges), ("documents", notes)])
    v2 = new_draft(client, public, alice)
    edit = send(client, "PATCH", f"/api/sets/{public}/versions/{v2}/", alice, jsonapi_body(
        "set_versions", {"title": "A public, 2nd", "items": [f"/api/documents/{notes}/", f"/api/layers/{rivers}/"]},
        id_=v2))
    assert edit.status_code == 200, edit.get_json()
    publish(client, public, v2, alice)
    v3 = new_draft(client, public, alice, jsonapi_body("set_versions", {"title": "A public, draft 3"}))
    grant(client, public, alice, "group.everyone", "view")
    # B: published, no grant; C: never published
    private, b1 = published_set(client, alice, title="B private", items=[("layers", rivers)])
    unpublished = create_set(client, alice, title="C unpublished", items=[("tables", bridges)])["id"]

    env = {"API_BASE": live_server.base_url, "PUBLIC_SET": public, "PRIVATE_SET": private,
           "UNPUBLISHED_SET": unpublished}
    anonymous = run_node("sets_panoptes.js", env)
    signed_in = run_node("sets_panoptes.js", dict(env, API_TOKEN=alice.token))

    published_items = {"href": f"/sets/{public}/items", "type": "items", "count": 2, "members": [
        {"id": notes, "type": "documents", "href": f"/documents/{notes}/"},
        {"id": rivers, "type": "layers", "href": f"/layers/{rivers}/"}]}
    public_summary = {"id": public, "href": f"/sets/{public}/", "title": "A public, 2nd",
                      "description_html": "<p>Public <em>set</em>.</p>\n", "items": published_items,
                      "latest_version": v3, "published_version": v2}
    # the list type-keyed by the client: GET /sets answers the sets the caller may view, published only
    assert anonymous["signed_in"] is False and signed_in["signed_in"] is True
    assert anonymous["listed"] == [dict(public_summary, versions=[v2, v1])]  # the draft is not the viewer's
    assert anonymous["listed_meta"]["count"] == 1
    assert [s["id"] for s in signed_in["listed"]] == [public, private]
    assert signed_in["listed"][0] == dict(public_summary, versions=[v3, v2, v1])
    assert signed_in["listed"][1]["items"]["members"] == [
        {"id": rivers, "type": "layers", "href": f"/layers/{rivers}/"}]
    assert signed_in["listed_meta"]["count"] == 2
    for out in (anonymous, signed_in):
        templates = out["templates"]
        assert templates["items"] == {"href": "/sets/{sets.id}/items", "type": "items"}
        assert templates["versions"] == {"href": "/sets/{sets.id}/versions", "type": "set_versions"}
        assert templates["published_version"] == {"href": "/set_versions/{sets.published_version}",
                                                  "type": "set_versions"}

        # set.get('items'): GET /sets/{id}/items, answered {"layers": [...], "documents": [...]}, one
        # resource of its own type each (the type-keyed answer groups the set's order by type)
        assert out["followed_items"] == [
            {"type": "layers", "id": rivers, "href": f"/layers/{rivers}/", "title": "Rivers"},
            {"type": "documents", "id": notes, "href": f"/documents/{notes}/", "title": "Survey notes"}]
        # set.get('published_version') through the template, then that version's items and set
        assert out["followed_published"] == {"type": "set_versions", "id": v2, "href": f"/sets/{public}/versions/{v2}/",
                                             "state": "published", "title": "A public, 2nd"}
        assert out["published_items"] == out["followed_items"]
        assert out["published_set"] == {"id": public, "title": "A public, 2nd"}
        # the superseded version keeps its own content
        assert out["superseded_items"] == [
            {"type": "layers", "id": roads, "href": f"/layers/{roads}/", "title": "Roads"},
            {"type": "tables", "id": bridges, "href": f"/tables/{bridges}/", "title": "Bridges"},
            {"type": "documents", "id": notes, "href": f"/documents/{notes}/", "title": "Survey notes"}]

    # set.get('versions'): newest first; a viewer sees the published and superseded ones only
    older = [{"type": "set_versions", "id": v2, "href": f"/sets/{public}/versions/{v2}/", "state": "published",
              "title": "A public, 2nd"},
             {"type": "set_versions", "id": v1, "href": f"/sets/{public}/versions/{v1}/", "state": "superseded",
              "title": "A public"}]
    draft = {"type": "set_versions", "id": v3, "href": f"/sets/{public}/versions/{v3}/", "state": "draft",
             "title": "A public, draft 3"}
    assert anonymous["followed_versions"] == older
    assert signed_in["followed_versions"] == [draft, *older]
    assert signed_in["latest"] == draft and "latest" not in anonymous

    # single reads: a viewer gets 404 for the private set, the never-published one and the draft
    for key, type_, id_ in (("private", "sets", private), ("unpublished", "sets", unpublished),
                            ("draft", "set_versions", "draft")):
        assert anonymous[key]["status"] == 404, key
        assert anonymous[key]["error"] == f"Could not find {type_} with id '{id_}'."
    assert signed_in["private"]["ok"]["title"] == "B private"
    assert signed_in["private"]["ok"]["versions"] == [b1] and signed_in["private"]["ok"]["published_version"] == b1
    # the owner reads the never-published set as its draft shows it
    assert signed_in["unpublished"]["ok"]["title"] == "C unpublished"
    assert signed_in["unpublished"]["ok"]["published_version"] is None
    assert signed_in["unpublished"]["ok"]["items"]["members"] == [
        {"id": bridges, "type": "tables", "href": f"/tables/{bridges}/"}]
    assert signed_in["draft"]["ok"] == draft

    assert all(e.accept == PANOPTES for e in live_server.exchanges)
    assert [e for e in live_server.exchanges if e.headers.get("content-type") != PANOPTES] == []
    paths = sorted({e.raw_uri.split("?")[0] for e in live_server.exchanges})
    assert f"/api/sets/{public}/items" in paths and f"/api/set_versions/{v2}" in paths
    assert f"/api/sets/{public}/versions" in paths and f"/api/sets/{public}/versions/{v1}/items" in paths
    assert live_server.failures == []
