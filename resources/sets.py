"""layers, tables, documents, sets, set_versions, publishes and set_permissions (API §7.4)."""
import dataclasses
import re
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import current_app, g
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from app.auth import current_caller
from app.engine.actions import Action, Alias, Deferred, Listing
from app.engine.body import load_attributes, parse_identifier
from app.engine.errors import ApiError, combine, invalid
from app.engine.filters import Equals, id_number
from app.engine.http import context
from app.engine.nesting import Parent
from app.engine.registry import RESOURCES
from app.engine.relations import PolymorphicToMany, ToMany, ToOne, WritesThrough
from app.engine.resource import Resource
from app.engine.rows import bump_version
from app.extensions import db
from app.models import User, UserGroup
from app.models.sets import (
    CONTENT_FIELDS, DataTable, Document, Layer, Publish, Set, SetItem, SetPermission, SetVersion, SetVersionItem,
)
from app.operations import UPDATE, Outcome
from app.policies import OwnedPolicy
from app.policies.sets import (
    ADMIN, ADMIN_OF, EDIT, EVERYONE, VIEW, SetChildPolicy, SetPolicy, SetVersionPolicy, require_level, sets_at,
)
from app.services import set_content, set_versions
from app.services.markdown import render_markdown
from app.services.set_versions import Transition
from resources.owners import default_owner, owner_filter, owner_relation
from schemas.sets import (
    DocumentSchema, LayerSchema, PublishSchema, SetPermissionSchema, SetSchema, SetVersionSchema, TableSchema,
)


@contextmanager
def version_rules():
    """A refused move of the version state machine becomes the client error it names."""
    try:
        yield
    except Transition as refused:
        raise ApiError(refused.status, refused.message, code="version_state") from refused


# -- items ---------------------------------------------------------------------------------------

class ItemResource(Resource):
    """What layers, tables and documents share: a title, a description and an owner."""

    policy = OwnedPolicy()
    trailing_slash = True
    sorts = ("title", "created_at", "updated_at")

    def __init__(self):
        self.relations = {"owner": owner_relation(self.model)}
        self.filters = {"owner": owner_filter(self.model), "title": Equals(self.model.title)}
        super().__init__()

    def prepare(self, write):
        if write.creating:
            default_owner(write)


class Layers(ItemResource):
    type, model, schema = "layers", Layer, LayerSchema


class Tables(ItemResource):
    type, model, schema = "tables", DataTable, TableSchema


class Documents(ItemResource):
    type, model, schema = "documents", Document, DocumentSchema


ITEM_URL = re.compile(r"^/(layers|tables|documents)/([1-9][0-9]{0,17})/?$")


def items_from_urls(value, pointer):
    """``items`` as the specification gives them: item URLs (absolute under this API, or relative, with or
    without the trailing slash), resource identifiers allowed too."""
    if not isinstance(value, list):
        raise invalid(pointer, "items: must be a list of item URLs (…/layers/2/) or resource identifiers.")
    root = context().root
    root_path = urlsplit(root).path
    relation = RESOURCES["sets"].relations["items"]
    linkage, bad = [], []
    for number, entry in enumerate(value):
        if isinstance(entry, dict):
            linkage.append(parse_identifier(relation, entry, f"{pointer}/{number}", False))
            continue
        text = entry.strip() if isinstance(entry, str) else ""
        if text.startswith(root + "/"):
            text = text[len(root):]
        elif text.startswith(root_path + "/"):
            text = text[len(root_path):]
        elif not text.startswith("/") and "://" not in text:
            text = "/" + text
        match = ITEM_URL.match(text)
        if match is None:
            bad.append(entry)
        else:
            linkage.append((match.group(1), int(match.group(2))))
    if bad:
        listed = ", ".join(repr(b) for b in bad)
        raise invalid(pointer, f"items: not the URL of a layer, table or document of this API: {listed}.",
                      code="invalid_item")
    return linkage


def owner_input(type_name, label):
    """``user`` or ``group`` as the specification gives them: an id, a URL, or an object with an id."""

    def read(value, pointer):
        if isinstance(value, dict):
            value = value.get("id", value.get("url"))
        text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
        match = re.search(rf"(?:^|/){type_name}/([^/]+)/?$", text)
        number = id_number(match.group(1) if match else text)
        if number is None:
            raise invalid(pointer, f"{label}: {value!r} is not a {label} id or URL.", code="invalid_owner")
        return (type_name, number)

    return read


# -- sets ----------------------------------------------------------------------------------------

