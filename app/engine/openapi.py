"""The OpenAPI 3.1 description of the API, generated from what serves it: the app's URL map, the resource
declarations (relations, filters, sorts, routes) and their marshmallow schemas (fields and validation).

Every rule under /api becomes a path; what it serves (app/engine/routes.py: a resource view, a relation
view or a declared action) says what it answers. A view outside the declarations (the entry point, the
manifest import, atomic operations) carries ``openapi``, set by ``documented``, saying the same. Both dialects appear as two entries of every ``content`` map.
"""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow_jsonapi.fields import Relationship

from app.engine.cursors import PROFILE as CURSOR_PROFILE
from app.engine.filters import parse_bool, parse_id, parse_text
from app.engine.negotiation import ATOMIC_CT, JSONAPI, PANOPTES_CT as PANOPTES
from app.engine.registry import RESOURCES
from app.engine.routes import route_of

ERROR_STATUSES = {
    "400": "Bad query parameter or body", "401": "No or bad token where one is needed",
    "403": "Not allowed for this caller", "404": "Absent, or not visible to this caller",
    "405": "Method not allowed here", "406": "No acceptable media type", "409": "Conflict",
    "412": "If-Match does not match", "413": "Body too large", "415": "Unsupported body media type",
    "422": "Invalid input", "428": "If-Match required (Panoptes dialect)", "429": "Rate limited",
    "503": "Database unavailable",
}
# Writes need a token (anonymous writes are a 401); reads work without one and show more with one.
AUTHORISED = [{"bearer": []}, {"password": []}]
ANONYMOUS = [{}]
READS_ANONYMOUSLY = [*AUTHORISED, {}]
READ_NOTE = ("Works without a token (public resources only); with a bearer token the answer also holds what "
             "the caller may see and do.")
READ_ERRORS = ("400", "401", "404", "406", "422", "429", "503")
WRITE_ERRORS = tuple(ERROR_STATUSES)
# fn(spec, root) for paths outside /api that describe themselves (the W3C Web Annotation Protocol)
DESCRIBED_ELSEWHERE = []
ID_PATTERN = "^[1-9][0-9]{0,17}$"
# Refusals a well-formed request may still get, since they depend on rows and states a schema cannot name.
# Each operation lists its own in ``x-refusals`` (status, reason, and the dialect when only one refuses) and
# says them in its description.
IF_MATCH_STALE = ("412", "If-Match is given and is not the resource's current ETag")
IF_MATCH_MISSING = ("428", "The Panoptes dialect needs If-Match here")
TO_ONE_METHOD = ("405", "A to-one relationship is set with PATCH; POST and DELETE on it are refused")
TO_ONE_POST = ("405", "In the JSON:API dialect a to-one relationship is set with PATCH (POST …/links/<rel> "
                      "sets it in the Panoptes dialect only)")
CURSOR_STATE = ("400", "page[after]/page[before] is not a cursor from this list's links, or comes with "
                        "page/page[number] or the other cursor")
ID_MUST_EXIST = ("422", "An identifier in the body names no row the caller may see")


def documented(answers, of=None, status=200, body=None, media=None, errors=None, auth=True, asynchronous=False,
               see_other=False, refusals=()):
    """Describe a view the engine does not generate: ``answers`` "list", "one" or "none" (resources of ``of``,
    by default the declaration's type), "document" (an object in either dialect) or "file" (a body of one of
    the ``media`` types); ``body`` None, "optional" (a resource document or nothing), "list" (a list of
    resources) or the properties of the one attribute object it takes; ``errors`` the error statuses, when
    not the usual ones; ``auth`` False for views that never look at the caller; ``asynchronous``: long work
    that answers 202 with a job under ``Prefer: respond-async``; ``see_other``: a 303 to a job's result;
    ``refusals`` (status, reason) pairs: what a well-formed request is still refused for (``x-refusals``)."""

    def mark(fn):
        fn.openapi = {"answers": answers, "of": of, "status": status, "body": body, "media": media,
                      "errors": errors, "auth": auth, "asynchronous": asynchronous, "see_other": see_other,
                      "refusals": list(refusals)}
        return fn

    return mark


def _list_of(names, prefix="", empty=False):
    """A pattern for a comma-separated list of ``names`` (each after an optional ``prefix``)."""
    if not names:  # nothing to list: only the empty value ("," would be two empty items)
        return "^$" if empty else "^(?!)$"
    one = prefix + "(" + "|".join(re.escape(n) for n in names) + ")"
    pattern = f"^{one}(,{one})*$"
    return f"^$|{pattern}" if empty else pattern


# One item of a filter's comma list, by what the filter reads (app/engine/filters.py): spaces around an item
# are ignored, and no item may be empty
FILTER_ITEMS = {parse_id: r"\s*0*[1-9][0-9]{0,17}\s*",
                parse_bool: r"\s*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)\s*",
                parse_text: r"[^,]*[^,\s][^,]*"}


