"""Who may see and do what: one policy per resource type.

``scope`` is a SQL condition on the type's table (None: everything is visible); it is used by
every read, include and linkage query, so invisible rows never leave the database. ``actions``
is what a caller may do to one visible object: show, update, destroy, link (add to relations),
unlink (remove from relations), and a type's own (publish, unpublish).

A family whose rights depend on the caller's standing towards a row states that once, as a
``FamilyRule``: the same facts give the SQL scope, the per-object check and the ``policies`` field.
"""
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Rights:
    """What one caller may do to one row: policy ``actions`` and the ``policies`` field it is shown."""
    actions: frozenset
    policies: tuple = ()


class FamilyRule:
    """One family's rule of who may do what, stated once and used three ways: the SQL scope of every read
    (``visible``), the check of every write (``rights_on``) and the ``policies`` field of a page
    (``policies_of``, one statement per page). ``facts(caller)`` are labelled SQL expressions about the caller
    and a row of ``model`` (``joins``: what they need); ``grant(caller, *values)`` turns their values into
    Rights; ``visible(caller)`` is the condition on the same facts that lets a caller read a row."""
    model = None
    joins = ()

    def facts(self, caller):
        raise NotImplementedError

    def grant(self, caller, *values):
        raise NotImplementedError

    def visible(self, caller):
        raise NotImplementedError

    def rights_of(self, ids, caller):
        query = select(self.model.id, *self.facts(caller))
        for target, on in self.joins:
            query = query.join(target, on)
        rows = db.session.execute(query.where(self.model.id.in_(list(ids))))
        return {row[0]: self.grant(caller, *row[1:]) for row in rows}

    def rights_on(self, caller, obj):
        return self.rights_of([obj.id], caller).get(obj.id) or Rights(READ)

    def policies_of(self, ids, caller):
        return {i: list(rights.policies) for i, rights in self.rights_of(ids, caller).items()}


class Policy:
    # False: ``may_create`` decides from the caller and the parent alone (a nested type's parent id is all an
    # object carries when it runs before the body is read); True: it needs the body (the owner it names)
    create_reads_body = False

    def scope(self, caller, resource):
        return None

    def sees_members_of(self, relation):
        """Whether ``scope`` lets every caller see each member of ``relation`` (of this type) whose parent it
        sees, so that a visible parent's link rows are exactly its visible members."""
        return False

    def actions(self, caller, obj):
        return ALL if caller.admin else READ

    def may_create(self, caller, obj, inp):
        if not caller.admin:
            raise forbidden("create", obj)


class RulePolicy(Policy):
    """A type's policy read off its family's rule."""
    rule = None

    def scope(self, caller, resource):
        return self.rule.visible(caller)

    def actions(self, caller, obj):
        return self.rule.rights_on(caller, obj).actions


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
