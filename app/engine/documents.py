"""Documents: the JSON:API 1.1 form and the Panoptes form of one read result.

Both renderers walk the same ``Result`` (rows, linkage, includes); only the shape differs.
"""
import math
from dataclasses import dataclass
from urllib.parse import quote

from app.engine.registry import RESOURCES
from app.engine.relations import ROWS, PolymorphicToOne, ToOne
from app.engine.link_templates import jsonapi_link_templates, panoptes_links

JSONAPI_VERSION = {"version": "1.1"}


@dataclass
class Context:
    root: str          # absolute API root, e.g. http://127.0.0.1:5000/api
    caller: object
    dialect: object
    path: str          # request path below the API root, e.g. /collections
    self_url: str      # the request URL as sent
    config: dict


# How a relation's linkage is read from a row, decided once per type and document (see ``_plan``).
_TO_MANY, _TO_ONE, _OTHER = 0, 1, 2


def _plan(resource, rels, row_linkage):
    """(rel, name, kind, source, target type, "/links/<name>", "/<name>") per relation.

    ``source`` is the page's linkage map for a to-many relation, the (row position, type) pairs of
    the foreign key columns of a (polymorphic) to-one, or the row index for any other relation
    class, which keeps its own ``linkage(row, index)``.
    """
    plan = []
    index = resource.index
    for rel in rels:
        name = rel.name
        if rel.many:
            # a polymorphic relation's linkage holds (type, id) pairs instead of ids of one type
            entry = (rel, name, _TO_MANY, row_linkage.get(name), None if rel.polymorphic else rel.types[0])
        elif type(rel) is ToOne:
            entry = (rel, name, _TO_ONE, ((index[rel.column.key], rel.types[0]),), None)
        elif type(rel) is PolymorphicToOne:
            entry = (rel, name, _TO_ONE, tuple((index[c.key], t) for t, c in rel.by_type.items()), None)
        else:
            entry = (rel, name, _OTHER, index, None)
        plan.append(entry + ("/links/" + name, "/" + name))
    return plan


def _to_one(entry, row):
    """(type, id) of a to-one relation's target in ``row``, or None."""
    if entry[2] == _TO_ONE:
        for position, type_name in entry[3]:
            value = row[position]
            if value is not None:
                return (type_name, value)
        return None
    return entry[0].linkage(row, entry[3])


class _TypeState:
    """What one type needs while rendering one document, worked out once per type."""

    __slots__ = ("resource", "base", "slash", "computed", "fields", "rels", "row_linkage", "plan", "render",
                 "redact", "url_of", "plain")

    def __init__(self, resource, store, query, ctx):
        self.resource = resource
        self.base = ctx.root + "/" + resource.path + "/"
        self.slash = "/" if resource.trailing_slash else ""
        # Nested types (a path that depends on the parent) build each URL from the row.
        root = ctx.root
        self.url_of = (lambda row: root + resource.row_path(row).rstrip("/")) if resource.nested else None
        self.computed = store.computed.get(resource.type) or {n: {} for n in resource.computed}
        wanted = query.fields.get(resource.type)
        self.fields = wanted
        self.rels = [r for r in resource.relations.values() if wanted is None or r.name in wanted]
        self.row_linkage = {r.name: store.linkage.get((resource.type, r.name)) for r in resource.to_many}
        self.plan = _plan(resource, self.rels, self.row_linkage)
        self.render = resource.render_attributes
        self.redact = resource.redact if resource.has_redaction else None
        # no sparse fieldset and no redaction: the compiled reader's dict is the attributes object
        self.plain = wanted is None and self.redact is None


def _states(result, ctx):
    cache = {}

    def state(type_name):
        st = cache.get(type_name)
        if st is None:
            st = cache[type_name] = _TypeState(RESOURCES[type_name], result.store, result.query, ctx)
        return st

    return state


def _attributes(st, row, ctx):
    attrs = st.render(row, st.computed)
    if st.plain:
        return attrs
    if st.fields is not None:
        attrs = {k: v for k, v in attrs.items() if k in st.fields}
    if st.redact is not None:
        attrs = st.redact(attrs, row, ctx.caller)
    return attrs


# -- JSON:API ------------------------------------------------------------------------------------

