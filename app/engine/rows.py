"""Finding and locking the rows a write touches, and the version bump of a resource whose relations changed."""
from sqlalchemy import select, update

from app.engine.errors import not_found
from app.extensions import db
from app.models.base import utcnow


def find_visible(resource, id_, caller, lock=False):
    """The ORM object if the caller may see it, else 404.

    ``lock``: the row stays locked until the transaction ends (``FOR NO KEY UPDATE`` on PostgreSQL; SQLite
    write requests hold the database's write lock from their first statement, see app/database.py), so
    concurrent writes to one resource queue up: each sees the version the previous one committed, a write
    without If-Match never fails on a version it did not ask about, and of several writes carrying the same
    ETag exactly one wins.
    """
    model = resource.model
    query = select(model).where(model.id == id_)
    scope = resource.policy.scope(caller, resource)
    if scope is not None:
        query = query.where(scope)
    if lock:
        query = query.with_for_update(key_share=True, of=model).execution_options(populate_existing=True)
    obj = db.session.execute(query).scalar_one_or_none()
    if obj is None:
        raise not_found(resource.type, id_)
    return obj


def lock_for_write(resource, id_, caller):
    """The visible ORM object, locked, after the rows its family locks first (its parent's)."""
    if resource.parent is not None and resource.parent.lock:
        resource.parent.lock_parent_of(resource, id_)
    return find_visible(resource, id_, caller, lock=True)


def bump_version(resource, id_):
    """A new version (and ETag) for a resource whose relations changed."""
    table = resource.table
    db.session.execute(
        update(table).where(table.c.id == id_).values(lock_version=table.c.lock_version + 1, updated_at=utcnow())
    )
