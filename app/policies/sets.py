"""Rights in the Sets family (API §7.4).

Levels are linear: view < edit < admin. A caller's level on a set is the highest of:

- admin: site admins, the owning user, and the admins of an owning group (the group's owners);
- view: the other members of an owning group;
- each direct grant that names the caller: ``user.N``, ``group.N`` of a group the caller belongs to,
  ``group.everyone`` (anyone, signed in or not; view only).

Viewers see published content; editors also see drafts and do version work; admins manage grants
and delete the set. Implicit rights are never stored, so replacing the grants cannot remove them.
"""
from flask import g, has_request_context
from sqlalchemy import and_, or_, select

from app.engine.errors import ApiError
from app.extensions import db
from app.models.people import GROUP_ADMIN, Membership
from app.models.sets import PERMISSIONS, Set, SetPermission, SetVersion
from app.policies import READ, Policy, forbidden, member_groups

VIEW, EDIT, ADMIN = PERMISSIONS
RANK = {None: 0, VIEW: 1, EDIT: 2, ADMIN: 3}
EVERYONE = "group.everyone"
ADMIN_OF = "admin_of_sets"  # Caller.extra key: sets the caller keeps admin on for the rest of a request
PUBLIC_STATES = ("published", "superseded")


def caller_groups(caller):
    """{group id: role} of the caller's memberships, read once per request."""
    if caller.anonymous:
        return {}
    cache = g.setdefault("set_caller_groups", {}) if has_request_context() else {}
    if caller.user_id not in cache:
        rows = db.session.execute(
            select(Membership.user_group_id, Membership.role).where(Membership.user_id == caller.user_id))
        cache[caller.user_id] = dict(rows.all())
    return cache[caller.user_id]


def principals(caller):
    """The grant principals that name this caller."""
    if caller.anonymous:
        return [EVERYONE]
    return [EVERYONE, f"user.{caller.user_id}", *(f"group.{gid}" for gid in caller_groups(caller))]


def sets_at(caller, level):
    """Condition on the sets table: the caller holds at least ``level`` (None: every set)."""
    if caller.admin:
        return None
    granted = [p for p, r in RANK.items() if p and r >= RANK[level]]
    conditions = [Set.id.in_(select(SetPermission.set_id).where(
        SetPermission.principal.in_(principals(caller)), SetPermission.permission.in_(granted)))]
    if caller.extra.get(ADMIN_OF):
        conditions.append(Set.id.in_(caller.extra[ADMIN_OF]))
    if not caller.anonymous:
        conditions.append(Set.owner_user_id == caller.user_id)
        owning_roles = None if level == VIEW else GROUP_ADMIN
        conditions.append(Set.owner_group_id.in_(member_groups(caller.user_id, owning_roles)))
    return or_(*conditions)


def set_scope(caller):
    """The sets a caller may read: published ones it may view, and any it may edit."""
    if caller.admin:
        return None
    return or_(and_(Set.published_version_id.is_not(None), sets_at(caller, VIEW)), sets_at(caller, EDIT))


def level_on(caller, set_obj):
    """The caller's level on one set: None, view, edit or admin, by the conditions ``sets_at`` states (one
    statement)."""
    if caller.admin:
        return ADMIN
    levels = (ADMIN, EDIT, VIEW)
    held = db.session.execute(select(*(sets_at(caller, level) for level in levels))
                              .where(Set.id == set_obj.id)).first()
    return next((level for level, yes in zip(levels, held or ()) if yes), None)


def at_least(caller, set_obj, level):
    return RANK[level_on(caller, set_obj)] >= RANK[level]


def require_level(caller, set_obj, level, doing):
    if not at_least(caller, set_obj, level):
        if caller.anonymous:  # a visible set, a token needed (§5: 403 is for the authenticated)
            raise ApiError(401, "You must be logged in to access this resource.", code="not_authenticated",
                           headers={"WWW-Authenticate": 'Bearer realm="api"'})
        raise forbidden(doing, detail=f"You need {level} permission on this set to {doing}.")


class SetPolicy(Policy):
    create_reads_body = True
    def scope(self, caller, resource):
        return set_scope(caller)

    def actions(self, caller, obj):
        level = RANK[level_on(caller, obj)]
        actions = set(READ)
        if level >= RANK[EDIT]:
            actions |= {"update", "link", "unlink"}
        if level >= RANK[ADMIN]:
            actions.add("destroy")
        return actions

    def may_create(self, caller, obj, inp):
        if caller.admin or obj.owner_user_id == caller.user_id:
            return
        if obj.owner_group_id is not None and caller_groups(caller).get(obj.owner_group_id) == GROUP_ADMIN:
            return
        raise forbidden("create", detail="A set is owned by yourself or by a group you are an admin of.")


def version_scope(caller):
    """Versions of sets the caller may edit, and the published and superseded versions of sets it may view."""
    if caller.admin:
        return None
    viewable = select(Set.id).where(sets_at(caller, VIEW))
    editable = select(Set.id).where(sets_at(caller, EDIT))
    return or_(SetVersion.set_id.in_(editable),
               and_(SetVersion.state.in_(PUBLIC_STATES), SetVersion.set_id.in_(viewable)))


class SetVersionPolicy(Policy):
    def scope(self, caller, resource):
        return version_scope(caller)

    def actions(self, caller, obj):
        set_obj = db.session.get(Set, obj.set_id)
        if at_least(caller, set_obj, EDIT):
            return READ | {"update", "destroy", "link", "unlink", "publish"}
        return READ

    def may_create(self, caller, obj, inp):
        require_level(caller, db.session.get(Set, obj.set_id), EDIT, "create a version")


class SetChildPolicy(Policy):
    """Rows that belong to one set (``set_id``), seen and managed from ``level`` up."""

    def __init__(self, level, manage=True):
        self.level, self.manage = level, manage

    def scope(self, caller, resource):
        condition = sets_at(caller, self.level)
        if condition is None:
            return None
        return resource.table.c.set_id.in_(select(Set.id).where(condition))

    def actions(self, caller, obj):
        if self.manage and at_least(caller, db.session.get(Set, obj.set_id), self.level):
            return READ | {"update", "destroy"}
        return READ

    def may_create(self, caller, obj, inp):
        require_level(caller, db.session.get(Set, obj.set_id), self.level, "change its permissions")
