"""No lost writes: the real server (gunicorn, 4 workers) on the test database, hit from several threads.

Runs on whichever database the suite runs on (SQLite by default, PostgreSQL with TEST_DATABASE_URL;
`make test` runs both). Each scenario fires a bounded number of overlapping requests (8 threads, short
timeouts) and then checks, against the database itself, that every acknowledged write is there, that
nothing is duplicated, that exactly the losers of an If-Match race got 412, and that no answer was a 5xx.
To cover a new family, add a Scenario subclass (see tests/concurrency.py) and list it in SCENARIOS.
"""
import json

import pytest

from tests.concurrency import Call, Env, Scenario, fire, statuses
from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.gunicorn_server import GunicornServer

WORKERS = 4


@pytest.fixture(scope="module")
def server(_migrated_app):
    with GunicornServer(_migrated_app.config["SQLALCHEMY_DATABASE_URI"], workers=WORKERS) as running:
        yield running


@pytest.fixture
def env(app, people, client, server):
    return Env(app, people, client, server.base_url)


def make_collection(env, owner, display_name="Concurrency"):
    doc = env.post(owner, "/api/collections", jsonapi_body("collections", {"display_name": display_name}))
    return int(doc["data"]["id"])


def make_subjects(env, owner, count):
    ids = []
    for i in range(count):
        body = jsonapi_body("subjects", {"locations": [{"image/jpeg": f"https://img.example.org/{i}.jpg"}],
                                         "metadata": {"n": i}})
        ids.append(int(env.post(owner, "/api/subjects", body)["data"]["id"]))
    return ids


def counter_of(env, collection_id):
    """The collection's member counter (app/models/member_counts.py); 0 when it has no row."""
    return env.scalar("SELECT COALESCE(SUM(members), 0) FROM member_counts WHERE relation = "
                      "'collection_subjects.collection_id' AND parent_id = :c", c=collection_id)


def version_of(env, table, id_):
    return env.scalar(f"SELECT lock_version FROM {table} WHERE id = :id", id=id_)


def links_of(env, collection_id):
    """{subject id: number of link rows} of one collection, counted in the database."""
    rows = env.rows("SELECT subject_id, COUNT(*) FROM collection_subjects WHERE collection_id = :c "
                    "GROUP BY subject_id", c=collection_id)
    return {subject: count for subject, count in rows}


# -- collections family ------------------------------------------------------------------------------

class PanoptesLinkAdds(Scenario):
    """POST /links/subjects to one collection: 24 different subjects, 8 of them sent twice."""

    name = "panoptes link adds"
    SUBJECTS, TWICE = 24, 8

    def prepare(self, env):
        owner = env.people.user("alice")
        self.collection = make_collection(env, owner)
        self.subjects = make_subjects(env, owner, self.SUBJECTS)
        self.version = version_of(env, "collections", self.collection)
        headers = owner.panoptes(**{"Content-Type": "application/json"})
        path = f"/api/collections/{self.collection}/links/subjects"
        calls = [Call("POST", path, headers, {"subjects": [str(s)]}, label=s) for s in self.subjects]
        calls += [Call("POST", path, headers, {"subjects": [s]}, label=s) for s in self.subjects[:self.TWICE]]
        return calls

    def verify(self, env, outcomes):
        for subject in self.subjects:
            mine = statuses(outcomes, subject)
            expected = {200: 1, 400: 1} if subject in self.subjects[:self.TWICE] else {200: 1}
            assert mine == expected, (subject, mine)
        for outcome in outcomes:
            if outcome.status == 400:
                assert "already in" in outcome.body["errors"][0]["message"], outcome.body
        assert links_of(env, self.collection) == {s: 1 for s in self.subjects}
        assert counter_of(env, self.collection) == self.SUBJECTS
        # every acknowledged add gave the collection a new version; none was lost
        assert version_of(env, "collections", self.collection) == self.version + statuses(outcomes)[200]


