"""Where a relation's linkage is stored, and how it is read for a whole page at once and written.

A relation's name, target types and cardinality come from the schema's Relationship field; the
declaration in ``resources/`` only says which columns hold it.
"""
from functools import cached_property
from importlib import import_module

from sqlalchemy import and_, bindparam, cast, delete, func, insert, or_, select

from app.engine.filters import Members, id_number
from app.engine.id_lists import in_ids
from app.engine.registry import RESOURCES
from app.extensions import db
from app.models.member_counts import MemberCount, counter_key

WRITABLE, CREATE_ONLY, READ_ONLY = "writable", "create", "read"
# where a numbered page's ``count`` was read (``meta.<type>.count_source``); both are exact
COUNTER, ROWS = "counter", "rows"


def count_source(count):
    """COUNTER if the count statement ``count`` reads the member counters, else ROWS."""
    return count.get_execution_options().get("count_source", ROWS)


def _column(attr):
    """The table Column behind a mapped attribute (declarations name model attributes)."""
    prop = getattr(attr, "property", None)
    return prop.columns[0] if prop is not None else attr


def _insert(table, skip_existing=False):
    """INSERT into a link table; ``skip_existing``: a row another request inserted meanwhile is left alone
    (``ON CONFLICT DO NOTHING`` on the table's unique constraints) instead of failing."""
    if skip_existing and db.engine.dialect.name in ("postgresql", "sqlite"):
        return import_module(f"sqlalchemy.dialects.{db.engine.dialect.name}").insert(table).on_conflict_do_nothing()
    return insert(table)


def insert_links(table, rows, skip_existing=False):
    """Insert link rows (dicts with the same keys) in one statement, whatever their number.

    On PostgreSQL the rows go as one array per column into ``INSERT … SELECT … FROM unnest(…)``: the member
    counters' statement trigger then runs once, not once per row as the driver's executemany would make it
    (20,000 rows: 0.2 s against 5.9 s). SQLite's counters are row triggers, cheap per row: executemany.
    """
    if not rows:
        return
    if db.engine.dialect.name != "postgresql":
        db.session.execute(_insert(table, skip_existing), rows)
        return
    from sqlalchemy.dialects.postgresql import ARRAY

    keys = list(rows[0])
    arrays = [cast(bindparam(f"rows_{n}", [row[key] for row in rows]), ARRAY(table.c[key].type))
              for n, key in enumerate(keys)]
    source = func.unnest(*arrays).table_valued(*keys).render_derived()
    statement = _insert(table, skip_existing).from_select(keys, select(*(source.c[key] for key in keys)))
    db.session.execute(statement)


class Relation:
    many = False

    def __init__(self, *, param=None, add_action="update", remove_action="update", related=True):
        self.param = param              # filter on the target type listing this relation's members
        self.related = related          # False: a nested list of the target type serves …/<name>
        self.add_action = add_action    # policy action needed to add (to-many) or set (to-one)
        self.remove_action = remove_action
        self.name = self.resource = None
        self.types = ()
        self.link_type = None
        self.mode = WRITABLE

    def bind(self, resource, name, field):
        self.resource, self.name = resource, name
        meta = field.metadata
        self.types = tuple(meta.get("types") or (field.type_,))
        self.link_type = meta.get("link_type") or self.types[0]
        if field.dump_only:
            self.mode = READ_ONLY
        else:
            self.mode = meta.get("mode", WRITABLE)
        if bool(field.many) != self.many:
            raise TypeError(f"{resource.type}.{name}: schema and storage disagree on cardinality")

    @property
    def polymorphic(self):
        return len(self.types) > 1

    def members(self, linkage):
        """What the write methods take for a list of (type, id): the ids, once each, in order."""
        return list(dict.fromkeys(i for _t, i in linkage))

    def parse_member(self, text):
        """The members one part of a URL names (``…/links/<rel>/<ids>``), or None."""
        number = id_number(text.strip())
        return None if number is None else [number]

    def describe(self, member):
        return f"{self.types[0]} {member}"

    def targets(self):
        return [RESOURCES[t] for t in self.types]

    # the ``relation`` of this relation's rows in member_counts, or None (app/models/member_counts.py)
    counter = None

    def counted_total(self, parents):
        """One row: the number of link rows of the parents ``parents(column)`` selects, read from the member
        counters (an index lookup whatever the size, and as exact as a count: see the model)."""
        # PostgreSQL's sum of a bigint is a numeric: cast back, so the total is an int on both databases
        return select(cast(func.coalesce(func.sum(MemberCount.members), 0), MemberCount.members.type)).where(
            MemberCount.relation == self.counter, parents(MemberCount.parent_id)
        ).execution_options(count_source=COUNTER)

    def counted_members(self, parent_ids):
        """[(parent id, link rows)] of these parents, from the counters (parents without members left out)."""
        return db.session.execute(select(MemberCount.parent_id, MemberCount.members).where(
            MemberCount.relation == self.counter, in_ids(MemberCount.parent_id, parent_ids))).all()


