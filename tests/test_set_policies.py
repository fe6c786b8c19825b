"""The §7.4 rights matrix for the Sets family, through HTTP in both dialects.

A caller's level on a set is none < view < edit < admin: site admins, the owning user and the admins of an
owning group hold admin; the other members of an owning group view; a grant (``user.N``, ``group.N`` of a
group the caller is in, ``group.everyone``) gives its level. Viewers see published content only (a set
never published is invisible to them); editors also see and work on drafts; admins manage grants and
delete the set. 404 when the set (or the thing under it) is invisible, 401 for anonymous writes, 403 when
signed in and the set is visible but the level is too low; a refused request changes nothing.

Fixtures are made straight in the database (a set in a given state with its grants costs a few
milliseconds, where the same through HTTP costs a dozen requests): reads share one target per world,
every write gets a fresh one, and its effect (or the absence of one) is read back from the database.
"""
from dataclasses import dataclass, field

import pytest

from tests.conftest import jsonapi_body
from tests.sets_helpers import (
    create_item,
    create_set,
    draft_id,
    grant,
    published_set,
    send,
)
from tests.writing_helpers import (
    assert_jsonapi_error,
    assert_panoptes_error,
    passwordless_user,
)

# -- callers and their levels -----------------------------------------------------------------------

CALLERS = ["anonymous", "stranger", "viewer", "member", "editor", "group_editor", "grant_admin", "owner",
           "group_admin", "site_admin"]
# member and group_admin act on a set owned by the group "team" (member: a plain member, group_admin: its
# admin); everyone else on a set owned by the user "owner". group_editor is a plain member of "crew",
# which holds a group.N edit grant on that set.
GROUP_SIDE = ("member", "group_admin")
VIEW, EDIT, ADMIN = "view", "edit", "admin"
RANK = {None: 0, VIEW: 1, EDIT: 2, ADMIN: 3}
LEVEL = {"anonymous": None, "stranger": None, "viewer": VIEW, "member": VIEW, "editor": EDIT,
         "group_editor": EDIT, "grant_admin": ADMIN, "owner": ADMIN, "group_admin": ADMIN, "site_admin": ADMIN}
STATES = ["unpublished", "published", "public"]  # public: published, and group.everyone holds view


def level_of(caller, state):
    level = LEVEL[caller]
    if state == "public" and level is None:
        return VIEW
    return level


# -- the database fixtures --------------------------------------------------------------------------

@dataclass
class World:
    app: object
    people: dict
    team: int      # owns the group-side set: admin group_admin, plain member member
    crew: int      # holds an edit grant on the user-side set; group_editor is a plain member
    extra: object  # the user whose grant the one-grant rows read, change and delete
    newcomer: object  # the user a POST of a grant names
    layers: list

    def person(self, caller):
        return self.people.get(caller)


@dataclass
class Target:
    set_id: int
    state: str
    draft: int | None = None
    published: int | None = None
    superseded: int | None = None
    grant: int | None = None        # user.extra's view grant
    task: int | None = None         # the publish task of the published version
    grants: list = field(default_factory=list)
    grant_ids: list = field(default_factory=list)


def build_world(app, client, people):
    found = {name: passwordless_user(app, name) for name in CALLERS if name not in ("anonymous", "site_admin")}
    found["site_admin"] = passwordless_user(app, "root", admin=True)
    team = people.group("team", found["group_admin"], found["member"])
    crew_lead = passwordless_user(app, "crewlead")
    crew = people.group("crew", crew_lead, found["group_editor"])
    layers = [create_item(client, found["owner"], title=f"Layer {n}") for n in (1, 2)]
    return World(app, found, team, crew, passwordless_user(app, "extra"), passwordless_user(app, "newcomer"),
                 [int(i) for i in layers])


def build_target(world, state, group_side, draft=True):
    """A set in ``state``: unpublished (one draft), or published (a superseded, a published and, with
    ``draft``, a draft version; a completed publish task). Published content is titled "Published title",
    the draft's (and a never-published set's) "Draft title"; items: layer 1 everywhere."""
    from app.extensions import db
    from app.models.sets import Publish, Set, SetItem, SetPermission
    from app.services import set_content

    with world.app.app_context():
        owner = world.people["group_admin" if group_side else "owner"]
        set_obj = Set(title="Draft title" if state == "unpublished" else "First title", description="About.",
                      description_html="<p>About.</p>\n", owner_user_id=None if group_side else owner.id,
                      owner_group_id=world.team if group_side else None)
        db.session.add(set_obj)
        db.session.flush()
        db.session.add(SetItem(set_id=set_obj.id, layer_id=world.layers[0]))
        db.session.flush()
        target = Target(set_obj.id, state)
        first = set_content.new_draft(set_obj, owner.id)
        if state == "unpublished":
            target.draft = first.id
        else:
            set_content.publish(set_obj, first)
            second = set_content.new_draft(set_obj, owner.id)
            second.title = "Published title"
            set_content.publish(set_obj, second)
            task = Publish(set_id=set_obj.id, version_id=second.id, created_by_id=owner.id, state="completed")
            db.session.add(task)
            if draft:
                third = set_content.new_draft(set_obj, owner.id)
                third.title = "Draft title"
                db.session.flush()
                target.draft = third.id
            db.session.flush()
            target.published, target.superseded, target.task = second.id, first.id, task.id
        grants = [(f"user.{world.extra.id}", VIEW)]
        if not group_side:
            grants += [(f"user.{world.people['viewer'].id}", VIEW), (f"user.{world.people['editor'].id}", EDIT),
                       (f"user.{world.people['grant_admin'].id}", ADMIN), (f"group.{world.crew}", EDIT)]
        if state == "public":
            grants.append(("group.everyone", VIEW))
        rows = [SetPermission(set_id=set_obj.id, principal=p, permission=level) for p, level in grants]
        db.session.add_all(rows)
        db.session.commit()
        target.grant = rows[0].id
        target.grant_ids = sorted(str(r.id) for r in rows)
        target.grants = sorted(grants)
        return target


