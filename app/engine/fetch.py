"""Reading: a page (or one row) of a type with its linkage, computed fields and includes.

The number of SQL statements depends on the request's shape (type, dialect, include list), never
on the page size or on how many rows are related: every step reads a whole page with one IN list,
and runs even when that list is empty so that the count stays fixed.
"""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import and_, exists, func, literal, select

from app.engine import cursors
from app.engine.errors import ApiError
from app.engine.id_lists import in_ids
from app.engine.registry import RESOURCES
from app.engine.relations import ROWS, count_source
from app.extensions import db


@dataclass
class Store:
    rows: dict = field(default_factory=dict)          # type → {id: row}
    linkage: dict = field(default_factory=dict)       # (type, relation) → {parent id: (ids, total)}
    computed: dict = field(default_factory=dict)      # type → {attribute: {id: value}}
    included: dict = field(default_factory=dict)      # (type, id) → True, in order
    linked: dict = field(default_factory=dict)        # link type → {(type, id): True}
    primary: set = field(default_factory=set)

    def add_rows(self, resource, rows):
        bucket = self.rows.setdefault(resource.type, {})
        for row in rows:
            bucket[row[0]] = row

    def row(self, type_name, id_):
        return self.rows.get(type_name, {}).get(id_)


@dataclass
class Result:
    resource: object
    rows: list
    store: Store
    query: object
    many: bool = True
    total: int = 0
    mixed: list = None     # primary data of several types: [(type, row), …] (a polymorphic relation's members)
    key: str = None        # the name paging meta goes under, when not the resource's type
    cursor: object = None  # a cursors.CursorPage when the list is paged by cursor (``total`` is then None)
    count_source: str = ROWS  # where ``total`` was read (relations.COUNTER or ROWS)

    @property
    def meta_key(self):
        return self.key or self.resource.type


def scope_clauses(resource, caller):
    scope = resource.policy.scope(caller, resource)
    return [] if scope is None else [scope]


def filter_clauses(resource, query, caller):
    return [resource.filters[name].clause(values, caller) for name, values in query.filters.items()]


def order_by(resource, query, default=None):
    if default is not None and query.sort_text is None:
        return [*default, resource.table.c.id]
    result = []
    for name, desc in query.sort:
        column = resource.sort_columns[name]
        result.append(column.desc() if desc else column.asc())
    return result


def list_statements(resource, query, caller, *, where=(), default_order=None, members=None, columns=None):
    """(rows, count, order keys, twin keys) of a list: the statements before paging; ``members`` (a
    filters.Members) narrows it to one parent's members, joined through the link table in the relation's order.

    A list filtered to one parent's members (``/subjects?collection_id=5``) becomes such a join too, its
    id order read from the link table's member column (the same values) so that the (parent, member)
    index gives the order. Where the caller sees every member of the parents it sees, the target's scope
    is left out; where nothing else narrows the list either, the count is the parent's link rows (their
    foreign key guarantees each row's member), read from the member counters where they are kept.
    """
    filters = dict(query.filters)
    member_id = join = None
    keys = cursors.order_keys(order_by(resource, query, default_order))
    if members is not None:
        join, where = (members.link, members.member_id == resource.table.c.id), [*where, members.condition]
    else:
        for name, values in filters.items():
            found = getattr(resource.filters[name], "join", None)
            found = found(values, caller) if found else None
            if found is not None:
                members = found
                del filters[name]
                if any(column is not resource.table.c.id for column, _d in keys) and _dense(found):
                    # Sorted, and many members: walk the target's (sort key, id) index and probe the link
                    # table's (parent, member) index for each row, instead of sorting every member.
                    where = [*where, exists().where(found.condition, found.member_id == resource.table.c.id)]
                else:
                    member_id = found.member_id
                    join, where = (found.link, member_id == resource.table.c.id), [*where, found.condition]
                break
    everyone = members is not None and members.relation.members_visible(caller)
    scope = [] if everyone else scope_clauses(resource, caller)
    others = [*scope, *(resource.filters[name].clause(values, caller) for name, values in filters.items())]
    clauses = [*others, *where]
    source = resource.table if join is None else resource.table.join(*join)
    rows = (select(*columns) if columns else resource.select_rows).select_from(source)
    if clauses:
        rows = rows.where(and_(*clauses))
    if members is not None and not others and members.relation.counter is not None:
        count = members.relation.counted_total(members.parents)
    elif members is not None and not others:
        count = select(func.count()).select_from(members.link).where(members.condition)
    else:
        count = select(func.count()).select_from(source)
        count = count.where(and_(*clauses)) if clauses else count
    twins = ()
    if member_id is not None:
        # A cursor bounds the member column the order reads and the target's id too: PostgreSQL does not
        # carry an inequality across the join's equality, and would otherwise merge-join the target's whole
        # primary key up to the cursor's position.
        twins = (keys,)
        keys = [(member_id if column is resource.table.c.id else column, desc) for column, desc in keys]
    return rows, count, keys, twins