class ToOne(Relation):
    """A foreign key column on the parent's own table."""

    def __init__(self, column, **kw):
        super().__init__(**kw)
        self.column = _column(column)

    def columns(self):
        return [self.column]

    def columns_by_type(self):
        return {self.types[0]: self.column}

    def linkage_of(self, obj):
        """(type, id) of an ORM object's current target, or None."""
        for type_name, column in self.columns_by_type().items():
            value = getattr(obj, obj.__mapper__.get_property_by_column(column).key)
            if value is not None:
                return (type_name, value)
        return None

    def linkage(self, row, index):
        value = row[index[self.column.key]]
        return None if value is None else (self.types[0], value)

    def apply(self, obj, target):
        for type_name, column in self.columns_by_type().items():
            key = obj.__mapper__.get_property_by_column(column).key
            setattr(obj, key, target[1] if target and target[0] == type_name else None)


class PolymorphicToOne(ToOne):
    """One foreign key column per possible target type; exactly one is set."""

    def __init__(self, columns_by_type, **kw):
        Relation.__init__(self, **kw)
        self.by_type = {t: _column(c) for t, c in columns_by_type.items()}

    def bind(self, resource, name, field):
        super().bind(resource, name, field)
        if set(self.types) != set(self.by_type):
            raise TypeError(f"{resource.type}.{name}: schema types and storage columns disagree")

    def columns(self):
        return list(self.by_type.values())

    def columns_by_type(self):
        return self.by_type

    def linkage(self, row, index):
        for type_name, column in self.by_type.items():
            value = row[index[column.key]]
            if value is not None:
                return (type_name, value)
        return None