def _item_columns(model):
    return {"layers": model.layer_id, "tables": model.table_id, "documents": model.document_id}


version_items = PolymorphicToMany(SetVersionItem.version_id, _item_columns(SetVersionItem), SetVersionItem.id,
                                  add_action="link", remove_action="unlink")


def editable_draft_id(set_id):
    """The draft a change of the set's content goes to (made from the published content if there is none)."""
    set_obj = db.session.get(Set, set_id)
    with version_rules():
        draft = set_content.editable_draft(set_obj, current_caller().user_id)
    db.session.flush()
    return draft.id


class ShownItems(WritesThrough, PolymorphicToMany):
    """The items a set shows; changes go to its draft, like every change of a set's content."""


def set_pages(ids, caller):
    site = current_app.config.get("SITE_URL") or context().root[: -len("/api")]
    return {i: f"{site}/set/{i}/" for i in ids}


VERSIONED = set(CONTENT_FIELDS) - {"description_html"}


def visible_set(set_id, caller):
    """The set of a nested URL if the caller may read it, else 404."""
    return find_visible(RESOURCES["sets"], set_id, caller)


def draft_sets(caller):
    """Sets whose latest version is a draft the caller may edit."""
    where = [Set.latest_version_id.in_(select(SetVersion.id).where(SetVersion.state.in_(set_content.ACTIVE)))]
    editable = sets_at(caller, EDIT)
    return where if editable is None else [*where, editable]


def changes_items(write):
    return "items" in write.relations or (write.op.relation is not None and write.op.relation.name == "items")


class Sets(Resource):
    type = "sets"
    model = Set
    schema = SetSchema
    policy = SetPolicy()
    trailing_slash = True
    relations = {
        "owner": owner_relation(Set),
        "items": ShownItems(SetItem.set_id, _item_columns(SetItem), SetItem.id, add_action="link",
                            remove_action="unlink", writes_to=version_items, row=editable_draft_id),
        "versions": ToMany(SetVersion.set_id, SetVersion.id, SetVersion.id.desc(), link_table=False, related=False),
        "latest_version": ToOne(Set.latest_version_id),
        "published_version": ToOne(Set.published_version_id),
        "permissions": ToMany(SetPermission.set_id, SetPermission.id, SetPermission.id, link_table=False,
                              related=False),
    }
    filters = {"owner": owner_filter(Set), "title": Equals(Set.title)}
    sorts = ("title", "created_at", "updated_at")
    computed = {"url_html": set_pages}
    attribute_relations = {
        "items": items_from_urls,
        "user": ("owner", owner_input("users", "user")),
        "group": ("owner", owner_input("user_groups", "group")),
    }
    actions = (Listing("drafts", draft_sets, doc=draft_sets.__doc__),)

    def list_constraints(self, parents, caller):
        return (Set.published_version_id.is_not(None),), None

    def prepare(self, write):
        if write.creating:
            default_owner(write)
            write.obj.description_html = render_markdown(write.obj.description)
        elif write.kind == UPDATE:
            self._content_to_draft(write)

    def finish(self, write):
        if write.creating and set_content.active_draft(write.obj.id) is None:
            set_content.new_draft(write.obj, write.caller.user_id)
        if changes_items(write):
            set_content.show_draft_change(editable_draft_id(write.obj.id))

    @staticmethod
    def _content_to_draft(write):
        """Content goes to the set's draft; the set shows it only while it was never published."""
        values = write.values
        content = {name: values.pop(name) for name in list(values) if name in VERSIONED}
        if not content:
            return
        with version_rules():
            draft = set_content.editable_draft(write.obj, write.caller.user_id)
        for name, value in content.items():
            setattr(draft, name, value)
        if "description" in content:
            draft.description_html = render_markdown(content["description"])
        db.session.flush()
        set_content.show_draft_change(draft.id)


# -- versions ------------------------------------------------------------------------------------

def version_in(states):
    def find(set_obj, caller):
        query = select(SetVersion.id).where(SetVersion.set_id == set_obj.id, SetVersion.state.in_(states))
        scope = RESOURCES["set_versions"].policy.scope(caller, RESOURCES["set_versions"])
        # a viewer's 404 names the shortcut, not the draft it may not see
        return db.session.scalar(query if scope is None else query.where(scope))
    return find


