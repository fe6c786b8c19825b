"""Every list order a resource allows is backed by an index in each direction, ending in the id."""
from sqlalchemy import inspect

from app.engine.registry import RESOURCES
from app.extensions import db
from app.models.list_indexes import index_names


def test_every_sort_has_an_index_in_both_directions(app):
    with app.app_context():
        found = {}
        for table in {r.table.name for r in RESOURCES.values()}:
            for index in inspect(db.engine).get_indexes(table):
                found.setdefault(table, []).append(index)
        for resource in RESOURCES.values():
            for name, column in resource.sort_columns.items():
                if column.primary_key:
                    continue
                table = column.table.name
                leading = [i for i in found.get(table, []) if i["column_names"][-1:] == ["id"]
                           and (i["column_names"][0] == column.key or column.key in str(i.get("expressions", "")))]
                names = {i["name"] for i in leading}
                assert set(index_names(table, column.key)) <= names, (
                    resource.type, name, names)


def _filtered_sorts():
    """(resource, filter column, sort column) for every equality filter on an id column of the listed table
    (``Equals(…, "id")`` filters, nested lists' parent columns and the owner columns) and every sort the
    resource allows."""
    from app.engine.filters import Equals, parse_id

    found = []
    for resource in RESOURCES.values():
        columns = [f.column for f in resource.filters.values() if isinstance(f, Equals) and f.parser is parse_id]
        if resource.parent is not None:
            columns.append(resource.parent.attribute)
        if "owner" in resource.filters and "owner_user_id" in resource.table.c:
            # ``owner=`` becomes one equality on one of the two owner columns (resources/owners.py)
            columns += [resource.table.c.owner_user_id, resource.table.c.owner_group_id]
        columns = [c.property.columns[0] if hasattr(c, "property") else c for c in columns]
        for column in columns:
            if column.table is not resource.table or column.primary_key:
                continue
            for sort in resource.sort_columns.values():
                if not sort.primary_key:
                    found.append((resource, column, sort))
    return found


def test_filtered_sorted_lists_have_their_indexes(app):
    with app.app_context():
        names = {}
        for resource, column, sort in _filtered_sorts():
            table = resource.table.name
            if table not in names:
                names[table] = {i["name"] for i in inspect(db.engine).get_indexes(table)}
            assert set(index_names(table, sort.key, filtered=column.key)) <= names[table], (
                resource.type, column.key, sort.key)


def test_a_filtered_sorted_page_walks_an_index_without_sorting(app):
    """The page statement a filtered, sorted list runs (``filter = v ORDER BY sort [DESC], id LIMIT n``) reads
    along an index in both directions, entered at the filter's value: SQLite's plan has no temporary B-tree;
    PostgreSQL's (sorting, incremental too, disabled, so a plan that must sort says so) has no Sort node.

    On PostgreSQL the sort's own index also serves such a page, by scanning it with a filter, and on the test
    tables' few rows and leftover statistics the planner may rightly prefer it. So each case runs in a
    transaction that drops the table's other list indexes and is rolled back: what is checked is that the
    filtered index serves the page, whatever the statistics."""
    from sqlalchemy import select, text

    assert _filtered_sorts()
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
        for resource, column, sort in _filtered_sorts():
            table = resource.table.name
            with db.engine.connect() as connection:  # never committed
                if postgresql:
                    connection.execute(text("SET LOCAL enable_sort = off"))
                    connection.execute(text("SET LOCAL enable_incremental_sort = off"))
                    ascending, descending = index_names(table, sort.key, filtered=column.key)
                    others = connection.execute(text(
                        "SELECT indexname FROM pg_indexes WHERE tablename = :t AND indexname LIKE 'ix\\_%' "
                        "AND indexname NOT IN (:a, :d)"), {"t": table, "a": ascending, "d": descending})
                    for (name,) in others.all():
                        connection.execute(text(f'DROP INDEX "{name}"'))
                for order in (sort.asc(), sort.desc()):
                    statement = (select(*resource.columns).where(column == 1).order_by(order, resource.table.c.id)
                                 .limit(20).offset(40))
                    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
                    explain = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "
                    plan = "\n".join(str(row[-1]) for row in connection.execute(text(explain + str(compiled))))
                    assert ("Sort" not in plan) if postgresql else ("TEMP B-TREE" not in plan), (
                        resource.type, column.key, str(order), plan)
                    # the index is entered at the filter's value, not scanned whole
                    searched = f"Index Cond: ({column.key} = " if postgresql else f"({column.key}=?)"
                    assert searched in plan, (resource.type, column.key, str(order), plan)
