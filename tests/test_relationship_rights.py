"""One rights rule per relation for both dialects: every relationship endpoint of a collection, each caller
kind, JSON:API and Panoptes forms. Adding subjects takes a contributor; removing them, or setting or clearing
the default subject (which replaces what was there), takes the owner or a collaborator (§7.1)."""
import json

import pytest

from tests.conftest import JSONAPI, PANOPTES
from tests.reading_seed import grant_role, make_collection
from tests.writing_helpers import create_subject, read_collection

CALLERS = ["owner", "collaborator", "contributor", "viewer", "stranger"]
EDITORS = {"owner", "collaborator"}
LINKERS = EDITORS | {"contributor"}


def _requests(cid, s1, s2):
    """(name, method, path, body, content type, who may) for every relationship write of a collection."""
    one = [{"type": "subjects", "id": s2}]
    return [
        ("jsonapi add subjects", "POST", f"/api/collections/{cid}/relationships/subjects", {"data": one}, JSONAPI,
         LINKERS),
        ("jsonapi replace subjects", "PATCH", f"/api/collections/{cid}/relationships/subjects", {"data": one},
         JSONAPI, EDITORS),
        ("jsonapi remove subjects", "DELETE", f"/api/collections/{cid}/relationships/subjects",
         {"data": [{"type": "subjects", "id": s1}]}, JSONAPI, EDITORS),
        ("jsonapi set default_subject", "PATCH", f"/api/collections/{cid}/relationships/default_subject",
         {"data": {"type": "subjects", "id": s1}}, JSONAPI, EDITORS),
        ("jsonapi clear default_subject", "PATCH", f"/api/collections/{cid}/relationships/default_subject",
         {"data": None}, JSONAPI, EDITORS),
        ("panoptes add subjects", "POST", f"/api/collections/{cid}/links/subjects", {"subjects": [s2]}, PANOPTES,
         LINKERS),
        ("panoptes remove subjects", "DELETE", f"/api/collections/{cid}/links/subjects/{s1}", None, PANOPTES,
         EDITORS),
        ("panoptes set default_subject", "POST", f"/api/collections/{cid}/links/default_subject",
         {"default_subject": s1}, PANOPTES, EDITORS),
        ("panoptes clear default_subject", "POST", f"/api/collections/{cid}/links/default_subject",
         {"default_subject": None}, PANOPTES, EDITORS),
    ]


@pytest.mark.parametrize("caller", CALLERS)
def test_every_relationship_endpoint_decides_by_one_rule(client, people, caller):
    owner = people.user("owner")
    person = owner if caller == "owner" else people.user(caller)
    s1, s2 = create_subject(client, owner), create_subject(client, owner, "https://img.example.org/2.jpg")
    failures = []
    for name, method, _path, _body, _ct, allowed in _requests("X", s1, s2):
        cid = make_collection(client, owner, f"C {name}", subjects=[s1], default_subject=s1)
        if caller in ("collaborator", "contributor", "viewer"):
            grant_role(client, owner, cid, person, [caller])
        _n, method, path, body, content_type, allowed = next(r for r in _requests(cid, s1, s2) if r[0] == name)
        before = read_collection(client, cid, owner)
        headers = {"Accept": content_type, "Authorization": f"Bearer {person.token}"}
        response = client.open(path, method=method, headers=headers, content_type=content_type,
                               data=json.dumps(body) if body is not None else None)
        want = caller in allowed
        ok = response.status_code in (200, 204)
        after = read_collection(client, cid, owner)
        if ok != want or (not want and (response.status_code != 403 or after != before)):
            failures.append((name, response.status_code, response.get_data(as_text=True)[:200]))
    assert failures == [], failures
