"""The indexes behind every list order: for each sortable column, one index per direction, each ending in
the id tie-breaker (which always ascends), so a page, numbered or by cursor, is read along an index
instead of sorting the table. ``tests/test_list_indexes.py`` checks every declared sort has both."""
from sqlalchemy import Index

from app.extensions import db

# table → its sortable columns (the resource declarations' ``sorts``; ``id`` is the primary key). A model
# made later names its own in ``__sorted__``, read below, so that no table needs a line here.
SORTED = {
    "collections": ("display_name", "created_at", "updated_at"),
    "subjects": ("created_at", "updated_at"),
    "collection_roles": ("created_at", "updated_at"),
    "images": ("weight", "name", "created_at", "updated_at"),
    "image_sets": ("name", "created_at", "updated_at"),
    "languages": ("code", "name"),
    "publications": ("created_at", "updated_at"),
    "users": ("login", "display_name", "created_at", "updated_at"),
    "user_groups": ("name", "display_name", "created_at", "updated_at"),
    "layers": ("title", "created_at", "updated_at"),
    "tables": ("title", "created_at", "updated_at"),
    "documents": ("title", "created_at", "updated_at"),
    "sets": ("title", "created_at", "updated_at"),
    "set_versions": ("created_at", "updated_at"),
    "publishes": ("created_at", "updated_at"),
    "set_permissions": ("created_at", "updated_at", "principal"),
}


def index_names(table, column):
    return f"ix_{table}_{column}_id", f"ix_{table}_{column}_desc_id"


def sorted_tables():
    found = dict(SORTED)
    for mapper in db.Model.registry.mappers:
        columns = getattr(mapper.class_, "__sorted__", None)
        if columns:
            found[mapper.local_table.name] = tuple(columns)
    return found


def declare():
    for name, columns in sorted_tables().items():
        table = db.metadata.tables[name]
        for column in columns:
            up, down = index_names(name, column)
            if up not in {i.name for i in table.indexes}:
                Index(up, table.c[column], table.c.id)
                Index(down, table.c[column].desc(), table.c.id)


declare()