def jsonapi_resource(st, row, ctx):
    resource = st.resource
    id_ = row[0]
    sid = str(id_)
    url = st.base + sid if st.url_of is None else st.url_of(row)
    relationships = {}
    for entry in st.plan:
        _rel, name, kind, source, target, self_suffix, related_suffix = entry
        obj = {"links": {"self": url + self_suffix, "related": url + related_suffix}}
        if kind == _TO_MANY:
            if source is not None:
                ids, total = source.get(id_, ((), 0))
                if len(ids) == total:
                    obj["data"] = ([{"type": target, "id": str(i)} for i in ids] if target is not None
                                   else [{"type": t, "id": str(i)} for t, i in ids])
                obj["meta"] = {"count": total}
        elif kind == _TO_ONE:
            data = None
            for position, type_name in source:
                value = row[position]
                if value is not None:
                    data = {"type": type_name, "id": str(value)}
                    break
            obj["data"] = data
        else:
            link = _to_one(entry, row)
            obj["data"] = None if link is None else {"type": link[0], "id": str(link[1])}
        relationships[name] = obj
    doc = {"type": resource.type, "id": sid, "attributes": _attributes(st, row, ctx)}
    if relationships:
        doc["relationships"] = relationships
    doc["links"] = {"self": url + st.slash}
    for name, (path, _type) in resource.document_links.items():
        doc["links"][name] = ctx.root + path.replace("{id}", sid)
    return doc


def jsonapi_document(result, ctx, meta=None):
    state = _states(result, ctx)
    resource = result.resource
    primary = state(resource.type)
    types = [resource.type]
    if result.mixed is None:
        data = [jsonapi_resource(primary, row, ctx) for row in result.rows]
    else:
        data = [jsonapi_resource(state(t), row, ctx) for t, row in result.mixed]
        types.extend(dict.fromkeys(t for t, _row in result.mixed if t != resource.type))
    doc = {"jsonapi": JSONAPI_VERSION}
    if result.many:
        doc["data"] = data
    else:
        doc["data"] = data[0] if data else None
    if result.query.include:
        included = []
        for type_name, id_ in result.store.included:
            included.append(jsonapi_resource(state(type_name), result.store.row(type_name, id_), ctx))
            if type_name not in types:
                types.append(type_name)
        doc["included"] = included
    links = {"self": ctx.self_url, "describedby": ctx.root + "/openapi.json"}
    doc_meta = dict(meta or {})
    if result.many:
        paging = page_info(result, ctx)
        links.update(page_links(paging, result.cursor is not None))
        doc_meta[result.meta_key] = paging
    doc["links"] = links
    doc_meta["link_templates"] = jsonapi_link_templates(types, ctx.root)
    doc["meta"] = doc_meta
    return doc


def linkage_document(relation, url, ids, ctx, paging=None, to_one=None, cursor_paged=False):
    """Primary data of a relationship endpoint (of the resource at ``url``): resource identifiers."""
    doc = {"jsonapi": JSONAPI_VERSION}
    if relation.polymorphic and relation.many:
        doc["data"] = [{"type": t, "id": str(i)} for t, i in ids]
    elif relation.many:
        target = relation.types[0]
        doc["data"] = [{"type": target, "id": str(i)} for i in ids]
    else:
        doc["data"] = None if to_one is None else {"type": to_one[0], "id": str(to_one[1])}
    links = {"self": ctx.self_url, "related": f"{url}/{relation.name}", "describedby": ctx.root + "/openapi.json"}
    if paging:
        links.update(page_links(paging, cursor_paged))
        doc["meta"] = {relation.link_type: paging}
    doc["links"] = links
    return doc


# -- Panoptes ------------------------------------------------------------------------------------

def panoptes_resource(st, row, ctx, store):
    resource = st.resource
    sid = str(row[0])
    obj = {"id": sid, "href": resource.row_path(row)}
    obj.update(_attributes(st, row, ctx))
    links = {}
    for entry in st.plan:
        rel, name, kind, linkage = entry[0], entry[1], entry[2], entry[3]
        if kind == _TO_MANY:
            if linkage is None:
                continue
            ids, total = linkage.get(row[0], ((), 0))
            if len(ids) == total and not rel.polymorphic:
                links[name] = [str(i) for i in ids]
            else:
                # Too many to list, or of several types: point at the paged list (never a cut list).
                href = (f"/{RESOURCES[rel.types[0]].path}?{rel.param}={sid}" if rel.param
                        else f"{resource.row_path(row).rstrip('/')}/{name}")
                links[name] = {"href": href, "type": rel.link_type, "count": total}
                if len(ids) == total:
                    links[name]["members"] = [{"id": str(i), "type": t, "href": RESOURCES[t].self_path(i)}
                                              for t, i in ids]
        else:
            link = _to_one(entry, row)
            if link is None:
                links[name] = None
            elif rel.polymorphic:
                target = RESOURCES[link[0]]
                value = {"id": str(link[1]), "type": link[0], "href": target.self_path(link[1])}
                target_row = store.row(link[0], link[1])
                position = target.index.get("display_name")
                if target_row is not None and position is not None:
                    value["display_name"] = target_row[position]
                links[name] = value
            else:
                links[name] = str(link[1])
    obj["links"] = links
    return obj


