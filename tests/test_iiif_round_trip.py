"""Import → export → re-import gives the same image set: every manifest of tests/fixtures/iiif/ that imports is
imported through POST …/import/manifest from the loopback fixture server, its set's produced manifest (GET
/api/iiif/manifests/{id}) is checked (iiif-prezi3 and the spec's requirements), served back by the fixture
server and imported again; the two sets have the same images in the same order (sizes, services, names),
the same name and attribution, and the second set's manifest equals the first's but for the ids."""
import json
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.image_sets import Image, ImageSetImage
from tests.iiif_checks import all_errors
from tests.iiif_expected import IMPORTED
from tests.iiif_server import _manifest_server, server  # noqa: F401 - fixtures
from tests.writing_helpers import create_collection

COMPARED = ("name", "description", "kind", "uri", "iiif_url", "api_version", "service_level", "width", "height",
            "metadata")


@pytest.fixture
def owner(people):
    return people.user("owner")


def import_from(client, owner, collection, url):
    response = client.post(f"/api/collections/{collection}/import/manifest", headers=owner.jsonapi(),
                           content_type="application/json", data=json.dumps({"manifest": url}))
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["data"]


def stored_images(app, set_id):
    with app.app_context():
        rows = db.session.execute(
            select(*(getattr(Image, "metadata_" if c == "metadata" else c) for c in COMPARED))
            .join(ImageSetImage, ImageSetImage.image_id == Image.id)
            .where(ImageSetImage.image_set_id == int(set_id)).order_by(ImageSetImage.id)).all()
    return [dict(zip(COMPARED, row)) for row in rows]


def without_ids(doc, *set_ids):
    """The manifest with the set's own ids (manifest, canvases, resource links) made neutral."""
    text = json.dumps(doc)
    for set_id in set_ids:
        text = re.sub(rf"/(manifests|image-sets)/{set_id}\b", r"/\1/SET", text)
    return json.loads(re.sub(r"/canvases/[0-9]+", "/canvases/N", text))


@pytest.mark.parametrize("name", [row[0] for row in IMPORTED])
def test_import_export_import_gives_the_same_images(app, client, owner, server, name):  # noqa: F811
    collection = create_collection(client, owner, "Round trip")
    first = import_from(client, owner, collection, server.url(name))
    exported = client.get(f"/api/iiif/manifests/{first['id']}", headers={"Authorization": f"Bearer {owner.token}"})
    assert exported.status_code == 200
    manifest = exported.get_json()
    assert all_errors(manifest) == []
    canvases = manifest["items"]
    expected_images = next(row[2] for row in IMPORTED if row[0] == name)
    assert len(canvases) == expected_images

    again = import_from(client, owner, collection, server.route(f"/exported/{name}", exported.data,
                                                                 content_type="application/ld+json"))
    for key in ("name", "attribution", "description", "image_count", "thumbnail"):
        assert again["attributes"][key] == first["attributes"][key], key
    before, after = stored_images(app, first["id"]), stored_images(app, again["id"])
    assert len(before) == expected_images
    assert after == before
    second = client.get(f"/api/iiif/manifests/{again['id']}", headers={"Authorization": f"Bearer {owner.token}"})
    assert all_errors(second.get_json()) == []
    assert without_ids(second.get_json(), again["id"]) == without_ids(manifest, first["id"])