class JsonApiLinkAdds(Scenario):
    """POST /relationships/subjects with overlapping pairs: idempotent, every member once."""

    name = "json:api link adds"
    SUBJECTS = 16

    def prepare(self, env):
        owner = env.people.user("alice")
        self.collection = make_collection(env, owner)
        self.subjects = make_subjects(env, owner, self.SUBJECTS)
        headers = owner.jsonapi(**{"Content-Type": JSONAPI})
        path = f"/api/collections/{self.collection}/relationships/subjects"
        calls = []
        for round_ in range(2):
            for i, subject in enumerate(self.subjects):
                pair = [subject, self.subjects[(i + 1 + round_) % self.SUBJECTS]]
                calls.append(Call("POST", path, headers, {"data": [{"type": "subjects", "id": str(s)} for s in pair]}))
        return calls

    def verify(self, env, outcomes):
        assert statuses(outcomes) == {204: len(outcomes)}
        assert links_of(env, self.collection) == {s: 1 for s in self.subjects}
        assert counter_of(env, self.collection) == self.SUBJECTS


def _patch(owner, collection, description, if_match=None, label=""):
    extra = {"Content-Type": JSONAPI}
    if if_match:
        extra["If-Match"] = if_match
    body = jsonapi_body("collections", {"description": description}, id_=collection)
    return Call("PATCH", f"/api/collections/{collection}", owner.jsonapi(**extra), body, label=label)


class PatchesWithOneETag(Scenario):
    """12 PATCHes all carrying the ETag read before: exactly one wins, the other 11 get 412."""

    name = "patches with one If-Match"
    CALLS = 12

    def prepare(self, env):
        owner = env.people.user("alice")
        self.collection = make_collection(env, owner)
        self.version = version_of(env, "collections", self.collection)
        response = env.client.get(f"/api/collections/{self.collection}", headers=owner.jsonapi())
        etag = response.headers["ETag"]
        return [_patch(owner, self.collection, f"if-match {i}", etag) for i in range(self.CALLS)]

    def verify(self, env, outcomes):
        assert statuses(outcomes) == {200: 1, 412: self.CALLS - 1}
        winner = next(o for o in outcomes if o.status == 200)
        assert env.scalar("SELECT description FROM collections WHERE id = :id", id=self.collection) == \
            winner.call.body["data"]["attributes"]["description"]
        assert version_of(env, "collections", self.collection) == self.version + 1


class PatchesMixed(Scenario):
    """8 PATCHes without If-Match and 8 with the ETag read before, interleaved: every one without
    succeeds, at most one with it does, the others with it get 412, and no success is lost."""

    name = "patches with and without If-Match"
    EACH = 8

    def prepare(self, env):
        owner = env.people.user("alice")
        self.collection = make_collection(env, owner)
        self.version = version_of(env, "collections", self.collection)
        etag = env.client.get(f"/api/collections/{self.collection}", headers=owner.jsonapi()).headers["ETag"]
        calls = []
        for i in range(self.EACH):
            calls.append(_patch(owner, self.collection, f"plain {i}", label="plain"))
            calls.append(_patch(owner, self.collection, f"if-match {i}", etag, label="if-match"))
        return calls

    def verify(self, env, outcomes):
        assert statuses(outcomes, "plain") == {200: self.EACH}
        guarded = statuses(outcomes, "if-match")
        assert set(guarded) <= {200, 412} and guarded.get(200, 0) <= 1, guarded
        successes = [o for o in outcomes if o.status == 200]
        # each success bumped the version once: none was overwritten unseen or lost
        assert version_of(env, "collections", self.collection) == self.version + len(successes)
        final = env.scalar("SELECT description FROM collections WHERE id = :id", id=self.collection)
        assert final in {o.call.body["data"]["attributes"]["description"] for o in successes}