# From this many members on, a sorted list of one parent's members walks the target's sort index.
DENSE_MEMBERS = 1000


def _dense(members):
    """Whether one parent has at least DENSE_MEMBERS members (one statement reading at most that many index
    entries, run for every sorted member list so the statement count stays fixed)."""
    head = select(literal(1)).select_from(members.link).where(members.condition).limit(DENSE_MEMBERS).subquery()
    return db.session.execute(select(func.count()).select_from(head)).scalar_one() >= DENSE_MEMBERS


def fetch_list(resource, query, caller, dialect, *, where=(), default_order=None, members=None):
    """A page of ``resource`` (by number or by cursor) with everything its document needs."""
    rows, count, keys, twins = list_statements(resource, query, caller, where=where, default_order=default_order,
                                               members=members)
    rows, total, page = cursors.paginate(rows, count, keys, query, twins)
    store = Store()
    complete(store, resource, rows, query, caller, dialect)
    return Result(resource, rows, store, query, many=True, total=total, cursor=page, count_source=count_source(count))


def fetch_row(resource, id_, caller):
    """One row the caller may see, or None."""
    clauses = [resource.table.c.id == id_, *scope_clauses(resource, caller)]
    return db.session.execute(resource.select_rows.where(*clauses)).first()


def fetch_one(resource, id_, query, caller, dialect):
    row = fetch_row(resource, id_, caller)
    if row is None:
        return None
    store = Store()
    complete(store, resource, [row], query, caller, dialect)
    return Result(resource, [row], store, query, many=False, total=1)


def load_rows(store, resource, ids, caller):
    """Rows of ``resource`` with these ids that the caller may see; one statement, always run."""
    known = store.rows.get(resource.type, {})
    wanted = [i for i in dict.fromkeys(ids) if i not in known]
    scope = scope_clauses(resource, caller)
    if scope:
        rows = db.session.execute(resource.select_rows.where(in_ids(resource.table.c.id, wanted), *scope)).all()
    else:
        rows = db.session.execute(resource.rows_by_ids, {"ids": wanted}).all()
    store.add_rows(resource, rows)
    bucket = store.rows.get(resource.type, {})
    return [bucket[i] for i in dict.fromkeys(ids) if i in bucket], rows


def load_computed(store, resource, rows, caller):
    if not resource.page_computed:
        return
    ids = [r[0] for r in rows]
    per_type = store.computed.setdefault(resource.type, {n: {} for n in resource.page_computed})
    for name, fn in resource.page_computed.items():
        per_type[name].update(fn(ids, caller))


def load_linkage(store, resource, relation, rows, limit, caller):
    key = (resource.type, relation.name)
    have = store.linkage.setdefault(key, {})
    found = relation.linkage([r[0] for r in rows], limit, caller)
    have.update(found)
    return have


def complete(store, resource, rows, query, caller, dialect):
    complete_groups(store, [(resource, rows)], query, caller, dialect)


