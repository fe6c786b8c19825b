"""Keeps owner_names in step with users and user groups on every write, from any code path (API, CLI,
import), so the database's unique index refuses a login equal to a group name in any case."""
from sqlalchemy import delete, event, func, insert, inspect, select, update

from app.models.people import OwnerName, User, UserGroup

NAME_OF = {User: ("login", "user_id"), UserGroup: ("name", "user_group_id")}


def name_taken(name, user_id=None, user_group_id=None):
    """Who holds ``name`` (case-insensitive) other than the given user or group: "user", "group" or None."""
    from app.extensions import db

    row = db.session.execute(
        select(OwnerName.user_id, OwnerName.user_group_id).where(func.lower(OwnerName.name) == name.lower())
    ).first()
    if row is None or (user_id is not None and row.user_id == user_id) or \
            (user_group_id is not None and row.user_group_id == user_group_id):
        return None
    return "user" if row.user_id is not None else "group"


def _inserted(mapper, connection, target):
    attribute, column = NAME_OF[type(target)]
    connection.execute(insert(OwnerName).values(name=getattr(target, attribute), **{column: target.id}))


def _updated(mapper, connection, target):
    attribute, column = NAME_OF[type(target)]
    if not inspect(target).attrs[attribute].history.has_changes():
        return
    connection.execute(update(OwnerName).where(getattr(OwnerName, column) == target.id)
                       .values(name=getattr(target, attribute)))


def _deleted(mapper, connection, target):
    # foreign keys cascade too; this covers a database where they are not enforced
    _, column = NAME_OF[type(target)]
    connection.execute(delete(OwnerName).where(getattr(OwnerName, column) == target.id))


for model in NAME_OF:
    event.listen(model, "after_insert", _inserted)
    event.listen(model, "after_update", _updated)
    event.listen(model, "after_delete", _deleted)
