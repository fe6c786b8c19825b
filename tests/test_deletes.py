"""Every type's DELETE in both dialects: JSON:API answers a strict 204 with no body; the Panoptes dialect
keeps Panoptes' "200 and the deleted object" where the type answers so (image sets), else 204."""
import pytest

from app.engine.registry import RESOURCES
from app.engine.routes import route_of
from tests.conftest import JSONAPI, PANOPTES
from tests.test_robustness import World, _routes


def destroy_rules(app):
    return sorted({(route["rule"], route["type"]) for route in _routes(app)
                   if route["kind"] == "member" and "DELETE" in route["methods"]})


def test_every_type_with_a_delete_is_covered(app):
    covered = {type_ for _rule, type_ in destroy_rules(app)}
    assert covered == {t for t, resource in RESOURCES.items()
                       if any((route := route_of(r.endpoint)) is not None and route.resource.type == t
                              and route.view == "destroy" for r in app.url_map.iter_rules())}
    assert len(covered) >= 13
    # types that cannot be deleted have no delete route at all
    assert covered.isdisjoint({t for t, resource in RESOURCES.items() if not resource.deletable})
    assert {"languages", "publications"} <= {t for t, resource in RESOURCES.items() if not resource.deletable}


def _delete(world, admin, rule, type_, panoptes):
    route = {"rule": rule, "type": type_}
    path = world.path(route)
    # an admin may delete whatever can be deleted, so every answer is the delete's own
    headers = world.headers(panoptes, False, Authorization=f"Bearer {admin.token}")
    if panoptes:
        shown = world.client.get(path, headers=headers)
        headers["If-Match"] = shown.headers.get("ETag", "*")
    return world.client.delete(path, headers=headers), world.ids[type_]


@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
def test_delete_answers_in_each_dialect(app, client, people, panoptes):
    world = World(app, client)
    admin = people.user("root", admin=True)
    for rule, type_ in destroy_rules(app):
        resource = RESOURCES[type_]
        response, deleted_id = _delete(world, admin, rule, type_, panoptes)
        if not resource.deletable:  # refused (by the policy or as a method), and still there
            assert response.status_code in (403, 405), (rule, response.status_code)
            assert client.get(world.path({"rule": rule, "type": type_}), headers={
                "Accept": JSONAPI, "Authorization": f"Bearer {admin.token}"}).status_code == 200, rule
            continue
        if resource.delete_answers_document and panoptes:
            assert response.status_code == 200, (rule, response.get_data(as_text=True))
            assert response.headers["Content-Type"] == PANOPTES
            doc = response.get_json()
            assert [row["id"] for row in doc[type_]] == [deleted_id], rule
        else:
            assert response.status_code == 204, (rule, response.status_code, response.get_data(as_text=True))
            assert response.get_data() == b"", rule
        gone = client.get(world.path({"rule": rule, "type": type_}), headers={"Accept": JSONAPI,
                                                                                 "Authorization": f"Bearer {admin.token}"})
        if type_ == "set_versions":  # deleting a draft discards it; the version stays in the history
            assert gone.get_json()["data"]["attributes"]["state"] == "discarded", rule
        else:
            assert gone.status_code == 404, rule
        world.seed()
