"""Pieces shared by every type owned by a user or a group."""
from sqlalchemy import func, or_, select

from app.engine.filters import Custom
from app.engine.relations import PolymorphicToOne
from app.models import User, UserGroup


def owner_relation(model):
    return PolymorphicToOne({"users": model.owner_user_id, "user_groups": model.owner_group_id})


def owner_filter(model):
    """``owner=login`` or a group name, case-insensitive, comma lists allowed."""

    def clause(values, caller):
        lowered = [v.lower() for v in values]
        return or_(
            model.owner_user_id.in_(select(User.id).where(func.lower(User.login).in_(lowered))),
            model.owner_group_id.in_(select(UserGroup.id).where(func.lower(UserGroup.name).in_(lowered))),
        )

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