class ToMany(Relation):
    """Members listed in a table with a parent column and a member column.

    With ``link_table`` the rows belong to the relation and are inserted and deleted; otherwise
    the table is the members' own (a foreign key on the member) and the relation is read only.
    """

    many = True

    def __init__(self, parent_column, member_column, order_column=None, link_table=True, **kw):
        super().__init__(**kw)
        self.parent_column = _column(parent_column)
        self.member_column = _column(member_column)
        self.order_column = _column(order_column) if order_column is not None else self.member_column
        self.link_table = link_table

    def bind(self, resource, name, field):
        super().bind(resource, name, field)
        if not self.link_table:
            self.mode = READ_ONLY
        self.counter = counter_key(self.parent_column) if self.link_table else None

    def _target_scope(self, caller):
        target = RESOURCES[self.types[0]]
        return target, target.policy.scope(caller, target)

    def members_visible(self, caller):
        """Whether the caller sees every member of each parent it sees (so a parent's link rows are its list)."""
        target, scope = self._target_scope(caller)
        return scope is None or target.policy.sees_members_of(self)

    def _visible(self, query, caller):
        if self.members_visible(caller):
            return query
        target, scope = self._target_scope(caller)
        if self.link_table:
            query = query.join(target.table, target.table.c.id == self.member_column)
        return query.where(scope)

    def linkage(self, parent_ids, limit, caller):
        """{parent id: ([member ids in order], total)}: one statement for a counted relation, else two.

        Ids are listed only for parents with at most ``limit`` visible members; for larger ones the
        list stays empty (documents then give the count and links, never a cut list), so a parent
        with 100,000 members costs an index count, not a sort.
        """
        parent, member = self.parent_column, self.member_column
        if self.counter is not None and self.members_visible(caller):
            return self._counted_linkage(parent_ids, limit)
        counts = db.session.execute(
            self._visible(select(parent, func.count()).where(in_ids(parent, parent_ids)), caller)
            .group_by(parent)
        ).all()
        result = {p: ([], n) for p, n in counts}
        small = [p for p, n in counts if n <= limit]
        rows = db.session.execute(
            self._visible(select(parent, member).where(in_ids(parent, small)), caller)
            .order_by(parent, self.order_column)
        )
        for p, m in rows:
            result[p][0].append(m)
        return result

    @cached_property
    def _counted_statement(self):
        # built once per relation, its parents and limit bound per read: no construction or cache key per request
        counts = MemberCount.__table__
        return (select(counts.c.parent_id, counts.c.members, self.member_column)
                .select_from(counts.outerjoin(self.parent_column.table, and_(
                    self.parent_column == counts.c.parent_id, counts.c.members <= bindparam("limit"))))
                .where(counts.c.relation == self.counter, in_ids(counts.c.parent_id, "parents"))
                .order_by(counts.c.parent_id, self.order_column))

    def _counted_linkage(self, parent_ids, limit):
        """``linkage`` where every member is visible, in one statement: each parent's counter, joined to its
        link rows only when it has at most ``limit`` (a parent of 100,000 costs its counter row)."""
        rows = db.session.execute(self._counted_statement, {"limit": limit, "parents": list(parent_ids)})
        result = {}
        for p, n, m in rows:
            entry = result.get(p)
            if entry is None:
                entry = result[p] = ([], n)
            if m is not None:
                entry[0].append(m)
        return result

    def related_clause(self, parent_id):
        """(conditions, ordering, filters.Members or None) listing this relation's members of one (visible)
        parent on the target table."""
        if not self.link_table:
            return [self.parent_column == parent_id], [self.order_column], None
        return [], [self.order_column], Members(self, self.parent_column == parent_id, lambda c: c == parent_id)

    def present(self, parent_id, ids):
        rows = db.session.execute(
            select(self.member_column).where(self.parent_column == parent_id, self.member_column.in_(list(ids)))
        )
        return {r[0] for r in rows}

    def add(self, parent_id, ids, skip_existing=False):
        """Insert link rows (see ``_insert`` for ``skip_existing``)."""
        insert_links(self.parent_column.table,
                     [{self.parent_column.key: parent_id, self.member_column.key: i} for i in ids], skip_existing)

    def remove(self, parent_id, ids):
        if ids:
            db.session.execute(
                delete(self.parent_column.table).where(
                    self.parent_column == parent_id, self.member_column.in_(list(ids))
                )
            )

    def replace(self, parent_id, ids):
        db.session.execute(delete(self.parent_column.table).where(self.parent_column == parent_id))
        self.add(parent_id, list(dict.fromkeys(ids)))