def _filter_pattern(spec):
    item = FILTER_ITEMS[spec.parser]
    return f"^{item}(,{item})*$"


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


# A Panoptes id: a string or a number (bare ids); it must name a visible resource (else 422)
PANOPTES_ID = {"type": ["string", "integer"], "description": "The id of a resource the caller may see"}


def _identifier_in(relation):
    """A JSON:API resource identifier object as a request may send it for ``relation``."""
    return {"type": "object", "required": ["type", "id"], "additionalProperties": False, "properties": {
        "type": {"enum": list(relation.types)}, "id": {"type": "string", "pattern": ID_PATTERN},
        "meta": {"type": "object"}}}


def _linkage_in(relation):
    identifier = _identifier_in(relation)
    return {"type": "array", "items": identifier} if relation.many else {"oneOf": [{"type": "null"}, identifier]}


def _panoptes_linkage_in(relation, echo=False):
    """Panoptes linkage: bare ids (objects with id and type for a relation of several types); ``echo``: in a
    resource body, where a to-many link object ({href, type}) read back is tolerated."""
    # a link object as the dialect renders it may come back: its href and display_name are ignored
    properties = {"id": PANOPTES_ID, "type": {"enum": list(relation.types)}, "href": {}, "display_name": {}}
    with_type = {"type": "object", "required": ["id", "type"], "additionalProperties": False,
                 "properties": properties}
    member = with_type if relation.polymorphic else {"oneOf": [PANOPTES_ID, {
        "type": "object", "required": ["id"], "additionalProperties": False, "properties": properties}]}
    if not relation.many:
        return {"oneOf": [{"type": "null"}, member]}
    listed = {"type": "array", "items": member}
    if not echo:
        return listed
    return {"oneOf": [listed, {"type": "object", "additionalProperties": False, "description": "Echoed link",
                               "properties": {"href": {}, "type": {}, "count": {}, "members": {}}}]}


def _document_in(properties, required):
    """A JSON:API request document: ``jsonapi``, ``meta`` and ``links`` are objects when sent."""
    return {"type": "object", "required": required, "properties": {
        **properties, "jsonapi": {"type": "object"}, "meta": {"type": "object"}, "links": {"type": "object"}}}