class Creates(Scenario):
    """24 subjects and 12 collections created at once by three users: all there, once each."""

    name = "creates"

    def prepare(self, env):
        owners = [env.people.user(login) for login in ("alice", "bob", "carol")]
        calls = []
        for i in range(24):
            owner = owners[i % 3]
            body = jsonapi_body("subjects", {"locations": [{"image/png": f"https://img.example.org/c{i}.png"}],
                                             "metadata": {"i": i}})
            calls.append(Call("POST", "/api/subjects", owner.jsonapi(**{"Content-Type": JSONAPI}), body,
                              label="subjects"))
        for i in range(12):
            owner = owners[i % 3]
            body = {"collections": {"display_name": f"Made at once {i}"}}
            calls.append(Call("POST", "/api/collections", owner.panoptes(**{"Content-Type": PANOPTES}), body,
                              label="collections"))
        return calls

    def verify(self, env, outcomes):
        assert statuses(outcomes) == {201: len(outcomes)}
        subjects = [int(o.body["data"]["id"]) for o in outcomes if o.label == "subjects"]
        collections = [int(o.body["collections"][0]["id"]) for o in outcomes if o.label == "collections"]
        assert len(set(subjects)) == len(subjects) and len(set(collections)) == len(collections)
        assert sorted(subjects) == [r[0] for r in env.rows("SELECT id FROM subjects ORDER BY id")]
        assert sorted(collections) == [r[0] for r in env.rows("SELECT id FROM collections ORDER BY id")]
        names = {r[0] for r in env.rows("SELECT display_name FROM collections")}
        assert names == {f"Made at once {i}" for i in range(12)}


class UniqueGroupNames(Scenario):
    """12 users create a group named Team / team / TEAM at once: the case-insensitive unique index lets
    exactly one through; the others get 409, never a 5xx."""

    name = "unique group names"

    def prepare(self, env):
        calls = []
        for i in range(12):
            person = env.people.user(f"member{i}")
            name = ("Team", "team", "TEAM")[i % 3]
            body = jsonapi_body("user_groups", {"name": name, "display_name": f"Team {i}"})
            calls.append(Call("POST", "/api/user_groups", person.jsonapi(**{"Content-Type": JSONAPI}), body))
        return calls

    def verify(self, env, outcomes):
        assert statuses(outcomes) == {201: 1, 409: len(outcomes) - 1}
        assert env.scalar("SELECT COUNT(*) FROM user_groups WHERE lower(name) = 'team'") == 1
        winner = next(o for o in outcomes if o.status == 201)
        group = int(winner.body["data"]["id"])
        # the winner's creator administers it; the losers left no membership behind
        assert env.scalar("SELECT COUNT(*) FROM memberships WHERE user_group_id = :g", g=group) == 1
        assert env.scalar("SELECT COUNT(*) FROM memberships") == 1


class UniqueCollectionRoles(Scenario):
    """10 identical role grants at once (same collection, same user): one 201, the others 409."""

    name = "unique collection roles"

    def prepare(self, env):
        owner = env.people.user("alice")
        guest = env.people.user("bob")
        self.collection = make_collection(env, owner)
        body = jsonapi_body("collection_roles", {"roles": ["collaborator"]}, {
            "collection": {"data": {"type": "collections", "id": str(self.collection)}},
            "user": {"data": {"type": "users", "id": str(guest.id)}},
        })
        self.guest = guest.id
        return [Call("POST", "/api/collection_roles", owner.jsonapi(**{"Content-Type": JSONAPI}), body)
                for _ in range(10)]

    def verify(self, env, outcomes):
        assert statuses(outcomes) == {201: 1, 409: 9}
        assert env.scalar("SELECT COUNT(*) FROM collection_roles WHERE collection_id = :c AND user_id = :u",
                          c=self.collection, u=self.guest) == 1


class Deletes(Scenario):
    """8 DELETEs of one collection at once: one 204, the others 404 (it is gone), links cascade."""

    name = "deletes"

    def prepare(self, env):
        owner = env.people.user("alice")
        self.collection = make_collection(env, owner)
        subjects = make_subjects(env, owner, 3)
        env.post(owner, f"/api/collections/{self.collection}/links/subjects",
                 {"subjects": [str(s) for s in subjects]}, panoptes=True)
        return [Call("DELETE", f"/api/collections/{self.collection}", owner.jsonapi()) for _ in range(8)]

    def verify(self, env, outcomes):
        assert statuses(outcomes) == {204: 1, 404: 7}
        assert env.scalar("SELECT COUNT(*) FROM collections WHERE id = :c", c=self.collection) == 0
        assert links_of(env, self.collection) == {}
        assert env.scalar("SELECT COUNT(*) FROM subjects") == 3