def publish_version(write):
    version = write.obj
    set_obj = db.session.get(Set, version.set_id)
    with version_rules():
        set_content.publish(set_obj, version)
    task = Publish(set_id=set_obj.id, version_id=version.id, created_by_id=write.caller.user_id, state="completed")
    db.session.add(task)
    db.session.flush()
    return Outcome(RESOURCES["publishes"], task.id, 201)


def begin_publish(write):
    """With Prefer: respond-async: the draft is ``publishing`` and its task under way until the job ends."""
    version = write.obj
    with version_rules():
        set_content.begin_publish(version)
    task = Publish(set_id=version.set_id, version_id=version.id, created_by_id=write.caller.user_id,
                   state="publishing")
    db.session.add(task)
    db.session.flush()
    return {"publish_id": task.id}


def complete_publish(write, begun):
    version, task = write.obj, db.session.get(Publish, begun["publish_id"])
    with version_rules():
        set_content.complete_publish(db.session.get(Set, version.set_id), version)
    task.state = "completed"
    db.session.flush()
    return Outcome(RESOURCES["publishes"], task.id, 201)


def fail_publish(begun, errors):
    """The job failed: the task is ``errored`` with the reasons, the version a draft again."""
    task = db.session.get(Publish, begun["publish_id"])
    db.session.execute(select(Set.id).where(Set.id == task.set_id).with_for_update())   # the set first, always
    version = db.session.get(SetVersion, task.version_id)
    if version.state == set_versions.PUBLISHING:
        set_content.fail_publish(version)
    task.state, task.error = "errored", "; ".join(e["detail"] for e in errors)
    db.session.flush()


class SetVersions(Resource):
    type = "set_versions"
    model = SetVersion
    schema = SetVersionSchema
    policy = SetVersionPolicy()
    trailing_slash = True
    relations = {
        "set": ToOne(SetVersion.set_id),
        "items": version_items,
        "created_by": ToOne(SetVersion.created_by_id),
    }
    filters = {"set_id": Equals(SetVersion.set_id, "id"), "state": Equals(SetVersion.state)}
    sorts = ("created_at", "updated_at")
    attribute_relations = {"items": items_from_urls}
    actions = (
        Alias("draft", version_in(set_content.ACTIVE), doc="The set's draft (404 when it has none)"),
        Alias("published", version_in(("published",)), doc="The set's published version (404 when it has none)"),
        Action("publish", publish_version, needs="publish", of="publishes", status=201, location=True,
               doc="Publish the draft at once; answers the completed task (Prefer: respond-async: 202 with a "
                   "job, the version publishing and its task under way until the job completes them)",
               long=Deferred(begin_publish, complete_publish, fail_publish)),
    )
    parent = Parent("sets", SetVersion.set_id, "versions", flat="set_versions", lock=True)
    default_order = [SetVersion.id.desc()]
    create_body_optional = True  # POST …/versions/ opens a draft; a body, if any, edits it
    write_refusals = {"405": "The version is no longer a draft: only a draft is edited or deleted",
                      "409": "The version is being published, already deleted, or the set already has a draft"}

    def make(self, write):
        """A new draft, copied from the published content."""
        require_level(write.caller, write.parent, EDIT, "create a version")
        with version_rules():
            try:
                return set_content.new_draft(write.parent, write.caller.user_id)
            except IntegrityError:
                db.session.rollback()
                raise Transition(409, set_versions.ALREADY_DRAFT)

    def prepare(self, write):
        if not write.creating:
            with version_rules():
                set_versions.check_editable(write.obj.state)
        if "description" in write.values:
            write.obj.description_html = render_markdown(write.values["description"])

    def finish(self, write):
        db.session.flush()
        set_content.show_draft_change(write.obj.id)

    def remove(self, write):
        """DELETE of a version discards the draft (it stays readable); the set reverts to its published version."""
        with version_rules():
            set_content.discard(db.session.get(Set, write.obj.set_id), write.obj)


# -- publish tasks and permissions --------------------------------------------------------------

class Publishes(Resource):
    type = "publishes"
    model = Publish
    schema = PublishSchema
    policy = SetChildPolicy(EDIT, manage=False)
    trailing_slash = True
    relations = {
        "set": ToOne(Publish.set_id),
        "version": ToOne(Publish.version_id),
        "created_by": ToOne(Publish.created_by_id),
    }
    filters = {"state": Equals(Publish.state), "set_id": Equals(Publish.set_id, "id")}
    sorts = ("created_at", "updated_at")
    creatable = False
    deletable = False


def may_manage_grants(write):
    require_level(write.caller, write.parent, ADMIN, "change its permissions")


