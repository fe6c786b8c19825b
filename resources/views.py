"""index, show, create, update and destroy, written once for every resource type."""
from flask import current_app, request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.auth import current_caller
from app.engine import params
from app.engine.body import parse_resource, resolve_targets
from app.engine.errors import ApiError, conflict, not_found
from app.engine.fetch import fetch_list, fetch_one
from app.engine.http import (check_if_match, context, dialect, no_content, require_caller, respond_result)
from app.engine.relations import CREATE_ONLY
from app.extensions import db
from app.models.base import utcnow


def parse_query(resource, listing=True):
    return params.parse(request.args, resource, dialect(), current_app.config, listing=listing)


def load_object(resource, id_, caller):
    """The ORM object, for a write, if the caller may see it, else 404.

    The row is locked until the request commits (``FOR NO KEY UPDATE`` on PostgreSQL; SQLite write
    requests hold the database's write lock from their first statement, see app/database.py), so
    concurrent writes to one resource queue up: each sees the version the previous one committed,
    a write without If-Match never fails on a version it did not ask about, and of several writes
    carrying the same ETag exactly one wins (the others get 412 from check_if_match).
    """
    resource.lock_first(id_)
    return find_visible(resource, id_, caller, lock=True)


def find_visible(resource, id_, caller, lock=False):
    """The ORM object if the caller may see it, else 404; ``lock``: see ``load_object``."""
    model = resource.model
    query = select(model).where(model.id == id_)
    scope = resource.policy.scope(caller, resource)
    if scope is not None:
        query = query.where(scope)
    if lock:
        query = query.with_for_update(key_share=True, of=model).execution_options(populate_existing=True)
    obj = db.session.execute(query).scalar_one_or_none()
    if obj is None:
        raise not_found(resource.type, id_)
    return obj


def require_action(resource, caller, obj, action):
    if action not in resource.policy.actions(caller, obj):
        raise ApiError(403, f"You are not allowed to {ACTION_WORDS.get(action, action)} this "
                       f"{resource.type} resource.", code="forbidden")


ACTION_WORDS = {"update": "change", "destroy": "delete", "link": "add links to", "unlink": "remove links from"}


def commit():
    """Commit, turning constraint and version conflicts into client errors; nothing is kept on failure."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ApiError(412, "The resource was changed by another request; read it again and retry.",
                       code="precondition_failed")
    except IntegrityError as exc:
        db.session.rollback()
        raise conflict() from exc


def bump_version(resource, id_):
    """A new version (and ETag) for a resource whose relations changed."""
    table = resource.table
    db.session.execute(
        update(table).where(table.c.id == id_).values(lock_version=table.c.lock_version + 1, updated_at=utcnow())
    )


def show_response(resource, id_, status=200, headers=None, query=None, location=False):
    """One resource's document; ``location``: with a Location header (its self link), as a create answers."""
    query = query or parse_query(resource, listing=False)
    result = fetch_one(resource, id_, query, current_caller(), dialect())
    if result is None:
        raise not_found(resource.type, id_)
    if location:
        headers = {**(headers or {}), "Location": context().root + resource.row_path(result.rows[0])}
    return respond_result(result, status=status, headers=headers)


def apply_relations(resource, obj, inp, creating):
    """To-one links are columns set before flush; to-many ones are written once the id exists."""
    to_many = []
    for name, linkage in inp.relations.items():
        relation = resource.relations[name]
        if relation.many:
            to_many.append((relation, relation.members(linkage)))
            continue
        if relation.mode == CREATE_ONLY and not creating:
            if linkage != relation.linkage_of(obj):
                raise ApiError(422, f"{name} is set when the resource is created and cannot be changed.",
                               code="read_only", pointer=inp.pointers.get(name))
            continue
        relation.apply(obj, linkage)
    return to_many


def _assign(resource, obj, values):
    """Set validated attributes on the object; return the write-only inputs for the hooks."""
    inputs = {}
    for key, value in values.items():
        if key in resource.write_only:
            inputs[key] = value
        else:
            setattr(obj, key, value)
    return inputs


