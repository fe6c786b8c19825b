"""Relationship endpoints for every relation of every type (API §4).

* Panoptes: ``POST …/links/<rel>`` adds (to-many) or sets (to-one) and answers with the parent
  document; ``DELETE …/links/<rel>/<ids>`` removes. Adding a member twice is a 400, as Panoptes does.
* JSON:API: ``GET|POST|PATCH|DELETE …/relationships/<rel>`` and the same under ``…/links/<rel>``
  with linkage bodies and JSON:API's idempotent semantics.
* ``GET …/<rel>``: the related resources themselves.
"""
from flask import request

from app.auth import current_caller
from app.engine import cursors
from app.engine.body import read_json
from app.engine.documents import linkage_document, page_info
from app.engine.errors import ApiError, combine, not_found
from app.engine.fetch import Result, Store, fetch_list, fetch_members, fetch_one, fetch_row, list_statements
from app.engine.http import (
    context, dialect, no_content, parse_query, respond, respond_result, require_caller, show_response,
)
from app.engine.registry import RESOURCES
from app.engine.relations import count_source
from app.engine.routes import Route, add_route
from app.operations import ADD, DROP, REPLACE, Operation, Precondition, Processor


class RelationViews:
    def __init__(self, resource):
        self.resource = resource

    # -- reading ---------------------------------------------------------------------------------
    def _parent_row(self, id, parents):
        """The parent's row if the caller may see it (else 404), with the caller."""
        resource, caller = self.resource, current_caller()
        resource.check_parents(parents, id, caller)
        row = fetch_row(resource, id, caller)
        if row is None:
            raise not_found(resource.type, id)
        return row, caller

    def related(self, id, rel, **parents):
        resource = self.resource
        row, caller = self._parent_row(id, parents)
        relation = resource.relations[rel]
        if relation.polymorphic and relation.many:
            query = self._members_query(relation)
            return respond_result(fetch_members(relation, id, query, caller, dialect()))
        if relation.many:
            target = RESOURCES[relation.types[0]]
            query = parse_query(target)
            where, order, members = relation.related_clause(id)
            result = fetch_list(target, query, caller, dialect(), where=where, default_order=order, members=members)
            return respond_result(result)
        link = relation.linkage(row, resource.index)
        target = RESOURCES[link[0] if link else relation.types[0]]
        query = parse_query(target, listing=False)
        result = fetch_one(target, link[1], query, caller, dialect()) if link else None
        if result is None:
            result = Result(target, [], Store(), query, many=False, total=0)
        return respond_result(result)

    def _members_query(self, relation):
        """Paging, fields and include for a polymorphic relation's members (their order is the relation's).
        Parameters are checked against the first member type; the member types share their fields."""
        query = parse_query(RESOURCES[relation.types[0]])
        if query.filters or query.sort_text:
            raise ApiError(400, f"The members of {relation.name} come in their own order and cannot be sorted "
                           "or filtered.", parameter="sort" if query.sort_text else "filter",
                           code="invalid_parameter")
        return query

    def linkage(self, id, rel, **parents):
        if dialect().linkage_answers_related:
            return self.related(id, rel, **parents)
        resource = self.resource
        row, caller = self._parent_row(id, parents)
        relation = resource.relations[rel]
        ctx = context()
        url = ctx.root + resource.row_path(row).rstrip("/")
        if not relation.many:
            doc = linkage_document(relation, url, None, ctx, to_one=relation.linkage(row, resource.index))
            return respond(doc)
        target = RESOURCES[relation.types[0]]
        query = parse_query(target)
        self._paging_only(query)
        if relation.polymorphic:
            total, ids, page, source = relation.page(id, caller, query)
        else:
            where, order, members = relation.related_clause(id)
            rows, count, keys, twins = list_statements(target, query, caller, where=where, default_order=order,
                                                       members=members, columns=[target.table.c.id])
            rows, total, page = cursors.paginate(rows, count, keys, query, twins)
            ids, source = [row[0] for row in rows], count_source(count)
        paging = page_info(Result(target, ids, None, query, many=True, total=total, cursor=page,
                                  count_source=source), ctx)
        doc = linkage_document(relation, url, ids, ctx, paging=paging, cursor_paged=page is not None)
        return respond(doc, profiles=(cursors.PROFILE,) if page is not None else ())

    @staticmethod
    def _paging_only(query):
        if query.filters or query.include or query.sort_text:
            raise ApiError(400, "A relationship endpoint takes only paging parameters.", parameter="include",
                           code="invalid_parameter")

    def dispatch(self, id, rel, url, **parents):
        if request.method in ("GET", "HEAD"):
            return self.linkage(id, rel, **parents)
        return self.write(id, rel, url, **parents)

    # -- writing ---------------------------------------------------------------------------------
    def write(self, id, rel, url, **parents):
        """POST/PATCH/DELETE on …/links/<rel> or …/relationships/<rel>."""
        if url == "links" and dialect().links_by_key:  # not …/relationships/…
            if request.method == "POST":
                return self.panoptes_add(id, rel, parents)
            if request.method == "DELETE":
                raise ApiError(400, f"Name the ids to remove in the URL: …/links/{rel}/<ids>.", code="ids_missing")
            raise ApiError(405, "Links are added with POST and removed with DELETE …/links/<rel>/<ids>.",
                           code="method_not_allowed", headers={"Allow": "GET, POST, DELETE"})
        return self.jsonapi_write(id, rel, parents)

    def _operation(self, kind, id, rel, parents, **kw):
        return Operation(kind, self.resource, id, parents=parents, relation=self.resource.relations[rel],
                         precondition=Precondition.of_request(), **kw)

    def panoptes_add(self, id, rel, parents):
        relation = self.resource.relations[rel]
        op = self._operation(ADD, id, rel, parents, duplicates_refused=True,
                             read=lambda: dialect().read_linkage(relation, read_json()))
        Processor(require_caller()).run(op)
        return show_response(self.resource, id)

    def unlink_ids(self, id, rel, ids, **parents):
        """DELETE …/links/<rel>/<comma-separated ids> (``%2C`` arrives decoded)."""
        caller = require_caller()
        relation = self.resource.relations[rel]

        def read():
            linkage, errors = [], []
            for part in dict.fromkeys(ids.split(",")):  # a part named twice is one error
                if part.strip():
                    members = relation.parse_member(part)
                    if members is None:
                        errors.append(ApiError(400, f"'{part}' is not a valid id of a {rel} member.",
                                               code="invalid_id", parameter=rel))
                    else:
                        linkage.extend(m if isinstance(m, tuple) else (relation.types[0], m) for m in members)
            if errors:
                raise combine(errors)
            return linkage, None

        Processor(caller).run(self._operation(DROP, id, rel, parents, read=read))
        return no_content()

    def jsonapi_write(self, id, rel, parents):
        relation = self.resource.relations[rel]
        method = request.method
        if not relation.many and method != "PATCH":
            raise ApiError(405, "A to-one relationship is replaced with PATCH.", code="method_not_allowed",
                           headers={"Allow": "GET, PATCH"})
        kind = {"POST": ADD, "PATCH": REPLACE, "DELETE": DROP}[method]
        op = self._operation(kind, id, rel, parents, read=lambda: dialect().read_linkage(relation, read_json()))
        Processor(require_caller()).run(op)
        return no_content()


def register_relations(bp, resource, member, t=None):
    views = RelationViews(resource)
    t = t or resource.type
    for name, relation in resource.relations.items():

        def add(rule, view, fn, methods, **defaults):
            add_route(bp, rule, f"{t}:{view}:{name}", fn, methods, Route(resource, view, relation),
                      defaults={"rel": name, **defaults})

        # a to-one relationship is only read and replaced at …/relationships/ (…/links/ also takes the
        # Panoptes dialect's POST, which sets it)
        relationship_methods = ["GET", "POST", "PATCH", "DELETE"] if relation.many else ["GET", "PATCH"]
        add(f"{member}/links/{name}", "links", views.dispatch, ["GET", "POST", "PATCH", "DELETE"], url="links")
        add(f"{member}/relationships/{name}", "relationships", views.dispatch, relationship_methods,
            url="relationships")
        add(f"{member}/links/{name}/<ids>", "unlink", views.unlink_ids, ["DELETE"])
        if relation.related:
            add(f"{member}/{name}", "related", views.related, ["GET"])