def replace_grants(write):
    set_obj, caller, grants = write.parent, write.caller, write.op.input
    db.session.execute(delete(SetPermission).where(SetPermission.set_id == set_obj.id))
    if grants:
        db.session.execute(insert(SetPermission), [
            {"set_id": set_obj.id, "principal": p, "permission": level} for p, level in grants])
    bump_version(RESOURCES["sets"], set_obj.id)
    answer_as_admin(caller, set_obj.id)
    return Outcome(RESOURCES["sets"], set_obj.id)


def answer_as_admin(caller, set_id):
    """A grant write that was allowed and made is answered with what it wrote, even when it took away the
    caller's own admin level on the set (an admin grantee PUTting a list without itself, or PATCHing its own
    grant down): a 404 would say nothing changed. Only the rest of this request, the answer, keeps the
    level, and only on this set."""
    g.caller = dataclasses.replace(caller, extra={**caller.extra, ADMIN_OF: {set_id}})


def read_grants(dialect, resource, body):
    """The grant list of a PUT, in either dialect, every problem reported at once."""
    entries, errors = dialect.read_list(resource, body)
    grants, seen = [], set()
    for entry, base in entries:
        if not isinstance(entry, dict):
            errors.append(invalid(base, "A grant is an object with principal and permission.", code="invalid_grant"))
            continue
        attrs = {k: v for k, v in entry.items() if k not in resource.read_only}
        try:
            values = load_attributes(resource, attrs, base)
        except ApiError as exc:
            errors.extend(exc.objects())
            continue
        problem = grant_problem(values["principal"], values["permission"])
        if problem is None and values["principal"] in seen:
            problem = f"{values['principal']} is granted twice."
        if problem:
            errors.append(invalid(f"{base}/principal", problem, code="invalid_grant"))
            continue
        seen.add(values["principal"])
        grants.append((values["principal"], values["permission"]))
    if errors:
        raise combine(errors)
    return grants


def grant_problem(principal, permission):
    """Why a grant cannot be made (None: it can)."""
    if principal == EVERYONE:
        return None if permission == VIEW else "group.everyone may only be granted view."
    kind, _dot, number = principal.partition(".")
    model = User if kind == "user" else UserGroup
    if db.session.get(model, int(number)) is None:
        return f"{principal}: there is no such {'user' if kind == 'user' else 'group'}."
    return None


class SetPermissions(Resource):
    type = "set_permissions"
    model = SetPermission
    schema = SetPermissionSchema
    policy = SetChildPolicy(ADMIN)
    trailing_slash = True
    relations = {"set": ToOne(SetPermission.set_id)}
    filters = {"principal": Equals(SetPermission.principal), "permission": Equals(SetPermission.permission)}
    sorts = ("created_at", "updated_at", "principal")
    parent = Parent("sets", SetPermission.set_id, "permissions", flat="set_permissions",
                    guard=lambda caller, set_obj: require_level(caller, set_obj, ADMIN, "see its permissions"))
    actions = (Action("replace", replace_grants, path="", on="list", method="PUT", guard=may_manage_grants, read=read_grants,
                      answers="list", body="list",
                      doc="The list sent replaces every direct grant; answers the new list",
                      refusals=(("422", "A principal names no user or group, a principal is granted twice, or "
                                        "group.everyone is granted more than view"),)),)

    def prepare(self, write):
        if write.creating:
            # rights first: a caller who may not manage grants learns nothing from a 409 or 422 about them
            require_level(write.caller, write.parent, ADMIN, "change its permissions")
            self._check(write.obj, write)
        elif write.kind == UPDATE:
            obj, values = write.obj, write.values
            merged = type("Grant", (), {"set_id": obj.set_id, "id": obj.id,
                                        "principal": values.get("principal", obj.principal),
                                        "permission": values.get("permission", obj.permission)})
            self._check(merged, write)

    def finish(self, write):
        answer_as_admin(write.caller, write.obj.set_id)

    def _check(self, grant, write):
        pointer = write.pointer("principal")
        problem = grant_problem(grant.principal, grant.permission)
        if problem:
            raise invalid(pointer, problem, code="invalid_grant")
        other = db.session.scalar(select(SetPermission.id).where(
            SetPermission.set_id == grant.set_id, SetPermission.principal == grant.principal,
            SetPermission.id != (grant.id or 0)))
        if other is not None:
            raise ApiError(409, f"{grant.principal} already has a grant on this set; change that one, or PUT the "
                           "whole list.", code="duplicate_grant", pointer=pointer)
