"""The two dialects of one model (API §2): each reads request bodies, says where a body's members are
and writes documents and errors. Nothing below the views asks which dialect a request speaks; it calls
the request's dialect object."""
from app.engine.body import _bad, check_document, parse_linkage, read_resource, unwrap_jsonapi, unwrap_panoptes
from app.engine.errors import ApiError

JSONAPI = "application/vnd.api+json"
PANOPTES_CT = JSONAPI + "; version=1"


class Dialect:
    name = None
    content_type = None
    panoptes = False
    include_error_status = 400      # a bad include path
    bare_filters = False            # ``owner=…`` as well as ``filter[owner]=…``
    deleted_answer = "none"         # what a delete answers: "none" (204) or "document" where the type allows
    duplicate_links_refused = False  # adding a member twice: an error (True) or nothing to do

    def requires_if_match(self, method):
        return False

    def read_resource(self, resource, body, *, update_id=None, partial=None):
        """An Input from a create (``update_id`` None) or update body; ``partial``: attributes may be left out
        (by default only in updates)."""
        raise NotImplementedError

    def read_list(self, resource, body):
        """[(attributes, pointer of the attributes)] of a body holding a list of ``resource`` objects."""
        raise NotImplementedError

    def render(self, result, ctx, meta=None):
        raise NotImplementedError

    def error_body(self, errors):
        raise NotImplementedError


def _partial(update_id, partial):
    return update_id is not None if partial is None else partial


class JsonApiDialect(Dialect):
    name = "jsonapi"
    content_type = JSONAPI

    def read_resource(self, resource, body, *, update_id=None, partial=None):
        check_document(body)
        return self.read_object(resource, body.get("data"), "/data", update_id=update_id, partial=partial)

    def read_object(self, resource, data, base, *, update_id=None, partial=None, lid_allowed=False):
        """An Input from one resource object at ``base`` (``/data``, or an atomic operation's data)."""
        attributes, relationships = unwrap_jsonapi(resource, data, update_id, base, lid_allowed)
        return read_resource(resource, attributes, relationships, partial=_partial(update_id, partial),
                             attribute_base=f"{base}/attributes",
                             relation_pointer=lambda name: f"{base}/relationships/{name}", panoptes_links=False)

    def read_linkage(self, relation, body):
        """(linkage, pointer) of a relationship endpoint's body: ``{"data": …}``."""
        if "data" not in check_document(body):
            raise ApiError(400, "The body needs a 'data' member with resource linkage.", code="invalid_body",
                           pointer="/data")
        return parse_linkage(relation, body["data"], "/data", False), "/data"

    def read_list(self, resource, body):
        entries = check_document(body).get("data")
        if not isinstance(entries, list):
            raise ApiError(400, "The body needs 'data' holding a list of resource objects.", code="invalid_body",
                           pointer="/data")
        items, errors = [], []
        for number, entry in enumerate(entries):
            base = f"/data/{number}"
            if not isinstance(entry, dict) or entry.get("type") != resource.type:
                errors.append(ApiError(409 if isinstance(entry, dict) and "type" in entry else 422,
                                       f"Each entry is a {resource.type} resource object.", code="invalid_entry",
                                       pointer=f"{base}/type"))
                continue
            items.append((entry.get("attributes"), f"{base}/attributes"))
        return items, errors

    def render(self, result, ctx, meta=None):
        from app.engine.documents import jsonapi_document
        return jsonapi_document(result, ctx, meta)

    def error_body(self, errors):
        return {"jsonapi": {"version": "1.1"}, "errors": [e.jsonapi() for e in errors]}


class PanoptesDialect(Dialect):
    name = "panoptes"
    content_type = PANOPTES_CT
    panoptes = True
    include_error_status = 422
    bare_filters = True
    deleted_answer = "document"
    duplicate_links_refused = True

    def requires_if_match(self, method):
        return method in ("PUT", "DELETE")

    def read_resource(self, resource, body, *, update_id=None, partial=None):
        if not isinstance(body, dict):
            raise _bad("", "The request body must be a JSON object.")
        attributes, links = unwrap_panoptes(resource, body, update_id)
        key = f"/{resource.type}"
        return read_resource(resource, attributes, links, partial=_partial(update_id, partial),
                             attribute_base=key, relation_pointer=lambda name: f"{key}/links/{name}",
                             panoptes_links=True)

    def read_linkage(self, relation, body):
        """(linkage, pointer) of a ``…/links/<rel>`` body: ``{"<rel>": ids}``."""
        rel = relation.name
        if not isinstance(body, dict) or rel not in body:
            raise ApiError(422, f"Link relation {rel} must match body key.", code="invalid_body", pointer=f"/{rel}")
        return parse_linkage(relation, body[rel], f"/{rel}", True), f"/{rel}"

    def read_list(self, resource, body):
        key = resource.type
        entries = body.get(key) if isinstance(body, dict) else None
        if not isinstance(entries, list):
            raise ApiError(400, f"The body needs '{key}' holding a list.", code="invalid_body", pointer=f"/{key}")
        return [(entry, f"/{key}/{number}") for number, entry in enumerate(entries)], []

    def render(self, result, ctx, meta=None):
        from app.engine.documents import panoptes_document
        return panoptes_document(result, ctx, meta)

    def error_body(self, errors):
        return {"errors": [e.panoptes() for e in errors]}


JSONAPI_DIALECT = JsonApiDialect()
PANOPTES_DIALECT = PanoptesDialect()