class PolymorphicToMany(ToMany):
    """Ordered members of several types in one link table with a column per member type (exactly one
    set per row, each a real foreign key). Linkage entries and write arguments are (type, id) pairs."""

    def __init__(self, parent_column, columns_by_type, order_column, **kw):
        Relation.__init__(self, **kw)
        self.parent_column = _column(parent_column)
        self.by_type = {t: _column(c) for t, c in columns_by_type.items()}
        self.order_column = _column(order_column)
        self.member_column = None
        self.link_table = True

    def bind(self, resource, name, field):
        Relation.bind(self, resource, name, field)
        if set(self.types) != set(self.by_type):
            raise TypeError(f"{resource.type}.{name}: schema types and storage columns disagree")
        self.counter = counter_key(self.parent_column)

    def members_visible(self, caller):
        return all(target.policy.scope(caller, target) is None or target.policy.sees_members_of(self)
                   for target in self.targets())

    def members(self, linkage):
        return list(dict.fromkeys(linkage))

    def parse_member(self, text):
        """``layers.2`` names one member; a bare id names that id in whichever type holds it."""
        type_name, dot, rest = text.strip().rpartition(".")
        number = id_number(rest)
        if number is None or (dot and type_name not in self.by_type):
            return None
        return [(type_name, number)] if dot else [(t, number) for t in self.types]

    def describe(self, member):
        return f"{member[0]} {member[1]}"

    def _visible(self, caller):
        parts = []
        for type_name, column in self.by_type.items():
            target = RESOURCES[type_name]
            scope = target.policy.scope(caller, target)
            parts.append(column.is_not(None) if scope is None
                         else column.in_(select(target.table.c.id).where(scope)))
        return or_(*parts)

    def _pair(self, values):
        for type_name, value in zip(self.by_type, values):
            if value is not None:
                return (type_name, value)
        return None

    def linkage(self, parent_ids, limit, caller):
        parent, visible = self.parent_column, self._visible(caller)
        if self.counter is not None and self.members_visible(caller):
            counts = self.counted_members(parent_ids)
        else:
            counts = db.session.execute(
                select(parent, func.count()).where(in_ids(parent, parent_ids), visible).group_by(parent)
            ).all()
        result = {p: ([], n) for p, n in counts}
        small = [p for p, n in counts if n <= limit]
        rows = db.session.execute(
            select(parent, *self.by_type.values()).where(in_ids(parent, small), visible)
            .order_by(parent, self.order_column)
        )
        for p, *values in rows:
            result[p][0].append(self._pair(values))
        return result

    def page(self, parent_id, caller, query):
        """(total, [(type, id), …], CursorPage, count source) of one parent's visible members, in order (by
        number or by cursor, see ``cursors.paginate``)."""
        from app.engine.cursors import order_keys, paginate

        condition = and_(self.parent_column == parent_id, self._visible(caller))
        if self.counter is not None and self.members_visible(caller):
            count = self.counted_total(lambda column: column == parent_id)
        else:
            count = select(func.count()).where(condition)
        rows, total, page = paginate(select(*self.by_type.values()).where(condition), count,
                                     order_keys([self.order_column]), query)
        width = len(self.by_type)
        return total, [self._pair(values[:width]) for values in rows], page, count_source(count)

    def _matching(self, members):
        by_type = {}
        for type_name, id_ in members:
            by_type.setdefault(type_name, []).append(id_)
        return or_(*(self.by_type[t].in_(ids) for t, ids in by_type.items()))

    def present(self, parent_id, members):
        if not members:
            return set()
        rows = db.session.execute(
            select(*self.by_type.values()).where(self.parent_column == parent_id, self._matching(members))
        )
        return {self._pair(values) for values in rows}

    def add(self, parent_id, members, skip_existing=False):
        if not members:
            return
        rows = []
        for type_name, id_ in members:
            row = {column.key: None for column in self.by_type.values()}
            row[self.by_type[type_name].key] = id_
            row[self.parent_column.key] = parent_id
            rows.append(row)
        insert_links(self.parent_column.table, rows, skip_existing)

    def remove(self, parent_id, members):
        if members:
            db.session.execute(delete(self.parent_column.table).where(
                self.parent_column == parent_id, self._matching(members)))

    def replace(self, parent_id, members):
        db.session.execute(delete(self.parent_column.table).where(self.parent_column == parent_id))
        self.add(parent_id, list(dict.fromkeys(members)))


class WritesThrough:
    """Mixed into a to-many relation that is read from its own rows but changed through ``writes_to``, the
    same relation of another row: ``row(parent_id)`` → that row's id (a set's items go to its draft)."""

    def __init__(self, *args, writes_to, row, **kw):
        super().__init__(*args, **kw)
        self.writes_to, self.row = writes_to, row

    def present(self, parent_id, members):
        return self.writes_to.present(self.row(parent_id), members)

    def add(self, parent_id, members, skip_existing=False):
        self.writes_to.add(self.row(parent_id), members, skip_existing)

    def remove(self, parent_id, members):
        self.writes_to.remove(self.row(parent_id), members)

    def replace(self, parent_id, members):
        self.writes_to.replace(self.row(parent_id), members)
