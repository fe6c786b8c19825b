"""index, show, create, update and destroy, written once for every resource type: each parses the request in
its dialect, runs one operation and answers with a document."""
from flask import request

from app.auth import current_caller
from app.engine.actions import Action, Alias, Listing
from app.engine.body import Input, read_json
from app.engine.errors import not_found
from app.engine.fetch import fetch_list, fetch_one
from app.engine.http import (
    dialect, no_content, parse_query, require_caller, respond_result, show_response,
)
from app.engine.registry import RESOURCES
from app.engine.routes import Route, add_route
from app.operations import ACTION, CREATE, REMOVE, UPDATE, Operation, Precondition, Processor
from resources.asynchronous import prefers_async, respond_async_action


class Views:
    """The five resource views and the declared actions' view, bound to one declaration."""

    def __init__(self, resource):
        self.resource = resource

    def index(self, listing=None, **parents):
        resource, caller = self.resource, current_caller()
        query = parse_query(resource)
        where, order = resource.list_constraints(parents, caller)
        if listing is not None:  # a named list: its own conditions instead of the type's, under the same parent
            where = [*(resource.parent.constraints(parents, caller) if resource.parent else ()),
                     *listing.where(caller)]
        result = fetch_list(resource, query, caller, dialect(), where=where, default_order=order)
        return respond_result(result)

    def show(self, id, **parents):
        resource = self.resource
        resource.check_parents(parents, id, current_caller())
        return resource.answer_show(id, current_caller()) or show_response(resource, id)

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


    # -- a type's own endpoints (app/engine/actions.py) ------------------------------------------------
    def declared(self, declared, id=None, **parents):
        if isinstance(declared, Listing):
            return self.index(listing=declared, **parents)
        if isinstance(declared, Alias):
            return self._alias(declared, parents)
        return self._act(declared, id, parents)

    def _alias(self, alias, parents):
        resource, caller = self.resource, current_caller()
        parent = resource.parent.visible(parents[resource.parent.key], caller) if resource.parent else None
        found = alias.find(parent, caller)
        if found is None:
            raise not_found(resource.type, alias.name)
        return show_response(resource, found)

    def _act(self, action, id, parents):
        resource, caller = self.resource, require_caller()
        answer = RESOURCES[action.of] if action.of else resource
        query = parse_query(answer, listing=False) if action.answers == "one" else None
        read = None
        if action.read is not None:
            read = lambda: action.read(dialect(), resource, read_json())  # noqa: E731
        if action.long is not None and prefers_async():
            return respond_async_action(resource, action, id, parents, caller)
        op = Operation(ACTION, resource, id, parents=parents, action=action.run, needs=action.needs,
                       guard=action.guard, read=read)
        outcome = Processor(caller).run(op)
        if action.answers == "list":
            return self.index(**parents)
        return show_response(outcome.resource or answer, outcome.id, status=action.status, query=query,
                             location=action.location)


def register(bp, resource):
    """Routes for one declaration: its lists and members (only the methods the type allows), every
    relation's endpoints and the type's declared actions (on its canonical URL)."""
    from links.endpoints import register_relations

    views = Views(resource)
    for number, (base, creates) in enumerate(resource.route_bases()):
        t = resource.type if number == 0 else f"{resource.type}~{number}"
        member = base + "/<resid:id>"

        def add(rule, view, fn, methods, **kw):
            add_route(bp, rule, f"{t}:{view}", fn, methods, Route(resource, view), **kw)

        add(base, "index", views.index, ["GET"])
        if creates and resource.creatable:
            add(base, "create", views.create, ["POST"])
        add(member, "show", views.show, ["GET"])
        if resource.updatable:
            add(member, "update", views.update, ["PUT", "PATCH"])
        if resource.deletable:
            add(member, "destroy", views.destroy, ["DELETE"])
        register_relations(bp, resource, member, t)
        if number == 0:
            for declared in resource.actions:
                at = member if declared.on == "member" else base
                rule = f"{at}/{declared.segment}" if declared.segment else at
                add_route(bp, rule, f"{t}:{declared.name}", views.declared, [declared.method],
                          Route(resource, "declared", declared=declared), defaults={"declared": declared})