def panoptes_document(result, ctx, meta=None):
    state = _states(result, ctx)
    resource = result.resource
    primary = state(resource.type)
    store = result.store
    if result.mixed is None:
        doc = {resource.type: [panoptes_resource(primary, row, ctx, store) for row in result.rows]}
    else:
        # Type-keyed, as Panoptes documents are: each type's members in the relation's order.
        doc = {resource.type: []}
        for type_name, row in result.mixed:
            doc.setdefault(type_name, []).append(panoptes_resource(state(type_name), row, ctx, store))
    types = list(doc)
    linked = {}
    if result.query.include:
        for link_type, members in store.linked.items():
            items = linked.setdefault(link_type, [])
            for type_name, id_ in members:
                items.append(panoptes_resource(state(type_name), store.row(type_name, id_), ctx, store))
                if type_name not in types:
                    types.append(type_name)
    doc["links"] = panoptes_links(types)
    if result.query.include:
        doc["linked"] = linked
    doc_meta = dict(meta or {})
    doc_meta[result.meta_key] = page_info(result, ctx)
    doc["meta"] = doc_meta
    return doc


# -- paging --------------------------------------------------------------------------------------

def _encode(pairs):
    return "&".join(f"{quote(k, safe='[]')}={quote(str(v), safe=',')}" for k, v in pairs)


def page_href(ctx, query, page=None, cursor=None):
    """The link to another page of this list: numbered (``page``), or by cursor (``cursor``: a
    ("page[after]" or "page[before]", cursor text) pair, the text empty for the first or the last page)."""
    dialect = ctx.dialect
    pairs = []
    if cursor is not None:
        pairs.append(("page[size]", query.page_size))
        pairs.append(cursor)
    else:
        if dialect.page_size_always or page != 1:
            pairs.append((dialect.page_number_key, page))
        if dialect.page_size_always or query.page_size != ctx.config["PAGE_SIZE_DEFAULT"]:
            pairs.append((dialect.page_size_key, query.page_size))
    if query.include:
        pairs.append(("include", ",".join(query.include_names())))
    if dialect.fields_in_page_links:
        for type_name, names in query.fields.items():
            pairs.append((f"fields[{type_name}]", ",".join(sorted(names))))
    if query.sort_text:
        pairs.append(("sort", query.sort_text))
    for name, key, value in query.filter_forms:
        pairs.append((dialect.filter_key(name, key), value))
    text = _encode(pairs)
    base = ctx.root + ctx.path if dialect.absolute_links else ctx.path
    return base + ("?" + text if text else "")


def page_links(paging, cursor_paged):
    """Top-level ``links`` of a list from its paging meta: page links that do not exist are left out (the
    JSON:API schema wants them absent), but a cursor page keeps ``prev`` and ``next`` as null, as the cursor
    pagination profile requires."""
    names = {"first": "first", "prev": "previous", "next": "next", "last": "last"}
    links = {k: paging[v + "_href"] for k, v in names.items() if paging[v + "_href"]}
    if cursor_paged:
        links.setdefault("prev", None)
        links.setdefault("next", None)
    return links


def page_info(result, ctx):
    query = result.query
    if not result.many:
        href = result.resource.row_path(result.rows[0]) if result.rows else ctx.path
        if ctx.dialect.absolute_links:
            href = ctx.root + href
        return {"page": 1, "page_size": query.page_size, "count": len(result.rows), "count_source": ROWS,
                "include": query.include_names(), "page_count": 1, "previous_page": None, "next_page": None,
                "first_href": href,
                "previous_href": None, "next_href": None, "last_href": href}
    if result.cursor is not None:
        # no page numbers and no count: the count would read every matching row (docs/decisions.md)
        before, after = result.cursor.links(query)
        return {
            "page": None, "page_size": query.page_size, "count": None, "count_source": None,
            "include": query.include_names(),
            "page_count": None, "previous_page": None, "next_page": None,
            "first_href": page_href(ctx, query, cursor=("page[after]", "")),
            "previous_href": None if before is None else page_href(ctx, query, cursor=("page[before]", before)),
            "next_href": None if after is None else page_href(ctx, query, cursor=("page[after]", after)),
            "last_href": page_href(ctx, query, cursor=("page[before]", "")),
        }
    total, size, page = result.total, query.page_size, query.page
    page_count = math.ceil(total / size) if total else 0
    previous_page = min(page - 1, page_count) if page > 1 and page_count else None
    next_page = page + 1 if page < page_count else None
    return {
        "page": page,
        "page_size": size,
        "count": total,
        "count_source": result.count_source,
        "include": query.include_names(),
        "page_count": page_count,
        "previous_page": previous_page,
        "next_page": next_page,
        "first_href": page_href(ctx, query, 1),
        "previous_href": page_href(ctx, query, previous_page) if previous_page else None,
        "next_href": page_href(ctx, query, next_page) if next_page else None,
        "last_href": page_href(ctx, query, max(page_count, 1)),
    }