def complete_groups(store, groups, query, caller, dialect):
    """Linkage, computed fields and includes of primary rows given as [(resource, rows), …]."""
    config = current_app.config
    store.primary = set()
    for resource, rows in groups:
        store.add_rows(resource, rows)
        store.primary |= {(resource.type, r[0]) for r in rows}
    for resource, rows in groups:
        hidden = _hidden_relations(resource, query)
        for relation in resource.to_many:
            if relation.name in hidden:
                continue
            included = relation.name in query.include_tree
            limit = config["INCLUDE_MAX_RESOURCES"] + 1 if included else config["LINKAGE_MAX"]
            load_linkage(store, resource, relation, rows, limit, caller)
        load_computed(store, resource, rows, caller)
        if dialect.owner_objects:
            # the dialect writes a polymorphic to-one (the owner) as an object with the target's name
            for relation in resource.to_one:
                if relation.polymorphic and relation.name not in hidden and relation.name not in query.include_tree:
                    _load_to_one_targets(store, resource, relation, rows, caller)
    if query.include_tree:
        _include(store, groups, query.include_tree, caller, config, root=True)


def fetch_members(relation, parent_id, query, caller, dialect):
    """A page of a polymorphic to-many relation's members, in the relation's order."""
    total, pairs, page, source = relation.page(parent_id, caller, query)
    store = Store()
    groups = []
    for type_name in relation.types:
        target = RESOURCES[type_name]
        _visible, rows = load_rows(store, target, [i for t, i in pairs if t == type_name], caller)
        groups.append((target, rows))
    complete_groups(store, groups, query, caller, dialect)
    mixed = [(t, store.row(t, i)) for t, i in pairs if store.row(t, i) is not None]
    return Result(RESOURCES[relation.types[0]], [row for _t, row in mixed], store, query, many=True, total=total,
                  mixed=mixed, key=relation.link_type, cursor=page, count_source=source)


def _hidden_relations(resource, query):
    wanted = query.fields.get(resource.type)
    if wanted is None:
        return set()
    return {name for name in resource.relations if name not in wanted and name not in query.include_tree}


def _load_to_one_targets(store, resource, relation, rows, caller):
    ids_by_type = {t: [] for t in relation.types}
    for row in rows:
        link = relation.linkage(row, resource.index)
        if link is not None:
            ids_by_type[link[0]].append(link[1])
    for type_name, ids in ids_by_type.items():
        target = RESOURCES[type_name]
        loaded, new_rows = load_rows(store, target, ids, caller)
        load_computed(store, target, new_rows, caller)


def _include(store, parents, tree, caller, config, root=False):
    cap = config["INCLUDE_MAX_RESOURCES"]
    for name, subtree in tree.items():
        targets = {}
        link_type = None
        for resource, rows in parents:
            relation = resource.relations.get(name)
            if relation is None:
                continue
            link_type = relation.link_type
            for type_name in relation.types:
                targets.setdefault(type_name, [])
            if relation.many:
                key = (resource.type, relation.name)
                if root and key in store.linkage:
                    linkage = store.linkage[key]  # read for the primary rows already, with this cap
                else:
                    known = store.linkage.get(key, {})
                    # read again where an earlier read (bounded by LINKAGE_MAX) left the list out
                    missing = [r for r in rows if r[0] not in known or len(known[r[0]][0]) != known[r[0]][1]]
                    linkage = load_linkage(store, resource, relation, missing, cap + 1, caller)
                for row in rows:
                    ids, total = linkage.get(row[0], ((), 0))
                    if total > len(ids) or total > cap:
                        raise _too_many(cap)
                    if relation.polymorphic:
                        for type_name, id_ in ids:
                            targets[type_name].append(id_)
                    else:
                        targets[relation.types[0]].extend(ids)
            else:
                for row in rows:
                    link = relation.linkage(row, resource.index)
                    if link is not None:
                        targets[link[0]].append(link[1])
        children = []
        for type_name, ids in targets.items():
            target = RESOURCES[type_name]
            visible, new_rows = load_rows(store, target, ids, caller)
            load_computed(store, target, new_rows, caller)
            bucket = store.linked.setdefault(link_type, {})
            for row in visible:
                ident = (type_name, row[0])
                if ident not in store.primary:
                    store.included[ident] = True
                    bucket[ident] = True
            children.append((target, visible))
        if len(store.included) > cap:
            raise _too_many(cap)
        if subtree:
            _include(store, children, subtree, caller, config)


def _too_many(cap):
    return ApiError(400, f"The include would return more than {cap} resources (INCLUDE_MAX_RESOURCES); "
                    "ask for fewer, or page the relationship endpoint instead.",
                    code="include_too_large", parameter="include")
