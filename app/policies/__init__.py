"""Who may see and do what: one policy per resource type.

``scope`` is a SQL condition on the type's table (None: everything is visible); it is used by
every read, include and linkage query, so invisible rows never leave the database. ``actions``
is what a caller may do to one visible object: show, update, destroy, link (add to relations),
unlink (remove from relations).
"""
from sqlalchemy import select

from app.engine.errors import ApiError
from app.extensions import db
from app.models import Membership
from app.models.people import GROUP_ADMIN

ALL = frozenset({"show", "update", "destroy", "link", "unlink"})
READ = frozenset({"show"})


def member_groups(user_id, role=None):
    """Subquery of the group ids a user belongs to (optionally with a given role)."""
    query = select(Membership.user_group_id).where(Membership.user_id == user_id)
    if role:
        query = query.where(Membership.role == role)
    return query


def is_member(caller, group_id, role=None):
    if caller.anonymous or group_id is None:
        return False
    query = member_groups(caller.user_id, role).where(Membership.user_group_id == group_id)
    return db.session.execute(query).first() is not None


class Policy:
    # False: ``may_create`` decides from the caller and the parent alone (a nested type's parent id is all an
    # object carries when it runs before the body is read); True: it needs the body (the owner it names)
    create_reads_body = False

    def scope(self, caller, resource):
        return None

    def actions(self, caller, obj):
        return ALL if caller.admin else READ

    def may_create(self, caller, obj, inp):
        if not caller.admin:
            raise forbidden("create", obj)


class PublicReadPolicy(Policy):
    """Anyone reads; admins write."""


def forbidden(action, obj=None, detail=None):
    what = getattr(obj, "__tablename__", "resource")
    return ApiError(403, detail or f"You are not allowed to {action} this {what.rstrip('s')}.", code="forbidden")


def owns(caller, obj):
    """The caller owns ``obj`` directly or through a group it is a member of."""
    if caller.anonymous:
        return False
    if obj.owner_user_id is not None:
        return obj.owner_user_id == caller.user_id
    return is_member(caller, obj.owner_group_id)


def owner_scope(caller, table):
    return (table.c.owner_user_id == caller.user_id) | table.c.owner_group_id.in_(member_groups(caller.user_id))


class OwnedPolicy(Policy):
    create_reads_body = True
    """Anyone reads; the owner (or a member of the owning group) writes."""

    def actions(self, caller, obj):
        if caller.admin or owns(caller, obj):
            return ALL
        return READ

    def may_create(self, caller, obj, inp):
        if not (caller.admin or owns(caller, obj)):
            raise forbidden("create", detail="You may only create things owned by yourself or by a group "
                            "you are a member of.")


class UserPolicy(Policy):
    def actions(self, caller, obj):
        if caller.admin:
            return ALL
        if caller.user_id == obj.id:
            return READ | {"update"}
        return READ


class UserGroupPolicy(Policy):
    def actions(self, caller, obj):
        if caller.admin or is_member(caller, obj.id, GROUP_ADMIN):
            return ALL
        return READ

    def may_create(self, caller, obj, inp):
        return None  # any signed-in caller; they become the group's admin