class CascadingDeletes(Scenario):
    """12 subjects, each in the same 4 collections (linked in turns, so their link rows name the collections
    in different orders), deleted at once: all 204, and the cascades' counter changes neither deadlock nor
    lose a decrement."""

    name = "cascading deletes"
    SUBJECTS, COLLECTIONS = 12, 4

    def prepare(self, env):
        owner = env.people.user("alice")
        self.collections = [make_collection(env, owner, f"Cascade {n}") for n in range(self.COLLECTIONS)]
        self.subjects = make_subjects(env, owner, self.SUBJECTS + 1)
        for turn in range(self.COLLECTIONS):
            order = self.collections[turn:] + self.collections[:turn]
            for collection in reversed(order) if turn % 2 else order:
                chunk = self.subjects[turn::self.COLLECTIONS]
                env.post(owner, f"/api/collections/{collection}/links/subjects",
                         {"subjects": [str(s) for s in chunk]}, panoptes=True)
        kept = self.subjects[-1]
        for collection in self.collections:
            if kept not in links_of(env, collection):
                env.post(owner, f"/api/collections/{collection}/links/subjects", {"subjects": [str(kept)]},
                         panoptes=True)
        return [Call("DELETE", f"/api/subjects/{s}", owner.jsonapi()) for s in self.subjects[:-1]]

    def verify(self, env, outcomes):
        assert statuses(outcomes) == {204: self.SUBJECTS}
        for collection in self.collections:
            assert links_of(env, collection) == {self.subjects[-1]: 1}
            assert counter_of(env, collection) == 1


# -- image sets family ------------------------------------------------------------------------------

def make_images(env, owner, count):
    return [int(env.post(owner, "/api/images", jsonapi_body("images", {
        "uri": f"https://static.example.org/{i}.jpg", "name": f"image {i}"}))["data"]["id"]) for i in range(count)]


class ImageSetCreates(Scenario):
    """16 image sets created at once in one collection (half in each dialect), each with its own images
    and languages: all 201, each set there once with exactly what it was given."""

    name = "image set creates"
    SETS = 16

    def prepare(self, env):
        owner = env.people.user("alice")
        self.collection = make_collection(env, owner)
        images = make_images(env, owner, self.SETS + 1)
        path = f"/api/collections/{self.collection}/image-sets"
        self.expected = {}
        calls = []
        for i in range(self.SETS):
            name = f"Set {i}"
            self.expected[name] = ({images[i], images[i + 1]}, {("en", "fr", "de")[i % 3]})
            inputs = {"name": name, "image_ids": [str(images[i]), str(images[i + 1])],
                      "allowed_languages": sorted(self.expected[name][1])}
            if i % 2:
                calls.append(Call("POST", path, owner.panoptes(**{"Content-Type": PANOPTES}), {"image_sets": inputs},
                                  label="panoptes"))
            else:
                calls.append(Call("POST", path, owner.jsonapi(**{"Content-Type": JSONAPI}),
                                  jsonapi_body("image_sets", inputs), label="jsonapi"))
        return calls

    def verify(self, env, outcomes):
        assert statuses(outcomes) == {201: self.SETS}
        acknowledged = {int(o.body["data"]["id"]) if o.label == "jsonapi" else int(o.body["image_sets"][0]["id"])
                        for o in outcomes}
        rows = env.rows("SELECT id, name FROM image_sets WHERE collection_id = :c", c=self.collection)
        assert {r[0] for r in rows} == acknowledged and len(rows) == self.SETS
        for set_id, name in rows:
            images = env.rows("SELECT image_id FROM image_set_images WHERE image_set_id = :s", s=set_id)
            languages = env.rows("SELECT l.code FROM image_set_languages sl JOIN languages l "
                                 "ON l.id = sl.language_id WHERE sl.image_set_id = :s", s=set_id)
            assert sorted(r[0] for r in images) == sorted(self.expected[name][0])
            assert {r[0] for r in languages} == self.expected[name][1] and len(languages) == 1


