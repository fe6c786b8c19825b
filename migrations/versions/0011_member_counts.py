"""member_counts: per link table and parent, the number of link rows, kept by triggers; filtered list indexes

Revision ID: 0011_member_counts
Revises: 0010_annotations

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_member_counts'
down_revision = '0010_annotations'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

# frozen copy of app/models/member_counts.py's COUNTED at this revision
COUNTED = {
    "collection_subjects": ("collection_id",),
    "image_set_images": ("image_set_id",),
    "image_set_languages": ("image_set_id",),
    "memberships": ("user_group_id",),
    "set_items": ("set_id",),
    "set_version_items": ("version_id",),
}

# frozen copy of app/models/list_indexes.py's FILTERED (with each table's sortable columns) at this revision:
# table → {equality-filtered column: the sortable columns}
FILTERED = {
    "annotations": {column: ("created_at", "updated_at") for column in ("image_set_id", "image_id", "creator_id")},
    "collection_roles": {column: ("created_at", "updated_at") for column in ("collection_id", "user_id")},
    "image_sets": {"collection_id": ("name", "created_at", "updated_at")},
    "set_versions": {"set_id": ("created_at", "updated_at")},
    "publishes": {"set_id": ("created_at", "updated_at")},
    "set_permissions": {"set_id": ("created_at", "updated_at", "principal")},
    **{table: {column: sorts for column in ("owner_user_id", "owner_group_id")}
       for table, sorts in (("collections", ("display_name", "created_at", "updated_at")),
                            ("subjects", ("created_at", "updated_at")),
                            ("layers", ("title", "created_at", "updated_at")),
                            ("tables", ("title", "created_at", "updated_at")),
                            ("documents", ("title", "created_at", "updated_at")),
                            ("sets", ("title", "created_at", "updated_at")))},
}


def _counted():
    for table, columns in COUNTED.items():
        for column in columns:
            yield table, column, f"{table}.{column}", f"member_counts_{table}_{column}"


def _sqlite_triggers(table, column, key, name):
    up = (f"INSERT INTO member_counts (relation, parent_id, members) VALUES ('{key}', {{row}}.{column}, 1) "
          "ON CONFLICT (relation, parent_id) DO UPDATE SET members = members + 1;")
    down = (f"UPDATE member_counts SET members = members - 1 WHERE relation = '{key}' "
            f"AND parent_id = {{row}}.{column}; "
            f"DELETE FROM member_counts WHERE relation = '{key}' AND parent_id = {{row}}.{column} AND members <= 0;")
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {up.format(row='NEW')} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {down.format(row='OLD')} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {column} ON {table} "
        f"WHEN OLD.{column} IS NOT NEW.{column} BEGIN {down.format(row='OLD')} {up.format(row='NEW')} END",
    ]


def _postgresql_triggers(table, column, key, name):
    # One statement-level trigger per statement kind, reading the statement's rows from its transition
    # tables: a cascade or bulk insert of 100,000 rows changes each parent's counter once, and the counters
    # are changed in parent id order, so two writers touching the same parents lock them in the same order.
    changes = {
        "INSERT": f"SELECT {column} AS parent, count(*) AS delta FROM new_rows GROUP BY {column}",
        "DELETE": f"SELECT {column} AS parent, -count(*) AS delta FROM old_rows GROUP BY {column}",
        "UPDATE": (f"SELECT parent, sum(delta) AS delta FROM (SELECT {column} AS parent, -1 AS delta FROM old_rows "
                   f"UNION ALL SELECT {column}, 1 FROM new_rows) AS moved GROUP BY parent HAVING sum(delta) <> 0"),
    }
    branches = []
    for kind, query in changes.items():
        branches.append(f"""
    IF TG_OP = '{kind}' THEN
        FOR change IN {query} ORDER BY 1 LOOP
            IF change.delta > 0 THEN
                INSERT INTO member_counts (relation, parent_id, members) VALUES ('{key}', change.parent, change.delta)
                ON CONFLICT (relation, parent_id) DO UPDATE SET members = member_counts.members + excluded.members;
            ELSE
                UPDATE member_counts SET members = members + change.delta
                WHERE relation = '{key}' AND parent_id = change.parent RETURNING members INTO remaining;
                IF remaining <= 0 THEN
                    DELETE FROM member_counts WHERE relation = '{key}' AND parent_id = change.parent;
                END IF;
            END IF;
        END LOOP;
    END IF;""")
    function = f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    change record;
    remaining bigint;
BEGIN{''.join(branches)}
    RETURN NULL;
END
$body$"""
    return [
        function,
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


def upgrade():
    op.create_table('member_counts',
    sa.Column('relation', sa.String(length=100), nullable=False),
    sa.Column('parent_id', ID, autoincrement=False, nullable=False),
    sa.Column('members', ID, nullable=False),
    sa.PrimaryKeyConstraint('relation', 'parent_id', name=op.f('pk_member_counts'))
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, column, key, name in _counted():
        op.execute(f"INSERT INTO member_counts (relation, parent_id, members) "
                   f"SELECT '{key}', {column}, count(*) FROM {table} GROUP BY {column}")
        for statement in (_postgresql_triggers if postgresql else _sqlite_triggers)(table, column, key, name):
            op.execute(statement)
    for table, filters in FILTERED.items():
        for column, sorts in filters.items():
            for sort in sorts:
                op.create_index(f'ix_{table}_{column}_{sort}_id', table, [column, sort, 'id'])
                op.create_index(f'ix_{table}_{column}_{sort}_desc_id', table,
                                [column, sa.text(f'{sort} DESC'), 'id'])


def downgrade():
    for table, filters in FILTERED.items():
        for column, sorts in filters.items():
            for sort in sorts:
                op.drop_index(f'ix_{table}_{column}_{sort}_desc_id', table_name=table)
                op.drop_index(f'ix_{table}_{column}_{sort}_id', table_name=table)
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, column, _key, name in _counted():
        for kind in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER {name}_{kind} ON {table}" if postgresql else f"DROP TRIGGER {name}_{kind}")
        if postgresql:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_table('member_counts')