class Views:
    """The five resource views bound to one declaration."""

    def __init__(self, resource):
        self.resource = resource

    def index(self, **parents):
        resource = self.resource
        query = parse_query(resource)
        where, order = resource.list_constraints(parents, current_caller())
        result = fetch_list(resource, query, current_caller(), dialect(), where=where, default_order=order)
        return respond_result(result)

    def show(self, id, **parents):
        resource = self.resource
        resource.check_parents(parents, id, current_caller())
        return show_response(resource, id)

    def create(self, **parents):
        resource = self.resource
        caller = require_caller()
        if not resource.creatable:
            raise ApiError(405, f"{resource.type} cannot be created through the API.", code="method_not_allowed")
        query = parse_query(resource, listing=False)
        inp = parse_resource(resource, dialect())
        resolve_targets(inp, caller)
        obj = resource.model()
        inputs = _assign(resource, obj, inp.values)
        to_many = apply_relations(resource, obj, inp, creating=True)
        resource.before_create(obj, inp.values, inp.relations, caller, **parents)
        resource.policy.may_create(caller, obj, inp)
        db.session.add(obj)
        try:
            db.session.flush()
        except IntegrityError as exc:
            db.session.rollback()
            raise conflict() from exc
        for relation, ids in to_many:
            relation.replace(obj.id, ids)
        resource.after_create(obj, caller)
        resource.after_write(obj, inputs, caller, creating=True)
        new_id = obj.id
        commit()
        return show_response(resource, new_id, status=201, query=query, location=True)

    def update(self, id, **parents):
        resource = self.resource
        caller = require_caller()
        resource.check_parents(parents, id, caller)
        query = parse_query(resource, listing=False)
        obj = load_object(resource, id, caller)
        require_action(resource, caller, obj, "update")
        check_if_match(resource, obj.id, obj.lock_version,
                       required=dialect().panoptes and request.method == "PUT")
        inp = parse_resource(resource, dialect(), update_id=id)
        resolve_targets(inp, caller)
        resource.before_update(obj, inp.values, inp.relations, caller)
        inputs = _assign(resource, obj, inp.values)
        to_many = apply_relations(resource, obj, inp, creating=False)
        for relation, ids in to_many:
            relation.replace(obj.id, ids)
            resource.after_unlink(obj.id, relation, None)
        resource.after_write(obj, inputs, caller, creating=False)
        obj.touch()
        commit()
        return show_response(resource, id, query=query)

    def destroy(self, id, **parents):
        resource = self.resource
        caller = require_caller()
        resource.check_parents(parents, id, caller)
        obj = load_object(resource, id, caller)
        require_action(resource, caller, obj, "destroy")
        check_if_match(resource, obj.id, obj.lock_version, required=dialect().panoptes)
        if not resource.deletable:
            raise ApiError(405, f"{resource.type} cannot be deleted through the API.", code="method_not_allowed")
        answer = None
        if resource.delete_answers_document and dialect().panoptes:
            # Read before deleting: the answer is the resource as it was.
            answer = fetch_one(resource, id, parse_query(resource, listing=False), caller, dialect())
        resource.remove(obj, caller)
        commit()
        if answer is not None:
            return respond_result(answer)
        return no_content()


def register(bp, resource):
    """Routes for one declaration: the collection, its members, and every relation's endpoints."""
    from links.endpoints import register_relations

    views = (resource.views or Views)(resource)
    for number, base in enumerate(resource.route_bases()):
        t = resource.type if number == 0 else f"{resource.type}~{number}"
        bp.add_url_rule(base, f"{t}:index", views.index, methods=["GET"], strict_slashes=False)
        bp.add_url_rule(base, f"{t}:create", views.create, methods=["POST"], strict_slashes=False)
        member = base + "/<resid:id>"
        bp.add_url_rule(member, f"{t}:show", views.show, methods=["GET"], strict_slashes=False)
        bp.add_url_rule(member, f"{t}:update", views.update, methods=["PUT", "PATCH"], strict_slashes=False)
        bp.add_url_rule(member, f"{t}:destroy", views.destroy, methods=["DELETE"], strict_slashes=False)
        register_relations(bp, resource, member, t)
    resource.extra_routes(bp, views)