class ImageSetLinkAdds(Scenario):
    """Panoptes POST …/links/images to one image set: 16 images, 4 of them sent twice."""

    name = "image set link adds"
    IMAGES, TWICE = 16, 4

    def prepare(self, env):
        owner = env.people.user("alice")
        collection = make_collection(env, owner)
        doc = env.post(owner, f"/api/collections/{collection}/image-sets", jsonapi_body("image_sets", {"name": "S"}))
        self.set_id = int(doc["data"]["id"])
        self.images = make_images(env, owner, self.IMAGES)
        path = f"/api/collections/{collection}/image-sets/{self.set_id}/links/images"
        headers = owner.panoptes(**{"Content-Type": "application/json"})
        calls = [Call("POST", path, headers, {"images": [str(i)]}, label=i) for i in self.images]
        calls += [Call("POST", path, headers, {"images": [str(i)]}, label=i) for i in self.images[:self.TWICE]]
        return calls

    def verify(self, env, outcomes):
        for image in self.images:
            expected = {200: 1, 400: 1} if image in self.images[:self.TWICE] else {200: 1}
            assert statuses(outcomes, image) == expected, image
        rows = env.rows("SELECT image_id, COUNT(*) FROM image_set_images WHERE image_set_id = :s GROUP BY image_id",
                        s=self.set_id)
        assert dict(rows) == {i: 1 for i in self.images}



# -- sets family: version work -----------------------------------------------------------------------

DRAFT_EXISTS = "There is already a draft version active for this set."


def error_message(outcome):
    """The error's text in either dialect: JSON:API ``detail``, Panoptes ``message``."""
    error = (outcome.body or {}).get("errors", [{}])[0]
    return error.get("detail", error.get("message"))


def published_set(env, owner, title):
    """A set with a layer, a table and a document whose first version is published; (set id, version id)."""
    items = [(type_, int(env.post(owner, f"/api/{type_}/", jsonapi_body(type_, {"title": f"{title} {type_}"}))
                            ["data"]["id"])) for type_ in ("layers", "tables", "documents")]
    doc = env.post(owner, "/api/sets/", jsonapi_body("sets", {
        "title": title, "description": "made for a race", "items": [f"/api/{t}/{i}/" for t, i in items]}))
    set_id = int(doc["data"]["id"])
    version = int(doc["data"]["relationships"]["latest_version"]["data"]["id"])
    env.post(owner, f"/api/sets/{set_id}/versions/{version}/publish/", {})
    return set_id, version


def version_states(env, set_id):
    return dict(env.rows("SELECT id, state FROM set_versions WHERE set_id = :s", s=set_id))


def items_of(env, table, key, id_):
    return env.rows(f"SELECT layer_id, table_id, document_id FROM {table} WHERE {key} = :i ORDER BY id", i=id_)


class SetDraftCreates(Scenario):
    """12 POST /sets/{id}/versions/ at once on a published set without a draft (no body, {} in JSON:API,
    {} in Panoptes): exactly one 201, the others 409 with the specification's message, and the database
    holds exactly one active draft, the winner's, copied from the published content."""

    name = "set draft creates"
    CALLS = 12

    def prepare(self, env):
        owner = env.people.user("alice")
        self.set_id, self.published = published_set(env, owner, "Draft race")
        path = f"/api/sets/{self.set_id}/versions/"
        calls = []
        for i in range(self.CALLS):
            if i % 3 == 0:
                calls.append(Call("POST", path, owner.jsonapi(), None, label="no body"))
            elif i % 3 == 1:
                calls.append(Call("POST", path, owner.jsonapi(**{"Content-Type": JSONAPI}), {}, label="jsonapi"))
            else:
                calls.append(Call("POST", path.rstrip("/"), owner.panoptes(**{"Content-Type": PANOPTES}), {},
                                  label="panoptes"))
        return calls

    def verify(self, env, outcomes):
        assert statuses(outcomes) == {201: 1, 409: self.CALLS - 1}
        for outcome in outcomes:
            if outcome.status == 409:
                assert error_message(outcome) == DRAFT_EXISTS, outcome.body
        winner = next(o for o in outcomes if o.status == 201)
        body = winner.body["set_versions"][0] if winner.label == "panoptes" else winner.body["data"]
        draft = int(body["id"])
        assert version_states(env, self.set_id) == {self.published: "published", draft: "draft"}
        active = env.scalar("SELECT COUNT(*) FROM set_versions WHERE set_id = :s AND state IN "
                            "('draft', 'publishing')", s=self.set_id)
        assert active == 1
        assert env.rows("SELECT latest_version_id, published_version_id FROM sets WHERE id = :s",
                        s=self.set_id) == [(draft, self.published)]
        published_items = items_of(env, "set_version_items", "version_id", self.published)
        assert len(published_items) == 3
        assert items_of(env, "set_version_items", "version_id", draft) == published_items
        assert items_of(env, "set_items", "set_id", self.set_id) == published_items


