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
    completed_job_redirects = True  # GET of a completed job: 303 to its result (JSON:API's recommendation)
    linkage_answers_related = False  # GET …/links/<rel>: the related resources (True) or resource linkage
    links_by_key = False             # …/links/<rel> takes {"<rel>": ids} adds and removes by ids in the URL
    atomic_operations = True         # POST /api/operations is served
    owner_objects = False            # a polymorphic to-one is written as an object naming its target
    # page links: the numbered-page parameters, whether the size is named when it is the default, whether
    # links are absolute (else relative to the API root) and carry sparse fieldsets
    page_number_key, page_size_key = "page[number]", "page[size]"
    page_size_always = True
    absolute_links = True
    fields_in_page_links = True

    def filter_key(self, name, key_as_sent):
        """The name a filter has in this dialect's page links."""
        return f"filter[{name}]"

    def content_type_for(self, profiles=()):
        """The response media type, naming the profiles applied (JSON:API 1.1 §profiles)."""
        if not profiles:
            return self.content_type
        return f'{self.content_type}; profile="{" ".join(profiles)}"'

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

    def meta_document(self, key, meta):
        """A document that holds only ``meta`` (the health check)."""
        raise NotImplementedError

    def entry_document(self, types, root, self_url, extra=None):
        """The entry point: every type's list, the link templates, the explorer and the description;
        ``extra``: other documents it names, by root-relative path."""
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

    def meta_document(self, key, meta):
        from app.engine.documents import JSONAPI_VERSION
        return {"jsonapi": JSONAPI_VERSION, "meta": meta}

    def entry_document(self, types, root, self_url, extra=None):
        from app.engine.documents import JSONAPI_VERSION
        from app.engine.link_templates import jsonapi_link_templates
        from app.engine.registry import RESOURCES
        return {
            "jsonapi": JSONAPI_VERSION,
            "meta": {
                "endpoints": {t: f"{root}/{RESOURCES[t].path}" for t in types} | {"me": f"{root}/me"},
                "link_templates": jsonapi_link_templates(types, root),
                "openapi": f"{root}/openapi.json",
                "explorer": f"{root}/explorer",
                **{name: root + path for name, path in (extra or {}).items()},
            },
            "links": {"self": self_url, "describedby": f"{root}/openapi.json"},
        }

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
    completed_job_redirects = False  # Panoptes polls its tasks: 200 with the job, whose result names the resource
    linkage_answers_related = True
    links_by_key = True
    atomic_operations = False
    owner_objects = True
    page_number_key, page_size_key = "page", "page_size"
    page_size_always = False
    absolute_links = False
    fields_in_page_links = False

    def filter_key(self, name, key_as_sent):
        return key_as_sent

    def content_type_for(self, profiles=()):
        # Panoptes clients compare the media type whole; the profile shows in the page hrefs it builds
        return self.content_type

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

    def meta_document(self, key, meta):
        return {key: meta}

    def entry_document(self, types, root, self_url, extra=None):
        from app.engine.link_templates import panoptes_links
        from app.engine.registry import RESOURCES
        doc = {t: f"/{RESOURCES[t].path}" for t in types}
        doc["me"] = "/me"
        doc["openapi"], doc["explorer"] = "/openapi.json", "/explorer"
        doc.update(extra or {})
        doc.update({k: v["href"] for k, v in panoptes_links(types).items()})
        return doc

    def error_body(self, errors):
        return {"errors": [e.panoptes() for e in errors]}


JSONAPI_DIALECT = JsonApiDialect()
PANOPTES_DIALECT = PanoptesDialect()
