"""Rights in the Collections family (API §7.1)."""
from sqlalchemy import false, null, or_, select

from app.engine.errors import ApiError
from app.extensions import db
from app.models import Collection, CollectionRole
from app.policies import ALL, READ, FamilyRule, OwnedPolicy, Policy, RulePolicy, Rights, forbidden, member_groups

OWNER_POLICIES = ("access", "write", "manage", "delete")
EDITING = READ | {"update", "destroy", "link", "unlink"}
# standing → (actions, policies); API §7.1 for the actions, the Image Sets API for the policies field
STANDINGS = {
    "owner": Rights(ALL, OWNER_POLICIES),
    "collaborator": Rights(EDITING, ("access", "write")),
    "contributor": Rights(READ | {"link"}, ("access",)),
    "role": Rights(READ, ("access",)),   # any other collection role
    None: Rights(READ),                   # a public collection, no standing
}


def owns_collection(caller):
    """Condition on collections: the caller owns it, directly or through a group it is a member of."""
    return or_(Collection.owner_user_id == caller.user_id, Collection.owner_group_id.in_(member_groups(caller.user_id)))


def with_role(caller):
    """Condition on collections: the caller holds a collection role on it."""
    return Collection.id.in_(select(CollectionRole.collection_id).where(CollectionRole.user_id == caller.user_id))


def collection_access(caller):
    """Condition on collections: the caller may access it as one it is shared with (owner or any role)."""
    return or_(owns_collection(caller), with_role(caller))


def held_roles(caller):
    """The roles of the caller's collection role on a collection (NULL when it has none), as a column."""
    return select(CollectionRole.roles).where(
        CollectionRole.collection_id == Collection.id, CollectionRole.user_id == caller.user_id
    ).scalar_subquery()


def standing(caller, owns, roles):
    """The caller's standing on a collection from the facts: owns it, the roles it holds there."""
    held = set(roles or [])
    if caller.admin or owns or "owner" in held:
        return "owner"
    for role in ("collaborator", "contributor"):
        if role in held:
            return role
    return "role" if held else None


class CollectionRule(FamilyRule):
    """Read = public, or owned, or a role on it; the rest by standing (STANDINGS)."""
    model = Collection

    def facts(self, caller):
        if caller.anonymous:
            return false().label("owns"), null().label("roles")
        return owns_collection(caller).label("owns"), held_roles(caller).label("roles")

    def grant(self, caller, owns, roles):
        return STANDINGS[standing(caller, owns, roles)]

    def visible(self, caller):
        if caller.admin:
            return None
        if caller.anonymous:
            return Collection.private == false()
        return or_(Collection.private == false(), collection_access(caller))


COLLECTIONS = CollectionRule()


def collection_policies(ids, caller):
    """``policies`` of a page of collections, in one statement (none for anonymous callers)."""
    if caller.anonymous:
        return {i: [] for i in ids}
    return COLLECTIONS.policies_of(ids, caller)


def visible_collections(caller):
    return COLLECTIONS.visible(caller)


class CollectionPolicy(RulePolicy):
    rule = COLLECTIONS
    create_reads_body = True

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
        return collection is not None and "manage" in COLLECTIONS.rights_on(caller, collection).policies

    def actions(self, caller, obj):
        return ALL if self._manages(caller, obj.collection_id) else READ

    def may_create(self, caller, obj, inp):
        if obj.collection_id is None or obj.user_id is None:
            raise ApiError(422, "A collection role needs both a collection and a user.", code="invalid",
                           pointer="/data/relationships")
        if not self._manages(caller, obj.collection_id):
            raise forbidden("manage roles on", detail="Only the collection's owners may manage its roles.")
