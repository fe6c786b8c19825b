"""index, show, create, update and destroy, written once for every resource type: each parses the request in
its dialect, runs one operation and answers with a document."""
from flask import request

from app.auth import current_caller
from app.engine.body import Input, read_json
from app.engine.fetch import fetch_list, fetch_one
from app.engine.http import (
    dialect, no_content, parse_query, require_caller, respond_result, show_response,
)
from app.operations import CREATE, REMOVE, UPDATE, Operation, Precondition, Processor


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
        query = parse_query(resource, listing=False)

        def read():
            body = read_json(required=not resource.create_body_optional)
            if resource.create_body_optional and not body:  # nothing, or an empty document: no edits
                return Input()
            return dialect().read_resource(resource, body, partial=resource.create_body_optional or None)

        outcome = Processor(caller).run(Operation(CREATE, resource, parents=parents, read=read))
        return show_response(resource, outcome.id, status=201, query=query, location=True)

    def update(self, id, **parents):
        resource = self.resource
        caller = require_caller()
        query = parse_query(resource, listing=False)
        op = Operation(UPDATE, resource, id, parents=parents,
                       precondition=Precondition.of_request(dialect().requires_if_match(request.method)),
                       read=lambda: dialect().read_resource(resource, read_json(), update_id=id))
        Processor(caller).run(op)
        return show_response(resource, id, query=query)

    def destroy(self, id, **parents):
        resource = self.resource
        caller = require_caller()
        keep = None
        if resource.delete_answers_document and dialect().deleted_answer == "document":
            query = parse_query(resource, listing=False)
            # read before deleting: the answer is the resource as it was
            keep = lambda: fetch_one(resource, id, query, caller, dialect())  # noqa: E731
        op = Operation(REMOVE, resource, id, parents=parents,
                       precondition=Precondition.of_request(dialect().requires_if_match(request.method)), keep=keep)
        outcome = Processor(caller).run(op)
        if outcome.kept is not None:
            return respond_result(outcome.kept)
        return no_content()


def register(bp, resource):
    """Routes for one declaration: its lists and members (only the methods the type allows), and every
    relation's endpoints."""
    from links.endpoints import register_relations

    views = (resource.views or Views)(resource)
    for number, (base, creates) in enumerate(resource.route_bases()):
        t = resource.type if number == 0 else f"{resource.type}~{number}"
        bp.add_url_rule(base, f"{t}:index", views.index, methods=["GET"], strict_slashes=False)
        if creates and resource.creatable:
            bp.add_url_rule(base, f"{t}:create", views.create, methods=["POST"], strict_slashes=False)
        member = base + "/<resid:id>"
        bp.add_url_rule(member, f"{t}:show", views.show, methods=["GET"], strict_slashes=False)
        if resource.updatable:
            bp.add_url_rule(member, f"{t}:update", views.update, methods=["PUT", "PATCH"], strict_slashes=False)
        if resource.deletable:
            bp.add_url_rule(member, f"{t}:destroy", views.destroy, methods=["DELETE"], strict_slashes=False)
        register_relations(bp, resource, member, t)
    resource.extra_routes(bp, views)