class SetPublishes(Scenario):
    """12 POST …/versions/{v}/publish/ at once of the same draft: exactly one 201 (a completed task),
    the others 409; the draft is the one published version, the old one superseded, one task made."""

    name = "set publishes"
    CALLS = 12

    def prepare(self, env):
        owner = env.people.user("alice")
        self.set_id, self.first = published_set(env, owner, "Publish race")
        doc = env.post(owner, f"/api/sets/{self.set_id}/versions/", jsonapi_body("set_versions", {
            "title": "Publish race, edited", "items": []}))
        self.draft = int(doc["data"]["id"])
        self.tasks = env.scalar("SELECT COUNT(*) FROM publishes WHERE set_id = :s", s=self.set_id)
        path = f"/api/sets/{self.set_id}/versions/{self.draft}/publish/"
        calls = []
        for i in range(self.CALLS):
            if i % 2:
                calls.append(Call("POST", path, owner.panoptes(**{"Content-Type": PANOPTES}), {}, label="panoptes"))
            else:
                calls.append(Call("POST", path, owner.jsonapi(), None, label="jsonapi"))
        return calls

    def verify(self, env, outcomes):
        assert statuses(outcomes) == {201: 1, 409: self.CALLS - 1}
        for outcome in outcomes:
            if outcome.status == 409:
                assert error_message(outcome) in ("This version isn't a draft.",
                                                  "This version is already being published."), outcome.body
        winner = next(o for o in outcomes if o.status == 201)
        task = winner.body["publishes"][0] if winner.label == "panoptes" else winner.body["data"]
        state = task["state"] if winner.label == "panoptes" else task["attributes"]["state"]
        assert state == "completed"
        assert version_states(env, self.set_id) == {self.first: "superseded", self.draft: "published"}
        assert env.scalar("SELECT COUNT(*) FROM set_versions WHERE set_id = :s AND state = 'published'",
                          s=self.set_id) == 1
        assert env.scalar("SELECT COUNT(*) FROM publishes WHERE set_id = :s", s=self.set_id) == self.tasks + 1
        assert env.rows("SELECT version_id, state FROM publishes WHERE set_id = :s AND version_id = :v",
                        s=self.set_id, v=self.draft) == [(self.draft, "completed")]
        assert env.rows("SELECT title, latest_version_id, published_version_id FROM sets WHERE id = :s",
                        s=self.set_id) == [("Publish race, edited", self.draft, self.draft)]
        assert items_of(env, "set_items", "set_id", self.set_id) == []


SCENARIOS = [PanoptesLinkAdds, JsonApiLinkAdds, PatchesWithOneETag, PatchesMixed, Creates, UniqueGroupNames,
             UniqueCollectionRoles, Deletes, CascadingDeletes, ImageSetCreates, ImageSetLinkAdds, SetDraftCreates,
             SetPublishes]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name.replace(" ", "-"))
def test_no_lost_writes(env, scenario):
    outcomes = scenario().run(env)
    database = env.app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    print(f"[{database}, {WORKERS} workers] {scenario.name}: {len(outcomes)} requests, "
          f"statuses {dict(sorted(statuses(outcomes).items()))}")


def test_every_request_is_logged_once_with_its_id(env, server):
    """The structured request log under gunicorn: one JSON line per request, carrying its id."""
    owner = env.people.user("alice")
    calls = [Call("GET", "/api/collections", owner.jsonapi(**{"X-Request-Id": f"load-{i}"})) for i in range(16)]
    outcomes = fire(env.base_url, calls)
    assert [o.headers["X-Request-Id"] for o in outcomes] == [f"load-{i}" for i in range(16)]
    lines = [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]
    ours = [line for line in lines if line.get("request_id", "").startswith("load-")]
    assert sorted(line["request_id"] for line in ours) == sorted(f"load-{i}" for i in range(16))
    for line in ours:
        assert line["method"] == "GET" and line["path"] == "/api/collections" and line["status"] == 200
        assert line["caller"] == owner.id and line["queries"] > 0 and line["duration_ms"] >= 0
