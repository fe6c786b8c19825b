"""Rights in the Collections family (API §7.1)."""
from sqlalchemy import false, null, or_, select

from app.engine.errors import ApiError
from app.extensions import db
from app.models import Collection, CollectionRole
from app.policies import ALL, READ, OwnedPolicy, Policy, forbidden, member_groups, owns

EDITORS = {"owner", "collaborator"}
LINKERS = EDITORS | {"contributor"}


def visible_collections(caller):
    """Condition on the collections table: what the caller may read."""
    table = Collection.__table__
    if caller.admin:
        return None
    if caller.anonymous:
        return table.c.private == false()
    return or_(
        table.c.private == false(),
        table.c.owner_user_id == caller.user_id,
        table.c.owner_group_id.in_(member_groups(caller.user_id)),
        table.c.id.in_(select(CollectionRole.collection_id).where(CollectionRole.user_id == caller.user_id)),
    )


def roles_on(caller, collection):
    """The caller's roles on a collection: "owner" through ownership, plus any collection role."""
    if caller.anonymous:
        return set()
    roles = {"owner"} if owns(caller, collection) else set()
    row = db.session.execute(
        select(CollectionRole.roles).where(
            CollectionRole.collection_id == collection.id, CollectionRole.user_id == caller.user_id
        )
    ).first()
    if row is not None:
        roles.update(row[0] or [])
    return roles


def caller_columns(caller):
    """Two columns for a query over collections: does the caller own it (directly or through a group),
    and the roles of the caller's collection role on it (NULL when there is none)."""
    if caller.anonymous:
        return false().label("owns"), null().label("roles")
    owns = or_(Collection.owner_user_id == caller.user_id,
               Collection.owner_group_id.in_(member_groups(caller.user_id))).label("owns")
    roles = select(CollectionRole.roles).where(
        CollectionRole.collection_id == Collection.id, CollectionRole.user_id == caller.user_id
    ).scalar_subquery().label("roles")
    return owns, roles


def collection_policies(ids, caller):
    """``policies`` of a page of collections, in one statement (none for anonymous callers)."""
    if caller.anonymous:
        return {i: [] for i in ids}
    owns, roles = caller_columns(caller)
    rows = db.session.execute(select(Collection.id, owns, roles).where(Collection.id.in_(list(ids))))
    result = {}
    for cid, own, held in rows:
        held = set(held or [])
        if caller.admin or own or "owner" in held:
            result[cid] = ["access", "write", "manage", "delete"]
        elif "collaborator" in held:
            result[cid] = ["access", "write"]
        elif held:
            result[cid] = ["access"]
        else:
            result[cid] = []
    return result


class CollectionPolicy(Policy):
    create_reads_body = True
    def scope(self, caller, resource):
        return visible_collections(caller)

    def actions(self, caller, obj):
        if caller.admin:
            return ALL
        roles = roles_on(caller, obj)
        actions = set(READ)
        if roles & EDITORS:
            actions |= {"update", "destroy", "link", "unlink"}
        if roles & LINKERS:
            actions.add("link")
        return actions

    def may_create(self, caller, obj, inp):
        OwnedPolicy.may_create(self, caller, obj, inp)


class CollectionRolePolicy(Policy):
    """Roles are seen by whoever sees the collection and managed by its owners."""
    create_reads_body = True

    def scope(self, caller, resource):
        condition = visible_collections(caller)
        if condition is None:
            return None
        visible = select(Collection.id).where(condition)
        return resource.table.c.collection_id.in_(visible)

    def _manages(self, caller, collection_id):
        if caller.admin:
            return True
        collection = db.session.get(Collection, collection_id)
        return collection is not None and "owner" in roles_on(caller, collection)

    def actions(self, caller, obj):
        return ALL if self._manages(caller, obj.collection_id) else READ

    def may_create(self, caller, obj, inp):
        if obj.collection_id is None or obj.user_id is None:
            raise ApiError(422, "A collection role needs both a collection and a user.", code="invalid",
                           pointer="/data/relationships")
        if not self._manages(caller, obj.collection_id):
            raise forbidden("manage roles on", detail="Only the collection's owners may manage its roles.")
