"""Relationship endpoints for every relation of every type (API §4).

* Panoptes: ``POST …/links/<rel>`` adds (to-many) or sets (to-one) and answers with the parent
  document; ``DELETE …/links/<rel>/<ids>`` removes. Adding a member twice is a 400, as Panoptes does.
* JSON:API: ``GET|POST|PATCH|DELETE …/relationships/<rel>`` and the same under ``…/links/<rel>``
  with linkage bodies and JSON:API's idempotent semantics.
* ``GET …/<rel>``: the related resources themselves.
"""
from flask import current_app, request
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError

from app.auth import current_caller
from app.engine import params
from app.engine.body import parse_linkage, read_json, resolve_targets, Input
from app.engine.documents import linkage_document, page_info
from app.engine.errors import ApiError, combine, conflict, not_found
from app.engine.fetch import Result, Store, fetch_list, fetch_members, fetch_one, fetch_row
from app.engine.http import check_if_match, context, dialect, no_content, respond, respond_result, require_caller
from app.engine.registry import RESOURCES
from app.engine.relations import CREATE_ONLY, READ_ONLY
from app.extensions import db
from resources.views import bump_version, commit, load_object, require_action, show_response


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
            query = params.parse(request.args, target, dialect(), current_app.config)
            clause, order, join = relation.related_clause(id)
            result = fetch_list(target, query, caller, dialect(), where=[clause], default_order=order, join=join)
            return respond_result(result)
        link = relation.linkage(row, resource.index)
        target = RESOURCES[link[0] if link else relation.types[0]]
        query = params.parse(request.args, target, dialect(), current_app.config, listing=False)
        result = fetch_one(target, link[1], query, caller, dialect()) if link else None
        if result is None:
            result = Result(target, [], Store(), query, many=False, total=0)
        return respond_result(result)

    def _members_query(self, relation):
        """Paging, fields and include for a polymorphic relation's members (their order is the relation's).
        Parameters are checked against the first member type; the member types share their fields."""
        query = params.parse(request.args, RESOURCES[relation.types[0]], dialect(), current_app.config)
        if query.filters or query.sort_text:
            raise ApiError(400, f"The members of {relation.name} come in their own order and cannot be sorted "
                           "or filtered.", parameter="sort" if query.sort_text else "filter",
                           code="invalid_parameter")
        return query

    def linkage(self, id, rel, **parents):
        if dialect().panoptes:
            return self.related(id, rel, **parents)
        resource = self.resource
        row, caller = self._parent_row(id, parents)
        relation = resource.relations[rel]
        ctx = context()
        url = ctx.root + resource.row_path(row).rstrip("/")
        if not relation.many:
            doc = linkage_document(relation, url, None, ctx, to_one=relation.linkage(row, resource.index))
            return respond(doc)
        if relation.polymorphic:
            query = params.parse(request.args, RESOURCES[relation.types[0]], dialect(), current_app.config)
            self._paging_only(query)
            total, pairs = relation.page(id, caller, query.page_size, query.offset)
            result = Result(RESOURCES[relation.types[0]], pairs, None, query, many=True, total=total)
            paging = page_info(result, ctx, panoptes=False)
            return respond(linkage_document(relation, url, pairs, ctx, paging=paging))
        target = RESOURCES[relation.types[0]]
        query = params.parse(request.args, target, dialect(), current_app.config)
        self._paging_only(query)
        clause, order, join = relation.related_clause(id)
        conditions = [clause]
        scope = target.policy.scope(caller, target)
        if scope is not None:
            conditions.append(scope)
        source = target.table if join is None else target.table.join(*join)
        total = db.session.execute(select(func.count()).select_from(source).where(and_(*conditions))).scalar_one()
        ids = db.session.scalars(
            select(target.table.c.id).select_from(source).where(and_(*conditions))
            .order_by(*order, target.table.c.id)
            .limit(query.page_size).offset(query.offset)
        ).all()
        paging = page_info(Result(target, ids, None, query, many=True, total=total), ctx, panoptes=False)
        return respond(linkage_document(relation, url, ids, ctx, paging=paging))

    @staticmethod
    def _paging_only(query):
        if query.filters or query.include or query.sort_text:
            raise ApiError(400, "A relationship endpoint takes only paging parameters.", parameter="include",
                           code="invalid_parameter")

    def dispatch(self, id, rel, **parents):
        if request.method == "GET":
            return self.linkage(id, rel, **parents)
        return self.write(id, rel, **parents)

    # -- writing ---------------------------------------------------------------------------------
    def _writable(self, relation):
        if relation.mode == READ_ONLY:
            raise ApiError(403, f"The {relation.name} relationship of {self.resource.type} is read only.",
                           code="read_only_relationship")
        if relation.mode == CREATE_ONLY:
            raise ApiError(403, f"The {relation.name} relationship of {self.resource.type} is set when the "
                           "resource is created and cannot be changed.", code="read_only_relationship")

    def _start(self, id, rel, parents):
        resource = self.resource
        caller = require_caller()
        resource.check_parents(parents, id, caller)
        obj = load_object(resource, id, caller)
        relation = resource.relations[rel]
        check_if_match(resource, obj.id, obj.lock_version)
        resource.before_link(obj, relation, caller)
        return caller, obj, relation

    def write(self, id, rel, **parents):
        """POST/PATCH/DELETE on …/links/<rel> or …/relationships/<rel>."""
        if dialect().panoptes and request.endpoint.endswith(":links:" + rel):  # not …/relationships/…
            if request.method == "POST":
                return self.panoptes_add(id, rel, parents)
            if request.method == "DELETE":
                raise ApiError(400, f"Name the ids to remove in the URL: …/links/{rel}/<ids>.", code="ids_missing")
            raise ApiError(405, "Links are added with POST and removed with DELETE …/links/<rel>/<ids>.",
                           code="method_not_allowed", headers={"Allow": "GET, POST, DELETE"})
        return self.jsonapi_write(id, rel, parents)

    def panoptes_add(self, id, rel, parents):
        caller, obj, relation = self._start(id, rel, parents)
        self._writable(relation)
        body = read_json()
        if not isinstance(body, dict) or rel not in body:
            raise ApiError(422, f"Link relation {rel} must match body key.", code="invalid_body", pointer=f"/{rel}")
        linkage = parse_linkage(relation, body[rel], f"/{rel}", panoptes=True)
        require_action(self.resource, caller, obj, relation.add_action)
        inp = Input(relations={rel: linkage}, pointers={rel: f"/{rel}"}, panoptes=True)
        resolve_targets(inp, caller)
        if relation.many:
            ids = relation.members(linkage)
            present = relation.present(obj.id, ids)
            if present:
                raise self._duplicate(relation, ids, present)
            try:
                relation.add(obj.id, ids)
            except IntegrityError as exc:
                # the unique constraint caught a member added meanwhile by another route (the parent
                # row is locked, so not through this one), or a member deleted meanwhile
                db.session.rollback()
                present = relation.present(obj.id, ids)
                if present:
                    raise self._duplicate(relation, ids, present) from exc
                raise conflict() from exc
        else:
            self._set_to_one(relation, obj.id, linkage)
        bump_version(self.resource, obj.id)
        commit()
        return show_response(self.resource, obj.id)

    def _duplicate(self, relation, ids, present):
        listed = ", ".join(relation.describe(i) for i in ids if i in present)
        return ApiError(400, f"Validation failed: {listed} "
                        f"{'are' if len(present) > 1 else 'is'} already in the "
                        f"{self.resource.type.rstrip('s')}'s {relation.name}.", code="duplicate_link",
                        pointer=f"/{relation.name}")

    def unlink_ids(self, id, rel, ids, **parents):
        """DELETE …/links/<rel>/<comma-separated ids> (``%2C`` arrives decoded)."""
        caller, obj, relation = self._start(id, rel, parents)
        self._writable(relation)
        require_action(self.resource, caller, obj, relation.remove_action)
        wanted = []
        errors = []
        for part in ids.split(","):
            if part.strip():
                members = relation.parse_member(part)
                if members is None:
                    errors.append(ApiError(400, f"'{part}' is not a valid id of a {rel} member.", code="invalid_id",
                                           parameter=rel))
                else:
                    wanted.extend(members)
        if errors:
            raise combine(errors)
        self._remove(relation, obj, wanted)
        return no_content()

    def _remove(self, relation, obj, ids):
        if relation.many:
            relation.remove(obj.id, ids)
            self.resource.after_unlink(obj.id, relation, ids)
        else:
            current = relation.linkage_of(obj)
            if current is not None and current[1] in ids:
                self._set_to_one(relation, obj.id, None)
        bump_version(self.resource, obj.id)
        commit()

    def _set_to_one(self, relation, parent_id, linkage):
        values = {}
        for type_name, column in relation.columns_by_type().items():
            values[column.key] = linkage[1] if linkage and linkage[0] == type_name else None
        table = self.resource.table
        db.session.execute(update(table).where(table.c.id == parent_id).values(**values))

    def jsonapi_write(self, id, rel, parents):
        caller, obj, relation = self._start(id, rel, parents)
        method = request.method
        if not relation.many and method != "PATCH":
            raise ApiError(405, "A to-one relationship is replaced with PATCH.", code="method_not_allowed",
                           headers={"Allow": "GET, PATCH"})
        if method == "PUT":  # …/links/<rel> takes PUT for the Panoptes dialect's answer; JSON:API has none
            raise ApiError(405, "A to-many relationship is changed with POST, PATCH or DELETE.",
                           code="method_not_allowed", headers={"Allow": "GET, POST, PATCH, DELETE"})
        self._writable(relation)
        body = read_json()
        if not isinstance(body, dict) or "data" not in body:
            raise ApiError(400, "The body needs a 'data' member with resource linkage.", code="invalid_body",
                           pointer="/data")
        linkage = parse_linkage(relation, body["data"], "/data", panoptes=False)
        needs = {"POST": [relation.add_action], "DELETE": [relation.remove_action],
                 "PATCH": [relation.add_action, relation.remove_action]}[method]
        for action in needs:
            require_action(self.resource, caller, obj, action)
        if method != "DELETE":
            resolve_targets(Input(relations={rel: linkage}, pointers={rel: "/data"}), caller)
        if not relation.many:
            self._set_to_one(relation, obj.id, linkage)
            bump_version(self.resource, obj.id)
            commit()
            return no_content()
        ids = relation.members(linkage)
        if method == "POST":
            present = relation.present(obj.id, ids)
            relation.add(obj.id, [i for i in ids if i not in present], skip_existing=True)
        elif method == "PATCH":
            relation.replace(obj.id, ids)
            self.resource.after_unlink(obj.id, relation, None)
        else:
            self._remove(relation, obj, ids)
            return no_content()
        bump_version(self.resource, obj.id)
        commit()
        return no_content()


def register_relations(bp, resource, member, t=None):
    views = RelationViews(resource)
    t = t or resource.type
    for name in resource.relations:
        defaults = {"rel": name}
        for kind in ("links", "relationships"):
            methods = ["GET", "POST", "PATCH", "DELETE"] + (["PUT"] if kind == "links" else [])
            bp.add_url_rule(f"{member}/{kind}/{name}", f"{t}:{kind}:{name}", views.dispatch, methods=methods,
                            defaults=defaults, strict_slashes=False)
        bp.add_url_rule(f"{member}/links/{name}/<ids>", f"{t}:unlink:{name}", views.unlink_ids,
                        methods=["DELETE"], defaults=defaults, strict_slashes=False)
        if resource.relations[name].related:
            bp.add_url_rule(f"{member}/{name}", f"{t}:related:{name}", views.related, methods=["GET"],
                            defaults=defaults, strict_slashes=False)
