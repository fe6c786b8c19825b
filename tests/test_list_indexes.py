"""Every list order a resource allows is backed by an index in each direction, ending in the id."""
from sqlalchemy import inspect

from app.engine.registry import RESOURCES
from app.extensions import db


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
                assert {f"ix_{table}_{column.key}_id", f"ix_{table}_{column.key}_desc_id"} <= names, (
                    resource.type, name, names)