def snapshot(world, set_id):
    """Everything a request to the set could change, read from the database (None: the set is gone)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.sets import (
        Publish,
        Set,
        SetItem,
        SetPermission,
        SetVersion,
        SetVersionItem,
    )

    with world.app.app_context():
        set_obj = db.session.get(Set, set_id)
        if set_obj is None:
            return None
        items = db.session.scalars(select(SetItem.layer_id).where(SetItem.set_id == set_id).order_by(SetItem.id))
        members = {}
        for version_id, layer_id in db.session.execute(
                select(SetVersionItem.version_id, SetVersionItem.layer_id).join(SetVersion)
                .where(SetVersion.set_id == set_id).order_by(SetVersionItem.id)):
            members.setdefault(version_id, []).append(layer_id)
        versions = {v.id: (v.state, v.title, v.lock_version, tuple(members.get(v.id, ())))
                    for v in db.session.scalars(select(SetVersion).where(SetVersion.set_id == set_id))}
        grants = db.session.execute(select(SetPermission.principal, SetPermission.permission, SetPermission.lock_version)
                                    .where(SetPermission.set_id == set_id)).all()
        tasks = db.session.scalars(select(Publish.version_id).where(Publish.set_id == set_id)).all()
        return {"set": (set_obj.title, set_obj.lock_version, set_obj.latest_version_id, set_obj.published_version_id),
                "items": tuple(items), "versions": versions, "grants": sorted(tuple(g) for g in grants),
                "tasks": sorted(tasks)}


def etag(app, type_name, id_):
    """The current ETag of a row, as a GET would send it (If-Match compares the version part)."""
    from app.engine.http import version_tag
    from app.engine.registry import RESOURCES
    from app.extensions import db

    with app.app_context():
        row = db.session.get(RESOURCES[type_name].model, id_)
        return f'"{version_tag(type_name, id_, row.lock_version)}"'


# -- the endpoints ----------------------------------------------------------------------------------

def body(type_, attributes, panoptes, id_=None):
    return {type_: attributes} if panoptes else jsonapi_body(type_, attributes, id_=id_)


def primary(doc, type_, panoptes):
    """The primary resources of a document as a list of (id, attributes)."""
    if panoptes:
        return [(r["id"], r) for r in doc[type_]]
    data = doc["data"]
    data = data if isinstance(data, list) else [data]
    return [(r["id"], r.get("attributes", {})) for r in data]


@dataclass
class Row:
    name: str
    method: str
    path: object                 # (world, target) -> path
    need: str                    # the level the request needs on the set
    success: object              # status when allowed: an int, or (state, panoptes) -> int
    body: object = None          # (world, target, panoptes) -> body
    headers: object = None       # (world, target, panoptes) -> extra headers
    hidden_below: str = None     # the thing itself (a draft, a task) is invisible below this level: 404
    listing: bool = False        # a top-level list: 200 to anyone, the set in it or not
    states: tuple = ("unpublished", "published", "public")
    draft: bool = True           # the target has a draft (published states)
    effect: object = None        # (before, after, world, target, panoptes) -> None, asserting
    check: object = None         # (doc, world, target, caller, panoptes) -> None, asserting, on a 200 read

    @property
    def write(self):
        return self.method != "GET"

    def status(self, state, panoptes):
        return self.success(state, panoptes) if callable(self.success) else self.success


def set_path(suffix=""):
    return lambda w, t: f"/api/sets/{t.set_id}/{suffix}"


def version_path(which, suffix=""):
    return lambda w, t: f"/api/sets/{t.set_id}/versions/{getattr(t, which)}/{suffix}"


def if_match(type_name, which, always=False):
    """If-Match with the current ETag: the Panoptes dialect needs it (428 without), JSON:API takes it."""
    def headers(w, t, panoptes):
        if panoptes or always:
            return {"If-Match": etag(w.app, type_name, getattr(t, which))}
        return {}
    return headers


def unpublished_or(unpublished, published):
    return lambda state, panoptes: unpublished if state == "unpublished" else published


# effects of allowed writes, compared with the state before

def draft_of(snap):
    drafts = [v for v, (state, *_rest) in snap["versions"].items() if state == "draft"]
    return snap["versions"][drafts[0]] if drafts else None


def changed_title(before, after, w, t, panoptes):
    assert draft_of(after)[1] == "Changed"
    # what the set shows changes only while it was never published
    assert after["set"][0] == ("Changed" if t.state == "unpublished" else before["set"][0])


def unchanged(before, after, w, t, panoptes):
    assert after == before


def set_deleted(before, after, w, t, panoptes):
    assert after is None


def item_added(before, after, w, t, panoptes):
    assert draft_of(after)[3] == (w.layers[0], w.layers[1])
    assert after["items"] == ((w.layers[0], w.layers[1]) if t.state == "unpublished" else before["items"])


def item_removed(before, after, w, t, panoptes):
    assert draft_of(after)[3] == ()
    assert after["items"] == (() if t.state == "unpublished" else before["items"])


def version_created(before, after, w, t, panoptes):
    new = set(after["versions"]) - set(before["versions"])
    assert len(new) == 1 and after["versions"][new.pop()][0] == "draft"
    assert after["set"][0] == before["set"][0]  # what the set shows does not change


def draft_edited(before, after, w, t, panoptes):
    assert after["versions"][t.draft][1] == "Changed"
    assert after["set"][0] == ("Changed" if t.state == "unpublished" else before["set"][0])


def draft_discarded(before, after, w, t, panoptes):
    assert after["versions"][t.draft][0] == "discarded"
    assert after["set"][2] == t.published and after["set"][3] == t.published


def draft_published(before, after, w, t, panoptes):
    assert after["versions"][t.draft][0] == "published"
    assert after["versions"][t.published][0] == "superseded"
    assert after["set"][0] == "Draft title" and after["set"][3] == t.draft
    assert after["tasks"] == sorted(before["tasks"] + [t.draft])


def first_published(before, after, w, t, panoptes):
    assert after["versions"][t.draft][0] == "published" and after["set"][3] == t.draft
    assert after["tasks"] == [t.draft]


def grant_added(before, after, w, t, panoptes):
    assert [g[:2] for g in after["grants"]] == sorted([g[:2] for g in before["grants"]]
                                                      + [(f"user.{w.newcomer.id}", VIEW)])


def grants_replaced(before, after, w, t, panoptes):
    assert [g[:2] for g in after["grants"]] == [(f"user.{w.extra.id}", EDIT)]


def grant_changed(before, after, w, t, panoptes):
    principal = f"user.{w.extra.id}"
    assert [g[1] for g in after["grants"] if g[0] == principal] == [EDIT]
    assert [g for g in after["grants"] if g[0] != principal] == [g for g in before["grants"] if g[0] != principal]


def grant_deleted(before, after, w, t, panoptes):
    assert [g[:2] for g in after["grants"]] == [g[:2] for g in before["grants"] if g[0] != f"user.{w.extra.id}"]


# content checks of allowed reads

def check_list(doc, w, t, caller, panoptes, state):
    ids = [i for i, _a in primary(doc, "sets", panoptes)]
    sees = state != "unpublished" and RANK[level_of(caller, state)] >= RANK[VIEW]
    assert (str(t.set_id) in ids) == sees, ids


def check_drafts(doc, w, t, caller, panoptes, state):
    ids = [i for i, _a in primary(doc, "sets", panoptes)]
    assert (str(t.set_id) in ids) == (RANK[level_of(caller, state)] >= RANK[EDIT]), ids


def check_show(doc, w, t, caller, panoptes, state):
    [(_id, attributes)] = primary(doc, "sets", panoptes)
    assert attributes["title"] == ("Draft title" if state == "unpublished" else "Published title")


def check_versions(doc, w, t, caller, panoptes, state):
    got = [(i, a["state"]) for i, a in primary(doc, "set_versions", panoptes)]
    if state == "unpublished":
        want = [(str(t.draft), "draft")]
    else:
        want = [(str(t.published), "published"), (str(t.superseded), "superseded")]
        if RANK[level_of(caller, state)] >= RANK[EDIT]:
            want.insert(0, (str(t.draft), "draft"))  # newest first
    assert got == want


def check_items(doc, w, t, caller, panoptes, state):
    key = "layers" if panoptes and "layers" in doc else "items"
    got = [r["id"] for r in doc[key]] if panoptes else [r["id"] for r in doc["data"]]
    assert got == [str(w.layers[0])], doc


def check_version(which, title, state_name):
    def check(doc, w, t, caller, panoptes, state):
        [(id_, attributes)] = primary(doc, "set_versions", panoptes)
        assert id_ == str(getattr(t, which)) and attributes["state"] == state_name
        assert attributes["title"] == title
    return check


def check_grants(doc, w, t, caller, panoptes, state):
    got = sorted((a["principal"], a["permission"]) for _i, a in primary(doc, "set_permissions", panoptes))
    assert got == t.grants


def check_grant(doc, w, t, caller, panoptes, state):
    [(id_, attributes)] = primary(doc, "set_permissions", panoptes)
    assert id_ == str(t.grant) and attributes["principal"] == f"user.{w.extra.id}"


def check_task(doc, w, t, caller, panoptes, state):
    [(id_, attributes)] = primary(doc, "publishes", panoptes)
    assert id_ == str(t.task) and attributes["state"] == "completed"


def check_flat_versions(doc, w, t, caller, panoptes, state):
    level = RANK[level_of(caller, state)]
    if level >= RANK[EDIT] or (state != "unpublished" and level >= RANK[VIEW]):
        check_versions(doc, w, t, caller, panoptes, state)
    else:
        assert primary(doc, "set_versions", panoptes) == []


def check_flat_grants(doc, w, t, caller, panoptes, state):
    ids = {i for i, _a in primary(doc, "set_permissions", panoptes)}
    want = set(t.grant_ids) if RANK[level_of(caller, state)] >= RANK[ADMIN] else set()
    assert ids & set(t.grant_ids) == want


def check_flat_tasks(doc, w, t, caller, panoptes, state):
    ids = [i for i, _a in primary(doc, "publishes", panoptes)]
    assert ids == ([str(t.task)] if RANK[level_of(caller, state)] >= RANK[EDIT] else [])


def items_body(w, t, panoptes, which):
    layer = w.layers[which]
    if panoptes:
        return {"items": [{"type": "layers", "id": str(layer)}]}
    return {"data": [{"type": "layers", "id": str(layer)}]}


PUBLISHED_ONLY = ("published", "public")

ROWS = [
    Row("list", "GET", lambda w, t: "/api/sets/", VIEW, 200, listing=True, check=check_list),
    Row("drafts list", "GET", lambda w, t: "/api/sets/drafts/", EDIT, 200, listing=True, check=check_drafts),
    Row("show set", "GET", set_path(), VIEW, 200, check=check_show),
    Row("PATCH set", "PATCH", set_path(), EDIT, 200, effect=changed_title,
        body=lambda w, t, p: body("sets", {"title": "Changed"}, p, id_=t.set_id)),
    Row("PUT set", "PUT", set_path(), EDIT, 200, effect=changed_title, headers=if_match("sets", "set_id", True),
        body=lambda w, t, p: body("sets", {"title": "Changed"}, p, id_=t.set_id)),
    # without If-Match: 428 in the Panoptes dialect (after the rights are checked), optional in JSON:API
    Row("PUT set, no If-Match", "PUT", set_path(), EDIT, lambda s, p: 428 if p else 200,
        effect=lambda b, a, w, t, p: unchanged(b, a, w, t, p) if p else changed_title(b, a, w, t, p),
        body=lambda w, t, p: body("sets", {"title": "Changed"}, p, id_=t.set_id)),
    Row("DELETE set", "DELETE", set_path(), ADMIN, 204, effect=set_deleted, headers=if_match("sets", "set_id")),
    Row("items", "GET", set_path("items"), VIEW, 200, check=check_items),
    Row("POST links/items", "POST", set_path("links/items"), EDIT, lambda s, p: 200 if p else 204,
        effect=item_added, body=lambda w, t, p: items_body(w, t, p, 1)),
    Row("DELETE links/items", "DELETE",
        lambda w, t: f"/api/sets/{t.set_id}/links/items/layers.{w.layers[0]}", EDIT, 204, effect=item_removed),
    Row("versions", "GET", set_path("versions/"), VIEW, 200, check=check_versions),
    # a new draft is copied from the published content; a set with a draft (never published) refuses a second
    Row("POST versions", "POST", set_path("versions/"), EDIT, unpublished_or(409, 201), draft=False,
        body=lambda w, t, p: {}, effect=lambda b, a, w, t, p: (unchanged if t.state == "unpublished"
                                                                 else version_created)(b, a, w, t, p)),
    Row("show published version", "GET", version_path("published"), VIEW, 200, states=PUBLISHED_ONLY,
        check=check_version("published", "Published title", "published")),
    Row("show superseded version", "GET", version_path("superseded"), VIEW, 200, states=PUBLISHED_ONLY,
        check=check_version("superseded", "First title", "superseded")),
    Row("show draft version", "GET", version_path("draft"), EDIT, 200, hidden_below=EDIT,
        check=check_version("draft", "Draft title", "draft")),
    Row("PATCH draft version", "PATCH", version_path("draft"), EDIT, 200, hidden_below=EDIT, effect=draft_edited,
        body=lambda w, t, p: body("set_versions", {"title": "Changed"}, p, id_=t.draft)),
    Row("PATCH published version", "PATCH", version_path("published"), EDIT, 405, states=PUBLISHED_ONLY,
        effect=unchanged, body=lambda w, t, p: body("set_versions", {"title": "Changed"}, p, id_=t.published)),
    # discarding the only draft of a set never published would leave it empty: 409
    Row("DELETE draft version", "DELETE", version_path("draft"), EDIT, unpublished_or(409, 204), hidden_below=EDIT,
        headers=if_match("set_versions", "draft"),
        effect=lambda b, a, w, t, p: (unchanged if t.state == "unpublished" else draft_discarded)(b, a, w, t, p)),
    Row("versions/draft/", "GET", set_path("versions/draft/"), EDIT, 200, hidden_below=EDIT,
        check=check_version("draft", "Draft title", "draft")),
    Row("versions/published/", "GET", set_path("versions/published/"), VIEW, unpublished_or(404, 200),
        check=check_version("published", "Published title", "published")),
    Row("publish", "POST", version_path("draft", "publish/"), EDIT, 201, hidden_below=EDIT, states=PUBLISHED_ONLY,
        body=lambda w, t, p: {}, effect=draft_published),
    Row("publish never-published draft", "POST", version_path("draft", "publish/"), EDIT, 201, hidden_below=EDIT,
        states=("unpublished",), body=lambda w, t, p: {},
        effect=first_published),
    Row("GET permissions", "GET", set_path("permissions/"), ADMIN, 200, check=check_grants),
    Row("POST permissions", "POST", set_path("permissions/"), ADMIN, 201, effect=grant_added,
        body=lambda w, t, p: body("set_permissions", {"principal": f"user.{w.newcomer.id}", "permission": VIEW}, p)),
    Row("PUT permissions", "PUT", set_path("permissions/"), ADMIN, 200, effect=grants_replaced,
        body=lambda w, t, p: ({"set_permissions": [{"principal": f"user.{w.extra.id}", "permission": EDIT}]} if p
                              else {"data": [{"type": "set_permissions",
                                              "attributes": {"principal": f"user.{w.extra.id}", "permission": EDIT}}]})),
    Row("GET one grant", "GET", lambda w, t: f"/api/sets/{t.set_id}/permissions/{t.grant}/", ADMIN, 200,
        check=check_grant),
    Row("PATCH one grant", "PATCH", lambda w, t: f"/api/sets/{t.set_id}/permissions/{t.grant}/", ADMIN, 200,
        effect=grant_changed, body=lambda w, t, p: body("set_permissions", {"permission": EDIT}, p, id_=t.grant)),
    Row("DELETE one grant", "DELETE", lambda w, t: f"/api/sets/{t.set_id}/permissions/{t.grant}/", ADMIN, 204,
        effect=grant_deleted, headers=if_match("set_permissions", "grant")),
    Row("GET publish task", "GET", lambda w, t: f"/api/publishes/{t.task}/", EDIT, 200, hidden_below=EDIT,
        states=PUBLISHED_ONLY, check=check_task),
    # the flat lists and paths show the same things to the same callers (what they may not see is a 404)
    Row("flat versions list", "GET", lambda w, t: f"/api/set_versions/?filter[set_id]={t.set_id}", VIEW, 200,
        listing=True, check=check_flat_versions),
    Row("flat draft version", "GET", lambda w, t: f"/api/set_versions/{t.draft}/", EDIT, 200, hidden_below=EDIT,
        check=check_version("draft", "Draft title", "draft")),
    Row("flat PATCH draft version", "PATCH", lambda w, t: f"/api/set_versions/{t.draft}/", EDIT, 200,
        hidden_below=EDIT, effect=draft_edited,
        body=lambda w, t, p: body("set_versions", {"title": "Changed"}, p, id_=t.draft)),
    Row("flat grants list", "GET", lambda w, t: "/api/set_permissions/", ADMIN, 200, listing=True,
        check=check_flat_grants),
    Row("flat one grant", "GET", lambda w, t: f"/api/set_permissions/{t.grant}/", ADMIN, 200, hidden_below=ADMIN,
        check=check_grant),
    Row("flat publishes list", "GET", lambda w, t: f"/api/publishes/?filter[set_id]={t.set_id}", EDIT, 200,
        listing=True, states=PUBLISHED_ONLY, check=check_flat_tasks),
]


def expected_status(row, caller, state, panoptes):
    if row.listing:
        return 200
    level = RANK[level_of(caller, state)]
    sees_set = level >= RANK[EDIT] or (state != "unpublished" and level >= RANK[VIEW])
    refused = None
    if not sees_set or (row.hidden_below and level < RANK[row.hidden_below]):
        refused = 404
    elif level < RANK[row.need]:
        refused = 403
    if caller == "anonymous" and (row.write or refused == 403):
        return 401  # anonymous writes: 401, always; a visible set's grants need a token too
    return refused or row.status(state, panoptes)


def target_for(world, row, caller, state, want, shared):
    """(target, its state before the request). Reads, and writes expected to change nothing (refused ones),
    share a target per kind; a write expected to succeed gets a fresh one."""
    group_side = caller in GROUP_SIDE
    if row.write and want < 400:
        target = build_target(world, state, group_side, draft=row.draft)
        return target, snapshot(world, target.set_id)
    key = (state, group_side, row.draft)
    if key not in shared:
        target = build_target(world, state, group_side, draft=row.draft)
        shared[key] = (target, snapshot(world, target.set_id))
    return shared[key]


def run_matrix(client, world, state, panoptes, callers):
    """Every row for every caller; returns the failures and the number of checks made. The test client
    validates each JSON:API document against the specification's schema; that is done for the first answer
    of each kind (row, status), the rest go through a plain client, which keeps the matrix quick."""
    from flask.testing import FlaskClient

    plain = FlaskClient(world.app, world.app.response_class)
    validated = set()
    failures, assertions, shared = [], 0, {}
    for row in ROWS:
        if state not in row.states:
            continue
        for caller in callers:
            want = expected_status(row, caller, state, panoptes)
            target, before = target_for(world, row, caller, state, want, shared)
            person = world.person(caller)
            extra = row.headers(world, target, panoptes) if row.headers else {}
            payload = row.body(world, target, panoptes) if row.body else None
            through = plain if (row.name, want) in validated else client
            validated.add((row.name, want))
            response = send(through, row.method, row.path(world, target), person, payload, panoptes, **extra)
            assertions += 1
            if response.status_code != want:
                failures.append((row.name, caller, response.status_code, want,
                                 response.get_data(as_text=True)[:200]))
                shared.clear()  # whatever it did, later requests get targets it did not touch
                continue
            try:
                if want >= 400:
                    (assert_panoptes_error if panoptes else assert_jsonapi_error)(response, want)
                elif row.check and want == 200:
                    row.check(response.get_json(), world, target, caller, panoptes, state)
                if row.write:
                    after = snapshot(world, target.set_id)
                    if want >= 400 or row.effect is None:
                        if after != before:
                            shared.clear()
                        assert after == before, "a refused request changed something"
                    else:
                        row.effect(before, after, world, target, panoptes)
                assertions += 1
            except AssertionError as error:
                failures.append((row.name, caller, "content", str(error)[:300]))
    return failures, assertions


@pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])
@pytest.mark.parametrize("state", STATES)
def test_set_rights(app, client, people, state, panoptes):
    world = build_world(app, client, people)
    # group.everyone changes only what those without a level may do
    callers = CALLERS if state != "public" else ["anonymous", "stranger", "viewer", "editor", "owner"]
    failures, assertions = run_matrix(client, world, state, panoptes, callers)
    assert failures == [], "\n".join(map(repr, failures))
    assert assertions > 0


# -- the rules one at a time, through HTTP ----------------------------------------------------------

DIALECTS = pytest.mark.parametrize("panoptes", [False, True], ids=["jsonapi", "panoptes"])


def error(response, status, panoptes, contains=None):
    return (assert_panoptes_error if panoptes else assert_jsonapi_error)(response, status, contains=contains)


def grant_ids(client, set_id, person):
    response = send(client, "GET", f"/api/sets/{set_id}/permissions/", person)
    assert response.status_code == 200, response.get_json()
    return {d["attributes"]["principal"]: d["id"] for d in response.get_json()["data"]}


def listed(client, path, person, type_="sets", panoptes=False):
    response = send(client, "GET", path, person, panoptes=panoptes)
    assert response.status_code == 200, response.get_json()
    return [i for i, _a in primary(response.get_json(), type_, panoptes)]


@DIALECTS
def test_everyone_grant_opens_reads_to_anonymous(app, client, panoptes):
    owner, stranger = passwordless_user(app, "owner"), passwordless_user(app, "stranger")
    layer = create_item(client, owner)
    set_id, version = published_set(client, owner, items=[("layers", layer)])
    draft = create_set(client, owner, title="Never published")["id"]
    reads = [f"/api/sets/{set_id}/", f"/api/sets/{set_id}/versions/", f"/api/sets/{set_id}/versions/{version}/",
             f"/api/sets/{set_id}/versions/published/", f"/api/sets/{set_id}/items"]
    for who in (None, stranger):
        for path in reads:
            error(send(client, "GET", path, who, panoptes=panoptes), 404, panoptes)
        assert set_id not in listed(client, "/api/sets/", who, panoptes=panoptes)

    for id_ in (set_id, draft):
        response = send(client, "POST", f"/api/sets/{id_}/permissions/", owner,
                        body("set_permissions", {"principal": "group.everyone", "permission": VIEW}, panoptes),
                        panoptes)
        assert response.status_code == 201, response.get_json()
    for who in (None, stranger):
        for path in reads:
            assert send(client, "GET", path, who, panoptes=panoptes).status_code == 200, (who, path)
        ids = listed(client, "/api/sets/", who, panoptes=panoptes)
        assert set_id in ids and draft not in ids  # public, but only published sets are shown
        error(send(client, "GET", f"/api/sets/{draft}/", who, panoptes=panoptes), 404, panoptes)
    # reading is all it gives: anonymous writes are 401, a stranger's 403, and grants need a token / admin
    change = body("sets", {"title": "Mine"}, panoptes, id_=set_id)
    error(send(client, "PATCH", f"/api/sets/{set_id}/", None, change, panoptes), 401, panoptes)
    error(send(client, "PATCH", f"/api/sets/{set_id}/", stranger, change, panoptes), 403, panoptes)
    error(send(client, "POST", f"/api/sets/{set_id}/versions/", stranger, {}, panoptes), 403, panoptes)
    error(send(client, "GET", f"/api/sets/{set_id}/permissions/", None, panoptes=panoptes), 401, panoptes)
    error(send(client, "GET", f"/api/sets/{set_id}/permissions/", stranger, panoptes=panoptes), 403, panoptes)
    # a draft made now stays the editors' business
    new = send(client, "POST", f"/api/sets/{set_id}/versions/", owner, {}, panoptes)
    assert new.status_code == 201
    new_id = primary(new.get_json(), "set_versions", panoptes)[0][0]
    for who in (None, stranger):
        error(send(client, "GET", f"/api/sets/{set_id}/versions/draft/", who, panoptes=panoptes), 404, panoptes)
        error(send(client, "GET", f"/api/sets/{set_id}/versions/{new_id}/", who, panoptes=panoptes), 404, panoptes)
        assert listed(client, f"/api/sets/{set_id}/versions/", who, "set_versions", panoptes) == [version]
        assert set_id not in listed(client, "/api/sets/drafts/", who, panoptes=panoptes)
    assert set_id in listed(client, "/api/sets/drafts/", owner, panoptes=panoptes)
    # withdrawn, it is private again
    grant_id = grant_ids(client, set_id, owner)["group.everyone"]
    response = send(client, "DELETE", f"/api/sets/{set_id}/permissions/{grant_id}/", owner, None, panoptes,
                    **{"If-Match": etag(app, "set_permissions", int(grant_id))})
    assert response.status_code == 204
    for path in reads:
        error(send(client, "GET", path, None, panoptes=panoptes), 404, panoptes)


@DIALECTS
def test_everyone_may_only_view(app, client, panoptes):
    """group.everyone with edit or admin is a 422 however it is sent, and nothing changes."""
    owner = passwordless_user(app, "owner")
    set_id, _version = published_set(client, owner)
    everyone = grant(client, set_id, owner, "group.everyone", VIEW)
    before = grant_ids(client, set_id, owner)
    path = f"/api/sets/{set_id}/permissions/"
    for level in (EDIT, ADMIN):
        attributes = {"principal": "group.everyone", "permission": level}
        error(send(client, "POST", path, owner, body("set_permissions", attributes, panoptes), panoptes), 422, panoptes,
              contains="group.everyone")
        listing = {"set_permissions": [attributes]} if panoptes else {
            "data": [{"type": "set_permissions", "attributes": attributes}]}
        error(send(client, "PUT", path, owner, listing, panoptes), 422, panoptes, contains="group.everyone")
        error(send(client, "PATCH", f"{path}{everyone}/", owner,
                   body("set_permissions", {"permission": level}, panoptes, id_=everyone), panoptes), 422, panoptes,
              contains="group.everyone")
    assert grant_ids(client, set_id, owner) == before
    response = send(client, "GET", f"{path}{everyone}/", owner)
    assert response.get_json()["data"]["attributes"]["permission"] == VIEW


@DIALECTS
def test_group_grants(app, client, people, panoptes):
    """group.N gives its level to every member (admins and plain members alike) and to nobody else; a
    plain member of an owning group views, and a grant to that group raises it."""
    owner, alice, carol, bob = (passwordless_user(app, n) for n in ("owner", "alice", "carol", "bob"))
    readers = people.group("readers", carol, alice)
    set_id, _version = published_set(client, owner)
    grant_id = grant(client, set_id, owner, f"group.{readers}", VIEW)
    change = body("sets", {"title": "Changed"}, panoptes, id_=set_id)
    for who in (alice, carol):
        assert send(client, "GET", f"/api/sets/{set_id}/", who, panoptes=panoptes).status_code == 200
        assert set_id in listed(client, "/api/sets/", who, panoptes=panoptes)
        error(send(client, "PATCH", f"/api/sets/{set_id}/", who, change, panoptes), 403, panoptes)
        error(send(client, "GET", f"/api/sets/{set_id}/versions/draft/", who, panoptes=panoptes), 404, panoptes)
    error(send(client, "GET", f"/api/sets/{set_id}/", bob, panoptes=panoptes), 404, panoptes)
    assert set_id not in listed(client, "/api/sets/", bob, panoptes=panoptes)

    response = send(client, "PATCH", f"/api/sets/{set_id}/permissions/{grant_id}/", owner,
                    body("set_permissions", {"permission": EDIT}, panoptes, id_=grant_id), panoptes)
    assert response.status_code == 200, response.get_json()
    response = send(client, "PATCH", f"/api/sets/{set_id}/", alice, change, panoptes)
    assert response.status_code == 200, response.get_json()
    assert send(client, "GET", f"/api/sets/{set_id}/versions/draft/", carol, panoptes=panoptes).status_code == 200
    assert set_id in listed(client, "/api/sets/drafts/", alice, panoptes=panoptes)
    error(send(client, "GET", f"/api/sets/{set_id}/permissions/", alice, panoptes=panoptes), 403, panoptes)
    error(send(client, "PATCH", f"/api/sets/{set_id}/", bob, change, panoptes), 404, panoptes)

    # leaving the group takes the rights away
    from app.extensions import db
    from app.models import Membership
    with app.app_context():
        db.session.query(Membership).filter_by(user_group_id=readers, user_id=alice.id).delete()
        db.session.commit()
    error(send(client, "GET", f"/api/sets/{set_id}/", alice, panoptes=panoptes), 404, panoptes)

    # a plain member of the owning group views; a grant to that same group raises it to edit
    gwen, max_ = passwordless_user(app, "gwen"), passwordless_user(app, "max")
    team = people.group("team", gwen, max_)
    group_set, _v = published_set(client, gwen, group=str(team))
    assert send(client, "GET", f"/api/sets/{group_set}/", max_, panoptes=panoptes).status_code == 200
    error(send(client, "PATCH", f"/api/sets/{group_set}/", max_, body("sets", {"title": "T"}, panoptes, id_=group_set),
               panoptes), 403, panoptes)
    grant(client, group_set, gwen, f"group.{team}", EDIT)
    response = send(client, "PATCH", f"/api/sets/{group_set}/", max_,
                    body("sets", {"title": "T"}, panoptes, id_=group_set), panoptes)
    assert response.status_code == 200, response.get_json()
    error(send(client, "DELETE", f"/api/sets/{group_set}/", max_, None, panoptes, **{"If-Match": "*"}), 403, panoptes)


@DIALECTS
def test_implicit_rights_survive_an_empty_grant_list(app, client, people, panoptes):
    owner, viewer, editor, root = (passwordless_user(app, n, admin=(n == "root"))
                                   for n in ("owner", "viewer", "editor", "root"))
    gwen, max_ = passwordless_user(app, "gwen"), passwordless_user(app, "max")
    team = people.group("team", gwen, max_)
    user_set, _v = published_set(client, owner)
    group_set, _w = published_set(client, gwen, group=str(team))
    for id_ in (user_set, group_set):
        grant(client, id_, gwen if id_ == group_set else owner, f"user.{viewer.id}", VIEW)
        grant(client, id_, gwen if id_ == group_set else owner, f"user.{editor.id}", EDIT)
    empty = {"set_permissions": []} if panoptes else {"data": []}
    # a list naming the owner with less than admin cannot take admin away either
    demote = ({"set_permissions": [{"principal": f"user.{owner.id}", "permission": VIEW}]} if panoptes else
              {"data": [{"type": "set_permissions", "attributes": {"principal": f"user.{owner.id}", "permission": VIEW}}]})
    for id_, admin, replacing in [(user_set, owner, empty), (group_set, gwen, empty), (user_set, owner, demote)]:
        response = send(client, "PUT", f"/api/sets/{id_}/permissions/", admin, replacing, panoptes)
        assert response.status_code == 200, response.get_json()
        assert len(primary(response.get_json(), "set_permissions", panoptes)) == len(
            replacing["set_permissions" if panoptes else "data"])
        for who in (admin, root):
            assert send(client, "GET", f"/api/sets/{id_}/permissions/", who, panoptes=panoptes).status_code == 200
            response = send(client, "PATCH", f"/api/sets/{id_}/", who,
                            body("sets", {"title": f"By {who.login}"}, panoptes, id_=id_), panoptes)
            assert response.status_code == 200, response.get_json()
            draft = draft_id(client, id_, who)
            response = send(client, "POST", f"/api/sets/{id_}/versions/{draft}/publish/", who, {}, panoptes)
            assert response.status_code == 201, response.get_json()
        for who in (viewer, editor):
            error(send(client, "GET", f"/api/sets/{id_}/", who, panoptes=panoptes), 404, panoptes)
    # the plain member of the owning group still views it
    assert send(client, "GET", f"/api/sets/{group_set}/", max_, panoptes=panoptes).status_code == 200
    error(send(client, "GET", f"/api/sets/{group_set}/permissions/", max_, panoptes=panoptes), 403, panoptes)
    for id_, admin in ((user_set, owner), (group_set, gwen)):
        response = send(client, "DELETE", f"/api/sets/{id_}/", admin, None, panoptes, **{"If-Match": "*"})
        assert response.status_code == 204
        error(send(client, "GET", f"/api/sets/{id_}/", root, panoptes=panoptes), 404, panoptes)


@DIALECTS
def test_admin_grantee_giving_up_admin(app, client, panoptes):
    """An admin grantee may replace or lower its own grant: the change is made and answered, after which
    the permission endpoints refuse it."""
    owner, deputy, viewer = (passwordless_user(app, n) for n in ("owner", "deputy", "viewer"))
    set_id, _v = published_set(client, owner)
    grant(client, set_id, owner, f"user.{deputy.id}", ADMIN)
    mine = grant_ids(client, set_id, owner)[f"user.{deputy.id}"]
    response = send(client, "PATCH", f"/api/sets/{set_id}/permissions/{mine}/", deputy,
                    body("set_permissions", {"permission": VIEW}, panoptes, id_=mine), panoptes)
    assert response.status_code == 200, response.get_json()
    [(id_, attributes)] = primary(response.get_json(), "set_permissions", panoptes)
    assert id_ == mine and attributes["permission"] == VIEW
    error(send(client, "GET", f"/api/sets/{set_id}/permissions/", deputy, panoptes=panoptes), 403, panoptes)
    assert send(client, "GET", f"/api/sets/{set_id}/", deputy, panoptes=panoptes).status_code == 200

    # and a PUT without itself, on a set it then no longer sees at all
    other = create_set(client, owner, title="Unpublished")["id"]
    grant(client, other, owner, f"user.{deputy.id}", ADMIN)
    listing = [{"principal": f"user.{viewer.id}", "permission": VIEW}]
    sent = {"set_permissions": listing} if panoptes else {
        "data": [{"type": "set_permissions", "attributes": g} for g in listing]}
    response = send(client, "PUT", f"/api/sets/{other}/permissions/", deputy, sent, panoptes)
    assert response.status_code == 200, response.get_json()
    assert [a["principal"] for _i, a in primary(response.get_json(), "set_permissions", panoptes)] == [
        f"user.{viewer.id}"]
    assert list(grant_ids(client, other, owner)) == [f"user.{viewer.id}"]
    error(send(client, "GET", f"/api/sets/{other}/", deputy, panoptes=panoptes), 404, panoptes)


@DIALECTS
def test_grant_checks_come_after_rights(app, client, panoptes):
    """Who may not manage grants gets 403 (401 anonymous), never a 409 or 422 that tells about them."""
    owner, viewer, editor = (passwordless_user(app, n) for n in ("owner", "viewer", "editor"))
    set_id, _v = published_set(client, owner)
    grant(client, set_id, owner, f"user.{viewer.id}", VIEW)
    grant(client, set_id, owner, f"user.{editor.id}", EDIT)
    grant(client, set_id, owner, "group.everyone", VIEW)
    before = grant_ids(client, set_id, owner)
    path = f"/api/sets/{set_id}/permissions/"
    bodies = {"duplicate": {"principal": f"user.{viewer.id}", "permission": ADMIN},
              "everyone edit": {"principal": "group.everyone", "permission": EDIT},
              "unknown user": {"principal": "user.999999", "permission": VIEW},
              "self-promotion": {"principal": f"user.{editor.id}", "permission": ADMIN}}
    for name, attributes in bodies.items():
        for who, status in ((None, 401), (viewer, 403), (editor, 403)):
            response = send(client, "POST", path, who, body("set_permissions", attributes, panoptes), panoptes)
            assert response.status_code == status, (name, who and who.login, response.get_json())
            error(response, status, panoptes)
    wants = {"duplicate": 409, "everyone edit": 422, "unknown user": 422, "self-promotion": 409}
    for name, attributes in bodies.items():
        response = send(client, "POST", path, owner, body("set_permissions", attributes, panoptes), panoptes)
        error(response, wants[name], panoptes)
    assert grant_ids(client, set_id, owner) == before


@DIALECTS
def test_who_creates_sets_for_a_group(app, client, people, panoptes):
    gwen, max_, stranger, root = (passwordless_user(app, n, admin=(n == "root"))
                                  for n in ("gwen", "max", "stranger", "root"))
    team = people.group("team", gwen, max_)
    for who, status in ((None, 401), (stranger, 403), (max_, 403), (gwen, 201), (root, 201)):
        attributes = {"title": f"By {who.login if who else 'nobody'}", "description": "x", "group": str(team)}
        response = send(client, "POST", "/api/sets/", who, body("sets", attributes, panoptes), panoptes)
        assert response.status_code == status, (who and who.login, response.get_json())
        if status == 201:
            doc = response.get_json()
            owner = (doc["sets"][0]["links"]["owner"] if panoptes
                     else doc["data"]["relationships"]["owner"]["data"])
            assert owner["type"] == "user_groups" and owner["id"] == str(team)
        else:
            error(response, status, panoptes)
    # and for another user: only a site admin
    attributes = {"title": "For max", "description": "x", "user": str(max_.id)}
    error(send(client, "POST", "/api/sets/", gwen, body("sets", attributes, panoptes), panoptes), 403, panoptes)
    assert send(client, "POST", "/api/sets/", root, body("sets", attributes, panoptes), panoptes).status_code == 201
    titles = [a["title"] for _i, a in primary(send(client, "GET", "/api/sets/drafts/", root).get_json(), "sets", False)]
    assert sorted(titles) == ["By gwen", "By root", "For max"]


ITEM_CALLERS = {"anonymous": 401, "stranger": 403, "owner": None, "member": None, "site_admin": None}


@DIALECTS
@pytest.mark.parametrize("type_", ["layers", "tables", "documents"])
def test_item_rights(app, client, people, type_, panoptes):
    """Layers, tables and documents: anyone reads; the owner (a user, or any member of an owning group) or a
    site admin changes and deletes; 403 to other signed-in callers, 401 to anonymous ones."""
    owner, stranger, gwen, member = (passwordless_user(app, n) for n in ("owner", "stranger", "gwen", "member"))
    people_by = {"anonymous": None, "stranger": stranger, "owner": owner, "member": member,
                 "site_admin": passwordless_user(app, "root", admin=True)}
    team = people.group("team", gwen, member)

    def make(caller):
        relationships = {"owner": {"data": {"type": "user_groups", "id": str(team)}}} if caller == "member" else None
        response = send(client, "POST", f"/api/{type_}/", gwen if caller == "member" else owner,
                        jsonapi_body(type_, {"title": "Original"}, relationships))
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]["id"]

    def title(id_):
        response = send(client, "GET", f"/api/{type_}/{id_}/", people_by["site_admin"])
        return response.get_json()["data"]["attributes"]["title"] if response.status_code == 200 else None

    for caller, refused in ITEM_CALLERS.items():
        who = people_by[caller]
        id_ = make(caller)
        assert send(client, "GET", f"/api/{type_}/{id_}/", who, panoptes=panoptes).status_code == 200
        assert id_ in listed(client, f"/api/{type_}/", who, type_, panoptes)
        tag = {"If-Match": etag(app, type_, int(id_))}
        method = "PUT" if panoptes else "PATCH"
        response = send(client, method, f"/api/{type_}/{id_}/", who,
                        body(type_, {"title": "Changed"}, panoptes, id_=id_), panoptes, **tag)
        if refused:
            error(response, refused, panoptes)
            assert title(id_) == "Original"
        else:
            assert response.status_code == 200, (caller, response.get_json())
            assert title(id_) == "Changed"
        response = send(client, "DELETE", f"/api/{type_}/{id_}/", who, None, panoptes, **{"If-Match": "*"})
        if refused:
            error(response, refused, panoptes)
            assert title(id_) == "Original"
        else:
            assert response.status_code == 204, (caller, response.get_data(as_text=True))
            assert title(id_) is None