class Builder:
    def __init__(self, app, root):
        self.app, self.root = app, root
        self.spec = APISpec(
            title="hyperapi", version="1", openapi_version="3.1.0", plugins=[MarshmallowPlugin()],
            info={"description": "Collections, image sets and sets in two dialects: JSON:API 1.1 "
                                 f"(`{JSONAPI}`) and Panoptes (`{PANOPTES}`). Choose one with `Accept`."},
            servers=[{"url": root[: -len("/api")] or "/"}],
        )
        self.converter = self.spec.plugins[0].converter
        self._documents = set()
        self.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                                        "description": "A token from POST /oauth/token"})
        # the explorer's Authorize dialog gets a token with a login and password through this flow
        token_url = (root[: -len("/api")] or "") + "/oauth/token"
        self.spec.components.security_scheme("password", {
            "type": "oauth2", "description": "Sign in with a login and password (client_id optional)",
            "flows": {"password": {"tokenUrl": token_url, "refreshUrl": token_url, "scopes": {}}}})
        self._shared_components()
        self._tags()
        for type_name in sorted(RESOURCES):
            self._type_components(RESOURCES[type_name])

    def _tags(self):
        """One tag per type, listed family by family (the module that declares it: resources/<family>.py)."""
        self.spec.tag({"name": "api", "description": "Entry point, the caller, health, this description"})
        by_family = sorted(RESOURCES.values(), key=lambda r: (type(r).__module__, r.type))
        for resource in by_family:
            family = type(resource).__module__.rsplit(".", 1)[-1].replace("_", " ")
            self.spec.tag({"name": resource.type, "description": f"{family} family"})

    # -- components --------------------------------------------------------------------------------------
    def _shared_components(self):
        schema = self.spec.components.schema
        schema("identifier", {"type": "object", "required": ["type", "id"],
                              "properties": {"type": {"type": "string"}, "id": {"type": "string"}}})
        schema("jsonapi_errors", {"type": "object", "required": ["errors"], "properties": {
            "jsonapi": {"type": "object"}, "meta": {"type": "object"}, "links": {"type": "object"},
            "errors": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["status", "title"],
                       "properties": {"status": {"type": "string"}, "code": {"type": "string"},
                                      "title": {"type": "string"}, "detail": {"type": "string"},
                                      "source": {"type": "object", "maxProperties": 1, "properties": {
                                          "pointer": {"type": "string"}, "parameter": {"type": "string"},
                                          "header": {"type": "string"}}}}}}}})
        schema("panoptes_errors", {"type": "object", "required": ["errors"], "additionalProperties": False,
                                   "properties": {"errors": {"type": "array", "minItems": 1, "items": {
                                       "type": "object", "required": ["message"], "additionalProperties": False,
                                       "properties": {"message": {"type": "string"}}}}}})
        content = self._content(_ref("jsonapi_errors"), _ref("panoptes_errors"))
        for code, text in ERROR_STATUSES.items():
            self.spec.components.response(f"error_{code}", {"description": text, "content": content})
        schema("linkage", {"type": "object", "required": ["data"], "properties": {
            "data": {"oneOf": [{"type": "null"}, _ref("identifier"),
                               {"type": "array", "items": _ref("identifier")}]},
            "links": {"type": "object"}, "meta": {"type": "object"}, "jsonapi": {"type": "object"}}})

    def _attribute_schemas(self, resource):
        """(output properties, input properties, required inputs) from the type's schema fields."""
        output, inputs, required = {}, {}, []
        for name, field in resource.schema_instance.fields.items():
            if name == "id" or isinstance(field, Relationship):
                continue
            prop = self.converter.field2property(field)
            if not field.load_only:
                output[name] = {k: v for k, v in prop.items() if k != "readOnly"}
            if not field.dump_only:
                inputs[name] = {k: v for k, v in prop.items() if k != "writeOnly"}
                if field.required:
                    required.append(name)
        for name, entry in resource.attribute_relations.items():
            relation = resource.relations[entry[0] if isinstance(entry, tuple) else name]
            inputs[name] = {"description": f"Sets {relation.name} ({' or '.join(relation.types)}), as the "
                                           "specification gives it: ids, codes or URLs."}
        return output, inputs, required

    def _type_components(self, resource):
        t = resource.type
        output, inputs, required = self._attribute_schemas(resource)
        schema = self.spec.components.schema
        schema(f"{t}_attributes", {"type": "object", "properties": output, "additionalProperties": False})
        relationships = {}
        for name, relation in resource.relations.items():
            identifier = {"type": "object", "required": ["type", "id"],
                          "properties": {"type": {"enum": list(relation.types)}, "id": {"type": "string"}}}
            data = ({"type": "array", "items": identifier} if relation.many
                    else {"oneOf": [{"type": "null"}, identifier]})
            relationships[name] = {"type": "object", "properties": {
                "data": data, "links": {"type": "object"}, "meta": {"type": "object"}}}
        schema(f"{t}_resource", {
            "type": "object", "required": ["type", "id"], "additionalProperties": False,
            "properties": {"type": {"const": t}, "id": {"type": "string"},
                           "attributes": _ref(f"{t}_attributes"),
                           "relationships": {"type": "object", "properties": relationships,
                                             "additionalProperties": False},
                           "links": {"type": "object"}, "meta": {"type": "object"}}})
        panoptes_links = {}
        for name, relation in resource.relations.items():
            panoptes_links[name] = ({"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]}
                                    if relation.many else {"oneOf": [{"type": "null"}, {"type": "string"},
                                                                     {"type": "object"}]})
        schema(f"{t}_panoptes", {
            "type": "object", "required": ["id"], "additionalProperties": False,
            "properties": {"id": {"type": "string"}, "href": {"type": "string"}, **output,
                           "links": {"type": "object", "properties": panoptes_links, "additionalProperties": False}}})
        # request bodies: what the readers (app/engine/body.py) take, and nothing they refuse
        echoed = {name: {"description": "Read only: accepted and ignored (clients echo it back)"}
                  for name in sorted(resource.read_only - {"type", "id", "links"})}
        attributes_in = {"type": "object", "properties": {**echoed, **inputs}, "additionalProperties": False}
        relationships_in = {"type": "object", "additionalProperties": False, "properties": {
            name: ({"type": "object", "description": "Read only: accepted only as it is", "properties": {
                       "data": _linkage_in(relation)}} if relation.mode == "read" else
                   {"type": "object", "required": ["data"], "properties": {"data": _linkage_in(relation)}})
            for name, relation in resource.relations.items()}}
        links_in = {"type": "object", "additionalProperties": False, "properties": {
            name: _panoptes_linkage_in(relation, echo=True) for name, relation in resource.relations.items()}}
        for write, need in (("create", required), ("update", [])):
            links_needed = list(resource.create_needs) if write == "create" else []
            data = {"type": "object", "required": ["type"] + (["id"] if write == "update" else [])
                    + (["attributes"] if need else []) + (["relationships"] if links_needed else []),
                    "properties": {"type": {"const": t}, "attributes": {**attributes_in, "required": need},
                                   "relationships": {**relationships_in, "required": links_needed}}}
            if write == "update":
                data["properties"]["id"] = {"type": "string", "pattern": ID_PATTERN}
            schema(f"{t}_{write}", _document_in({"data": data}, ["data"]))
            links = ({"oneOf": [{"type": "null"}, links_in]} if not links_needed
                     else {**links_in, "required": links_needed})
            one = {"type": "object", "additionalProperties": False,
                   "required": need + (["links"] if links_needed else []), "properties": {
                       **echoed, "id": {"description": "Echoed back; on an update it must be the URL's id"},
                       **inputs, "links": links}}
            schema(f"{t}_{write}_panoptes", {
                "type": "object", "required": [t], "additionalProperties": False, "properties": {
                    t: {"oneOf": [one, {"type": "array", "minItems": 1, "maxItems": 1, "items": one}]},
                    "http_cache": {"description": "Ignored"}}})

    # -- documents ----------------------------------------------------------------------------------------
    def _jsonapi_doc(self, types, many):
        resource = _ref(f"{types[0]}_resource") if len(types) == 1 else {
            "oneOf": [_ref(f"{t}_resource") for t in types]}
        data = {"type": "array", "items": resource} if many else {"oneOf": [{"type": "null"}, resource]}
        return {"type": "object", "required": ["data"], "properties": {
            "data": data, "included": {"type": "array", "items": {"type": "object"}},
            "links": {"type": "object"}, "meta": {"type": "object"}, "jsonapi": {"type": "object"}}}

    def _panoptes_doc(self, types):
        return {"type": "object", "properties": {
            **{t: {"type": "array", "items": _ref(f"{t}_panoptes")} for t in types},
            "links": {"type": "object"}, "linked": {"type": "object"}, "meta": {"type": "object"}}}

    def _content(self, jsonapi, panoptes):
        return {JSONAPI: {"schema": jsonapi}, PANOPTES: {"schema": panoptes}}

    def _answer(self, types, many):
        """The content of a success answer, as two component schemas per shape."""
        key = "_".join(types) + ("_list" if many else "_one")
        if key not in self._documents:
            self._documents.add(key)
            self.spec.components.schema(f"{key}_document", self._jsonapi_doc(types, many))
            self.spec.components.schema(f"{key}_panoptes_document", self._panoptes_doc(types))
        return {"content": self._content(_ref(f"{key}_document"), _ref(f"{key}_panoptes_document"))}

    def _errors(self, codes):
        return {code: {"$ref": f"#/components/responses/error_{code}"} for code in codes}

    # -- parameters ---------------------------------------------------------------------------------------
    def _include_paths(self, resource, depth=2):
        """Include paths up to ``depth`` relations deep (deeper ones are accepted too, up to the setting)."""
        found, frontier = set(), [("", resource)]
        for _ in range(depth):
            following = []
            for prefix, res in frontier:
                for name, relation in res.relations.items():
                    path = prefix + name
                    if path not in found:
                        found.add(path)
                        following.extend((path + ".", target) for target in relation.targets())
            frontier = following
        return found

    def _reachable(self, resource, depth=2):
        found, frontier = {resource.type}, [resource]
        for _ in range(depth):
            frontier = [target for res in frontier for rel in res.relations.values() for target in rel.targets()
                        if target.type not in found]
            found |= {res.type for res in frontier}
        return sorted(found)

    def _query(self, resource, listing):
        paths = sorted(self._include_paths(resource))
        # an empty include (or sort) is accepted and means none (the default order)
        params = [{"name": "include", "in": "query",
                   "schema": {"type": "string", "pattern": _list_of(paths, empty=True)},
                   "description": "Comma-separated relation paths (dots for nesting): " + ", ".join(paths)}]
        for type_name in self._reachable(resource):
            target = RESOURCES[type_name]
            names = sorted(target.field_names)
            params.append({"name": f"fields[{type_name}]", "in": "query",
                           "schema": {"type": "string", "pattern": _list_of(names, empty=True)},
                           "description": f"Sparse fieldset of {type_name}: " + ", ".join(names)})
        if not listing:
            return params
        sorts = sorted(resource.sorts)
        params.append({"name": "sort", "in": "query", "schema": {"type": "string",
                                                                 "pattern": _list_of(sorts, prefix="-?", empty=True)},
                       "description": "Comma-separated; '-' for descending: " + ", ".join(sorts)})
        for name in ("page", "page[number]"):
            params.append({"name": name, "in": "query", "schema": {"type": "integer", "minimum": 1}})
        for name in ("page_size", "page[size]"):
            params.append({"name": name, "in": "query", "schema": {"type": "integer", "minimum": 1},
                           "description": "Larger than the maximum is clamped (meta shows the size used); with "
                                          "a cursor it is a 400 (max-size-exceeded)."})
        for name, where in (("page[after]", "after"), ("page[before]", "before")):
            params.append({"name": name, "in": "query", "schema": {"type": "string"},
                           "description": f"Cursor paging (profile {CURSOR_PROFILE}): the page {where} this "
                                          "cursor, taken from a page's links; empty for the first (after) or the "
                                          "last (before) page. Not with page/page[number]."})
        for name in sorted(resource.filters):
            # an empty filter is a 400 ("needs a value")
            spec = resource.filters[name]
            pattern = _filter_pattern(spec)
            what = {parse_id: "ids", parse_bool: "booleans (true or false)"}.get(spec.parser, "values")
            params.append({"name": f"filter[{name}]", "in": "query", "schema": {"type": "string", "pattern": pattern},
                           "description": f"Comma list of {what}; an empty item is a 400"})
            bare = {"name": name, "in": "query", "schema": {"type": "string", "pattern": pattern},
                    "description": f"Panoptes dialect form of filter[{name}]"
                                   + (" (also read in JSON:API)" if "_" in name else
                                      " (a 400 in JSON:API, where a parameter named in lower case only is one "
                                      "the specification reserves)")}
            if "_" not in name:
                bare["x-dialect"] = "panoptes"
            params.append(bare)
        return params

    @staticmethod
    def _if_match(required_in_panoptes):
        text = "ETag of the resource; a mismatch is a 412."
        if required_in_panoptes:
            text += " Required in the Panoptes dialect (428 without it)."
        return {"name": "If-Match", "in": "header", "schema": {"type": "string"}, "description": text}

    # -- operations ---------------------------------------------------------------------------------------
    def operations(self, rule):
        view = self.app.view_functions[rule.endpoint]
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        route = route_of(rule.endpoint)
        if route is None or route.declared is not None:
            custom = route.declared.described if route is not None else getattr(view, "openapi", {})
            type_name = route.resource.type if route is not None else None
            return {m.lower(): self._custom(view, type_name, m, custom) for m in methods}
        return {m.lower(): self._generic(route.resource, route.view, route.relation, m, view) for m in methods}

    @staticmethod
    def _reads_anonymously(operations):
        for method, op in operations.items():
            if method == "get" and op["security"] == AUTHORISED:
                op["security"] = READS_ANONYMOUSLY
                op["description"] = READ_NOTE + (" " + op["description"] if op.get("description") else "")
        return operations

    def _op(self, summary, responses, params=(), body=None, tags=(), auth=True, op_id=None, refusals=()):
        op = {"summary": summary, "responses": responses, "parameters": list(params), "tags": list(tags),
              "security": AUTHORISED if auth else ANONYMOUS}
        if refusals:
            op["x-refusals"] = [{"status": int(status), "reason": reason, **({"dialect": dialect} if dialect else {})}
                                for status, reason, *rest in refusals for dialect in [rest[0] if rest else None]]
            op["description"] = "Refused although well formed: " + "; ".join(
                f"{status} ({reason}{', ' + rest[0] + ' dialect' if rest else ''})"
                for status, reason, *rest in refusals) + "."
        if body is not None:
            op["requestBody"] = body
        if op_id:
            op["operationId"] = op_id
        return op

    def _body(self, jsonapi_schema, panoptes_schema, required=True):
        return {"required": required, "content": self._content(jsonapi_schema, panoptes_schema)}

    def _generic(self, resource, kind, relation, method, view):
        t = resource.type
        tags = [t]
        if kind == "index":
            return self._op(f"List {t}", {"200": {"description": f"A page of {t}", **self._answer([t], True)},
                                          **self._errors(READ_ERRORS)}, self._query(resource, True), tags=tags,
                            refusals=[CURSOR_STATE])
        if kind == "show":
            responses = {"200": {"description": t, **self._answer([t], False)},
                         "304": {"description": "Not modified (If-None-Match)"}, **self._errors(READ_ERRORS)}
            self._jobs({"see_other": resource.show_redirects}, responses)
            return self._op(f"Show one of {t}", responses,
                            [*self._query(resource, False), {"name": "If-None-Match", "in": "header",
                                                             "schema": {"type": "string"}}], tags=tags)
        states = [(status, reason) for status, reason in resource.write_refusals.items()]
        if_match = [IF_MATCH_STALE]
        if kind == "create":
            body = self._body(_ref(f"{t}_create"), _ref(f"{t}_create_panoptes"))
            return self._op(f"Create one of {t}", {"201": {"description": "Created; Location is its self link",
                                                           **self._answer([t], False)},
                                                   **self._errors(WRITE_ERRORS)}, body=body, tags=tags,
                            refusals=[ID_MUST_EXIST])
        if kind == "update":
            body = self._body(_ref(f"{t}_update"), _ref(f"{t}_update_panoptes"))
            summary = f"Update one of {t} ({'Panoptes' if method == 'PUT' else 'JSON:API'} form; both dialects)"
            if method == "PUT":
                if_match.append((*IF_MATCH_MISSING, "panoptes"))
            return self._op(summary, {"200": {"description": "Updated", **self._answer([t], False)},
                                      **self._errors(WRITE_ERRORS)}, [self._if_match(method == "PUT")],
                            body=body, tags=tags, refusals=[*if_match, ID_MUST_EXIST, *states])
        if kind == "destroy":
            if resource.delete_answers_document:
                panoptes_answer = self._answer([t], False)["content"][PANOPTES]
                ok = {"200": {"description": "Deleted (Panoptes dialect): the resource as it was",
                              "content": {PANOPTES: panoptes_answer}},
                      "204": {"description": "Deleted (JSON:API dialect)"}}
            else:
                ok = {"204": {"description": "Deleted"}}
            return self._op(f"Delete one of {t}", {**ok, **self._errors(WRITE_ERRORS)}, [self._if_match(True)],
                            tags=tags, refusals=[*if_match, (*IF_MATCH_MISSING, "panoptes"), *states])
        targets = list(relation.types)
        if kind == "related":
            return self._op(f"The {relation.name} of one of {t}",
                            {"200": {"description": relation.name, **self._answer(targets, relation.many)},
                             **self._errors(READ_ERRORS)},
                            self._query(RESOURCES[targets[0]], relation.many and not relation.polymorphic),
                            tags=tags, refusals=[CURSOR_STATE] if relation.many else [])
        if kind == "unlink":
            return self._op(f"Remove {relation.name} members named in the URL (Panoptes form)",
                            {"204": {"description": "Removed"}, **self._errors(WRITE_ERRORS)}, tags=tags,
                            refusals=[*([TO_ONE_METHOD] if not relation.many else []), *states])
        # links / relationships
        linkage_body = self._body(_document_in({"data": _linkage_in(relation)}, ["data"]), {
            "type": "object", "required": [relation.name],
            "properties": {relation.name: _panoptes_linkage_in(relation)}})
        if method == "GET":
            paging = self._query(RESOURCES[targets[0]], True) if relation.many else []
            return self._op(f"Linkage of {t}.{relation.name} (Panoptes: the related resources)",
                            {"200": {"description": "Resource linkage", "content": {
                                JSONAPI: {"schema": _ref("linkage")},
                                PANOPTES: {"schema": self._panoptes_doc(targets)}}},
                             **self._errors(READ_ERRORS)},
                            [p for p in paging if p["name"].startswith("page")], tags=tags,
                            refusals=[CURSOR_STATE] if relation.many else [])
        if method == "PUT":
            return self._op("Not supported: links are changed with POST, PATCH or DELETE",
                            self._errors(("401", "404", "405", "406", "415")), body=linkage_body, tags=tags)
        summary = {"POST": "Add members (to-one: set)", "PATCH": "Replace the relation",
                   "DELETE": "Remove members"}[method]
        responses = {"204": {"description": "Done (JSON:API)"}, **self._errors(WRITE_ERRORS)}
        if kind == "links" and method == "POST":
            responses["200"] = {"description": "Done; the parent document (Panoptes)", **self._answer([t], False)}
        refusals = [ID_MUST_EXIST, *states]
        if kind == "links" and method == "PATCH":
            refusals.append(("405", "The Panoptes dialect adds links with POST and removes them with DELETE "
                                    "…/links/<rel>/<ids>", "panoptes"))
        if kind == "links" and method == "DELETE":
            refusals.append(("400", "The Panoptes dialect names the ids to remove in the URL (…/links/<rel>/<ids>)",
                             "panoptes"))
        if kind == "links" and method == "POST" and relation.many:
            refusals.append(("400", "The Panoptes dialect refuses to add a member that is already in the relation "
                                    "(Validation failed: … is already in …)", "panoptes"))
        if not relation.many and method == "DELETE":
            refusals.append(TO_ONE_METHOD)
        elif not relation.many and method == "POST":
            refusals.append(TO_ONE_POST + (("jsonapi",) if kind == "links" else ()))
        return self._op(f"{summary}: {t}.{relation.name}", responses, body=linkage_body, tags=tags,
                        refusals=refusals)

    def _custom(self, view, type_name, method, info):
        doc = (info.get("doc") or view.__doc__ or view.__name__).strip().splitlines()[0]
        answers, status = info.get("answers", "one"), str(info.get("status", 200))
        if answers == "atomic":
            return self._atomic(doc, info)
        if answers in ("document", "file"):
            content = (self._content({"type": "object"}, {"type": "object"}) if answers == "document"
                       else {m: {"schema": {}} for m in info["media"]})
            return self._op(doc, {status: {"description": doc, "content": content},
                                  **self._errors(info["errors"])}, auth=info["auth"], tags=["api"])
        states = list(RESOURCES[type_name].write_refusals.items()) if type_name and method != "GET" else []
        states += info.get("refusals", [])
        type_name = info.get("of") or type_name
        tags = [type_name]
        responses = {**self._errors(WRITE_ERRORS if method != "GET" else READ_ERRORS)}
        if answers == "none":
            responses[status] = {"description": doc}
        else:
            responses[status] = {"description": doc, **self._answer([type_name], answers == "list")}
        params = self._query(RESOURCES[type_name], answers == "list") if method == "GET" else []
        if method == "GET" and answers == "list":
            states.append(CURSOR_STATE)
        params += self._jobs(info, responses)
        body = None
        if info.get("body") == "optional":
            body = self._body(_ref(f"{type_name}_update"), _ref(f"{type_name}_update_panoptes"), required=False)
            body["content"][JSONAPI]["schema"] = {"oneOf": [{"type": "object", "maxProperties": 0},
                                                            _ref(f"{type_name}_create")]}
        elif info.get("body") == "list":
            # each entry as a create of the type takes it: its required attributes
            _output, inputs, required = self._attribute_schemas(RESOURCES[type_name])
            attributes = {"type": "object", "properties": inputs, "required": required}
            body = self._body(
                {"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": {
                    "type": "object", "required": ["type"] + (["attributes"] if required else []),
                    "properties": {"type": {"const": type_name}, "attributes": attributes}}}}},
                {"type": "object", "required": [type_name], "properties": {type_name: {
                    "type": "array", "items": attributes}}})
        elif isinstance(info.get("body"), dict):
            fields = {"type": "object", "properties": info["body"], "required": sorted(info["body"])}
            body = self._body({"type": "object", "required": ["data"], "properties": {"data": {
                "type": "object", "required": ["attributes"],
                "properties": {"type": {"const": type_name}, "attributes": fields}}}},
                {"type": "object", "required": [type_name], "properties": {type_name: fields}})
        return self._op(doc, responses, params, body=body, tags=tags, refusals=states)

    def _jobs(self, info, responses):
        """The answers of long work (202 with a job under ``Prefer: respond-async``) and of a job (303)."""
        if info.get("asynchronous"):
            responses["202"] = {
                "description": "Accepted (Prefer: respond-async): the job, polled at Content-Location",
                "headers": {name: {"schema": {"type": "string"}} for name in ("Content-Location", "Preference-Applied")},
                **self._answer(["jobs"], False)}
            return [{"name": "Prefer", "in": "header", "schema": {"type": "string"},
                     "description": "respond-async: run as a job and answer 202 at once (RFC 7240)"}]
        if info.get("see_other"):
            responses["303"] = {"description": "The job completed (JSON:API dialect): Location is its result",
                                "headers": {"Location": {"schema": {"type": "string"}}}}
        return []

    def _atomic(self, doc, info):
        """POST /api/operations: an ``atomic:operations`` document in, ``atomic:results`` (or 204) out."""
        identifier = {"type": "object", "required": ["type"], "properties": {
            "type": {"enum": sorted(RESOURCES)}, "id": {"type": "string"}, "lid": {"type": "string"}}}
        operation = {"type": "object", "required": ["op"], "additionalProperties": False, "properties": {
            "op": {"enum": ["add", "update", "remove"]},
            "ref": {"type": "object", "additionalProperties": False, "required": ["type"], "properties": {
                **identifier["properties"], "relationship": {"type": "string"}}},
            "href": {"type": "string"},
            "data": {"oneOf": [{"type": "null"}, {"type": "object"}, {"type": "array", "items": identifier}]},
            "meta": {"type": "object"}}}
        request = {"type": "object", "required": ["atomic:operations"], "properties": {
            "atomic:operations": {"type": "array", "minItems": 1, "items": operation}}}
        results = {"type": "object", "required": ["atomic:results"], "properties": {
            "jsonapi": {"type": "object"}, "atomic:results": {"type": "array", "items": {
                "type": "object", "properties": {"data": {"type": "object"}, "meta": {"type": "object"}}}}}}
        # refusals are plain error documents (in the Panoptes form for a version=1 Accept), nothing written
        responses = {"200": {"description": "Every operation done; a result for each, in order",
                             "content": {ATOMIC_CT: {"schema": results}}},
                     "204": {"description": "Every operation done; none has a result to show"},
                     **self._errors(info["errors"])}
        operation = self._op(doc, responses, tags=["api"], refusals=info.get("refusals", []))
        operation.update({"security": [{"bearer": []}], "requestBody": {
            "required": True, "content": {ATOMIC_CT: {"schema": request}}}})
        return operation

    def build(self):
        for rule in sorted(self.app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
            if not rule.rule.startswith("/api"):
                continue
            path, parameters = openapi_path(rule)
            self.spec.path(path=path, operations=self._reads_anonymously(self.operations(rule)),
                           parameters=parameters)
        self._oauth_paths()
        for describe in DESCRIBED_ELSEWHERE:
            describe(self.spec, self.root)
        return self.spec.to_dict()

    # -- OAuth ---------------------------------------------------------------------------------------------
    def _oauth_paths(self):
        """/oauth/token and /oauth/revoke: OAuth documents, a form or a JSON body."""
        required_text = {"type": "string", "minLength": 1}
        text = {"type": ["string", "null"]}  # optional members: empty (as HTML forms send them) or null is absent
        empty = " An empty value or null counts as absent."
        grant = {"type": "object", "required": ["grant_type"], "properties": {
            "grant_type": {"type": "string", "enum": ["password", "refresh_token"]},
            "username": {**text, "description": "Login or e-mail address (password grant)." + empty},
            "password": {**text, "description": "Password grant; without username and password the grant uses "
                                                "the user signed in by the session cookie (needs client_id)." + empty},
            "refresh_token": {**text, "description": "refresh_token grant: the last refresh token issued." + empty},
            "client_id": {**text, "description": "A registered client application (`clients create`)." + empty},
            "scope": {"type": "string"}}}
        revoke = {"type": "object", "required": ["token"], "properties": {
            "token": required_text, "token_type_hint": {
                "type": ["string", "null"], "examples": ["access_token", "refresh_token"],
                "description": "Where to look first; any other value is ignored (RFC 7009 §2.1)."},
            "client_id": text}}
        error = {"type": "object", "required": ["error"], "properties": {
            "error": {"type": "string"}, "error_description": {"type": "string"}}}
        token = {"type": "object", "required": ["access_token", "token_type", "expires_in", "refresh_token"],
                 "properties": {"access_token": {"type": "string"}, "token_type": {"const": "bearer"},
                                "expires_in": {"type": "integer", "minimum": 1},
                                "refresh_token": {"type": "string"}, "scope": {"type": "string"},
                                "created_at": {"type": "integer"}}}
        self.spec.components.schema("oauth_error", error)

        def body(schema):
            return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema},
                                                  "application/json": {"schema": schema}}}

        def answer(description, schema=None):
            entry = {"description": description}
            if schema is not None:
                entry["content"] = {"application/json": {"schema": schema}}
            return entry

        failed = _ref("oauth_error")
        retry = {"Retry-After": {"description": "Seconds until another attempt is counted",
                                 "schema": {"type": "integer"}}}
        self.spec.tag({"name": "oauth", "description": "Tokens: the password and refresh_token grants, revocation"})
        self.spec.path(path="/oauth/token", operations={"post": {
            "summary": "Get a bearer token (OAuth 2 password grant) or refresh one",
            "description": "Failed password grants are throttled per account and per client address (429 "
                           "with Retry-After). Every grant answers an access token and the refresh token that "
                           "replaces it; a refresh token works once.",
            "tags": ["oauth"], "security": ANONYMOUS, "requestBody": body(grant),
            "responses": {
                "200": answer("The tokens", token),
                "400": answer("invalid_request, invalid_grant (wrong login or password, a used, expired or "
                              "foreign refresh token) or unsupported_grant_type", failed),
                "401": answer("invalid_client (client_id names no registered application), or nobody signed "
                              "in for a session grant", failed),
                "413": answer("Body too large"),
                "429": {**answer("Too many failed sign-ins for the account or the address", failed),
                        "headers": retry}}}})
        self.spec.path(path="/oauth/revoke", operations={"post": {
            "summary": "Revoke a token and the tokens issued with it (RFC 7009)",
            "tags": ["oauth"], "security": ANONYMOUS, "requestBody": body(revoke),
            "responses": {"200": answer("Revoked, or was not valid anyway", {"type": "object"}),
                          "400": answer("invalid_request: no token", failed),
                          "401": answer("invalid_client", failed), "413": answer("Body too large")}}})


def openapi_path(rule):
    """``/api/sets/<resid:id>`` → (``/api/sets/{id}``, its path parameters)."""
    path, parameters = rule.rule, []
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        placeholder = next(part for part in path.split("/") if part.startswith("<") and part.endswith(f":{name}>")
                           or part == f"<{name}>")
        path = path.replace(placeholder, "{" + name + "}")
        if kind == "ResourceIdConverter":
            schema = {"type": "string", "pattern": ID_PATTERN}
        elif kind == "AnyConverter":
            schema = {"type": "string", "enum": sorted(converter.items)}
        else:
            schema = {"type": "string", "minLength": 1}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return path, parameters


def openapi_document(app, root):
    """The document for an API served at ``root``, built once per root."""
    cache = app.extensions.setdefault("openapi", {})
    if root not in cache:
        cache[root] = Builder(app, root).build()
    return cache[root]
