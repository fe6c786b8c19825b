"""Pieces shared by every type owned by a user or a group."""
from sqlalchemy import false, func, or_, select

from app.engine.filters import Custom
from app.engine.relations import PolymorphicToOne
from app.models import User, UserGroup
from app.models.people import OwnerName


def owner_relation(model):
    return PolymorphicToOne({"users": model.owner_user_id, "user_groups": model.owner_group_id})


def owner_filter(model):
    """``owner=login`` or a group name, case-insensitive, comma lists allowed.

    The names are looked up first (one statement in the one namespace of logins and group names), so that
    one owner becomes one equality on one column, which its ``(owner column, sort, id)`` index walks in
    order (app/models/list_indexes.py); an ``OR`` over the two columns could not."""

    def clause(values, caller):
        from app.extensions import db

        lowered = [v.lower() for v in values]
        found = db.session.execute(select(OwnerName.user_id, OwnerName.user_group_id)
                                   .where(func.lower(OwnerName.name).in_(lowered))).all()
        users = [u for u, _g in found if u is not None]
        groups = [g for _u, g in found if g is not None]
        if len(users) + len(groups) == 1:
            return model.owner_user_id == users[0] if users else model.owner_group_id == groups[0]
        if not found:
            return false()
        return or_(model.owner_user_id.in_(users), model.owner_group_id.in_(groups))

    return Custom(clause)


def owner_name(model):
    """The owner's login or group name, as an expression on ``model``'s row."""
    login = select(User.login).where(User.id == model.owner_user_id).scalar_subquery()
    group = select(UserGroup.name).where(UserGroup.id == model.owner_group_id).scalar_subquery()
    return func.coalesce(login, group)


def default_owner(write):
    """Owned by the caller unless the body named an owner."""
    if "owner" not in write.relations:
        write.obj.owner_user_id, write.obj.owner_group_id = write.caller.user_id, None
