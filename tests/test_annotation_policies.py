"""Who may do what to annotations, in JSON:API, Panoptes and the W3C protocol alike: the image set's
visibility decides who sees them; its ``access`` who annotates; the annotation's creator changes and deletes
it; ``write`` on the set deletes any. 404 when the set is invisible, 403 when visible but not allowed, 401 for
anonymous writes; a refused request changes nothing."""
import json

import pytest

from tests.annotations_helpers import (
    ANNO, annotate, annotated_set, annotation_body, container, w3c_container, w3c_headers, web_annotation,
)
from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.image_sets_helpers import nested
from tests.reading_seed import grant_role, make_collection
from tests.writing_helpers import passwordless_user

CALLERS = ["author", "creator", "owner", "collaborator", "viewer", "stranger", "anonymous", "admin"]
ACCESS = {"author", "creator", "owner", "collaborator", "viewer", "admin"}   # access on the image set
EDITS = {"author", "admin"}
DELETES = {"author", "admin", "creator", "owner"}                          # the creator and write on the set
SUCCESS = {"jsonapi": {"delete": 204}, "panoptes": {"delete": 200}, "w3c": {"delete": 204}}
ACTIONS = ("list", "show", "create", "update", "delete")


def expected(caller, action, protocol, published):
    sees = caller in ACCESS or published
    allowed = {"list": sees, "show": sees, "create": caller in ACCESS, "update": caller in EDITS,
               "delete": caller in DELETES}[action]
    if allowed:
        return SUCCESS[protocol].get(action, {"create": 201}.get(action, 200))
    if caller == "anonymous" and action not in ("list", "show"):
        return 401
    return 403 if sees else 404


def perform(client, person, protocol, action, sid, aid, pictures):
    image = pictures[1]  # creates annotate the second image; the annotation acted on is on the first
    token = {"Authorization": f"Bearer {person.token}"} if person else {}
    member = f"{container(sid)}/{aid}"
    if protocol == "w3c":
        headers = {**w3c_headers(), **token}
        doc = json.dumps(web_annotation(f"http://localhost/api/images/{image}", "By the matrix"))
        replacement = json.dumps(web_annotation(f"http://localhost/api/images/{pictures[0]}", "Changed"))
        return {"list": lambda: client.get(w3c_container(sid), headers=headers),
                "show": lambda: client.get(f"{w3c_container(sid)}{aid}", headers=headers),
                "create": lambda: client.post(w3c_container(sid), headers=headers, data=doc, content_type=ANNO),
                "update": lambda: client.put(f"{w3c_container(sid)}{aid}", headers={**headers, "If-Match": "*"},
                                             data=replacement, content_type=ANNO),
                "delete": lambda: client.delete(f"{w3c_container(sid)}{aid}", headers={**headers, "If-Match": "*"}),
                }[action]()
    panoptes = protocol == "panoptes"
    headers = {"Accept": PANOPTES if panoptes else JSONAPI, **token}
    if panoptes:
        create = {"annotations": {"motivation": "commenting", "body": {"value": "By the matrix", "language": "en"},
                                  "links": {"image": str(image)}}}
        update = {"annotations": {"body": {"value": "Changed", "language": "en"}}}
        headers_if = {**headers, "If-Match": "*"}
    else:
        create = annotation_body(image, "By the matrix")
        update = jsonapi_body("annotations", {"body": {"value": "Changed", "language": "en"}}, id_=aid)
        headers_if = headers
    media = PANOPTES if panoptes else JSONAPI
    return {"list": lambda: client.get(container(sid), headers=headers),
            "show": lambda: client.get(member, headers=headers),
            "create": lambda: client.post(container(sid), headers=headers, content_type=media, json=create),
            "update": lambda: (client.put if panoptes else client.patch)(member, headers=headers_if,
                                                                         content_type=media, json=update),
            "delete": lambda: client.delete(member, headers=headers_if)}[action]()


def annotations_of(client, admin, sid):
    data = client.get(container(sid), headers=admin.jsonapi()).get_json()["data"]
    return [(a["id"], a["attributes"]["body"]["value"]) for a in data]


@pytest.mark.parametrize("protocol", ["jsonapi", "panoptes", "w3c"])
def test_annotation_rights(app, client, people, protocol):
    found = {name: passwordless_user(app, name, admin=name == "admin") for name in CALLERS if name != "anonymous"}
    found["anonymous"] = None
    collection = make_collection(client, found["owner"], "Owned")
    for name, role in [("creator", "contributor"), ("collaborator", "collaborator"), ("viewer", "viewer"),
                       ("author", "viewer")]:
        grant_role(client, found["owner"], collection, found[name], [role])
    _c, sid, images = annotated_set(client, found["creator"], collection=collection)
    _c, public, public_images = annotated_set(client, found["creator"], collection=collection, name="Public")
    published = client.patch(nested(collection, public), headers=found["creator"].jsonapi(), content_type=JSONAPI,
                             json=jsonapi_body("image_sets", {"published": True}, id_=public))
    assert published.status_code == 200, published.get_json()
    failures = []
    for target, pictures, is_published in ((sid, images, False), (public, public_images, True)):
        callers = CALLERS if not is_published else ["author", "stranger", "anonymous"]
        for caller in callers:
            for action in ACTIONS:
                aid = annotate(client, found["author"], target, pictures[0], text="Original")
                before = annotations_of(client, found["admin"], target)
                response = perform(client, found[caller], protocol, action, target, aid, pictures)
                want = expected(caller, action, protocol, is_published)
                if response.status_code != want:
                    failures.append((is_published, caller, action, response.status_code, want,
                                     response.get_data(as_text=True)[:200]))
                if response.status_code >= 400 or action in ("list", "show"):
                    if annotations_of(client, found["admin"], target) != before:
                        failures.append((is_published, caller, action, "changed"))
    assert not failures, "\n".join(map(str, failures))
