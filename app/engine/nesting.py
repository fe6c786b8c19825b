"""A type nested under another (``/collections/{id}/image-sets``): one declaration of the parent, from which
the routes, row paths, list constraints, the parent's visibility and the lock order follow."""
from sqlalchemy import select

from app.engine.errors import not_found
from app.engine.registry import RESOURCES
from app.engine.rows import find_visible
from app.extensions import db


class Parent:
    """``type``: the parent's type; ``column``: the child's model attribute holding the parent's id (its name
    is the URL variable); ``segment``: the child's path below the parent's row; ``flat``: a path of its own
    where the type is also listed and read (never created); ``guard(caller, parent)``: raises when the caller
    may see the parent but not this part of it; ``lock``: writes to a child lock the parent row first."""

    def __init__(self, type, column, segment, *, flat=None, guard=None, lock=False):
        self.type, self.segment, self.flat, self.guard, self.lock = type, segment, flat, guard, lock
        self.attribute = column
        self.column = column.property.columns[0]
        self.key = self.column.key

    @property
    def resource(self):
        return RESOURCES[self.type]

    def route_bases(self):
        nested = f"/{self.resource.path}/<resid:{self.key}>/{self.segment}"
        return [(nested, True)] + ([(f"/{self.flat}", False)] if self.flat else [])

    def row_path(self, child, row):
        end = "/" if child.trailing_slash else ""
        return f"/{self.resource.path}/{row[child.index[self.key]]}/{self.segment}/{row[0]}{end}"

    def visible(self, parent_id, caller, lock=False):
        """The parent ORM object if the caller may see it (and passes the guard), else 404/403."""
        obj = find_visible(self.resource, parent_id, caller, lock=lock)
        if self.guard is not None:
            self.guard(caller, obj)
        return obj

    def constraints(self, parents, caller):
        """Conditions on a list reached through the parent's URL (none on the flat path)."""
        if self.key not in parents:
            return ()
        parent = self.visible(parents[self.key], caller)
        return (self.column == parent.id,)

    def check(self, child, parents, id_, caller):
        """404 unless the child ``id_`` is under the parent the URL names."""
        if self.key not in parents:
            return
        if self.guard is not None:
            self.visible(parents[self.key], caller)
        # a child the caller may read is read under its parent's URL even where the parent is hidden (a
        # published image set in a private collection)
        found = db.session.scalar(
            select(child.table.c.id).where(child.table.c.id == id_, self.column == parents[self.key]))
        if found is None:
            raise not_found(child.type, id_)

    def lock_parent_of(self, child, id_):
        """Lock the parent row of child ``id_`` before the child's own (one lock order per family)."""
        parent_table = self.resource.table
        parent_id = select(self.column).where(child.table.c.id == id_).scalar_subquery()
        db.session.execute(select(parent_table.c.id).where(parent_table.c.id == parent_id)
                           .with_for_update(key_share=True, of=parent_table))
