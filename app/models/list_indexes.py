"""The indexes behind every list order: for each sortable column, one index per direction, each ending in
the id tie-breaker (which always ascends), so a page, numbered or by cursor, is read along an index
instead of sorting the table; and for each equality filter on an id column of the listed table (a parent
of a nested list, ``collection_id``, ``set_id``, ``image_id`` …), the same pair led by that column, so a
filtered and sorted list walks one index too. ``tests/test_list_indexes.py`` checks every declared sort and
filter has them."""
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


# table → its equality-filtered id columns (the resource declarations' ``Equals(…, "id")`` filters and the
# parent columns of nested lists); a model made later names its own in ``__filtered__``.
FILTERED = {
    "annotations": ("image_set_id", "image_id", "creator_id"),
    "collection_roles": ("collection_id", "user_id"),
    "image_sets": ("collection_id",),
    "set_versions": ("set_id",),
    "publishes": ("set_id",),
    "set_permissions": ("set_id",),
    # ``owner=`` names one user or one group (resources/owners.py): an equality on one of these
    **{table: ("owner_user_id", "owner_group_id")
       for table in ("collections", "subjects", "layers", "tables", "documents", "sets")},
}


def index_names(table, column, filtered=None):
    lead = f"{filtered}_{column}" if filtered else column
    return f"ix_{table}_{lead}_id", f"ix_{table}_{lead}_desc_id"


def _declared(table_map, attribute):
    """``table_map`` with the tables whose models declare their own columns in ``attribute``."""
    found = dict(table_map)
    for mapper in db.Model.registry.mappers:
        columns = getattr(mapper.class_, attribute, None)
        if columns:
            found[mapper.local_table.name] = tuple(columns)
    return found


def sorted_tables():
    return _declared(SORTED, "__sorted__")


def filtered_tables():
    return _declared(FILTERED, "__filtered__")


def declare():
    filtered = filtered_tables()
    for name, columns in sorted_tables().items():
        table = db.metadata.tables[name]
        for lead in (None, *filtered.get(name, ())):
            before = () if lead is None else (table.c[lead],)
            for column in columns:
                up, down = index_names(name, column, lead)
                if up not in {i.name for i in table.indexes}:
                    Index(up, *before, table.c[column], table.c.id)
                    Index(down, *before, table.c[column].desc(), table.c.id)


declare()
