"""The W3C Web Annotation Protocol's views, for every declaration that names a WebAnnotations mapping
(app/engine/web_annotation.py): ``/w3c/<parent path>/{id}/<segment>/`` is an annotation container (an LDP
BasicContainer and AnnotationCollection) of the parent row's members, ``…/<segment>/{id}`` one annotation.

Reads use the declaration's policy (the parent's visibility, the rows' scope); writes are the processor's
create, update and remove operations, with the declaration's hooks and If-Match against the same versions
as the JSON:API and Panoptes ETags."""
from flask import Blueprint, current_app, g, request
from sqlalchemy import and_, func, select
from werkzeug.datastructures import MultiDict

from app.auth import caller_from_request, current_caller
from app.engine import params
from app.engine.body import read_json, read_resource
from app.engine.dialects import JSONAPI_DIALECT
from app.engine.errors import ApiError, not_found
from app.engine.fetch import fetch_list, fetch_row
from app.engine.http import api_root, no_content, public_origin, require_caller, respond, version_tag
from app.engine.negotiation import parse_media_range, split_header
from app.engine.render import iso_utc
from app.engine.web_annotation import (
    ANNO_CONTEXT, CONTAINER_ALLOW, CONTAINER_LINKS, LDP_CONTEXT, MEDIA_TYPE, MEMBER_ALLOW, MEMBER_LINK, PREFIX,
    Iris, is_annotation, preference, web_annotation_types,
)
from app.extensions import db
from app.operations import CREATE, REMOVE, UPDATE, Operation, Precondition, Processor

w3c = Blueprint("w3c", __name__, url_prefix=PREFIX)

READABLE = {"application/ld+json", "application/json", "application/*", "*/*"}
BODY_TYPES = {"application/ld+json", "application/json"}
CONTAINER_PARAMETERS = {"iris", "page"}


@w3c.before_request
def negotiate_and_authenticate():
    g.dialect = JSONAPI_DIALECT  # errors are JSON:API error documents
    accept = request.headers.get("Accept")
    if accept and accept.strip() and not any(
            mime in READABLE and q > 0 for mime, _p, q in map(parse_media_range, split_header(accept))):
        raise ApiError(406, f"The Web Annotation Protocol answers {MEDIA_TYPE}.", code="not_acceptable",
                       header="Accept")
    if request.method in ("POST", "PUT") and (request.content_length or request.headers.get("Transfer-Encoding")):
        mime = parse_media_range(request.headers.get("Content-Type") or "")[0]
        if mime not in BODY_TYPES:
            raise ApiError(415, f"Send an annotation as {MEDIA_TYPE}.", code="unsupported_media_type",
                           header="Content-Type")
    g.caller = caller_from_request()
    if request.method in ("POST", "PUT", "DELETE"):
        db.session.rollback()  # the write's own transaction starts afresh, as in the API


@w3c.after_request
def protocol_headers(response):
    """The headers the protocol asks of every response of a container and of an annotation."""
    rule = request.url_rule
    if rule is None:
        return response
    if rule.endpoint.endswith(":container"):
        response.headers["Link"] = CONTAINER_LINKS
        response.headers["Allow"] = CONTAINER_ALLOW
        response.headers["Accept-Post"] = MEDIA_TYPE
        response.headers.add("Vary", "Prefer")
    elif rule.endpoint.endswith(":annotation"):
        response.headers["Link"] = MEMBER_LINK
        response.headers["Allow"] = MEMBER_ALLOW
    return response


def iris():
    return Iris(public_origin(), api_root())


class Protocol:
    """The container and annotation views of one declaration."""

    def __init__(self, resource):
        self.resource = resource
        self.mapping = resource.web_annotations
        self.parent = resource.parent

    # -- reading ----------------------------------------------------------------------------------------
    def container(self, **parents):
        if request.method == "POST":
            return self.create(**parents)
        parent_id = parents[self.parent.key]
        parent = self.parent.visible(parent_id, current_caller())
        unknown = sorted(set(request.args) - CONTAINER_PARAMETERS)
        if unknown:
            raise ApiError(400, f"Unknown query parameter '{unknown[0]}'.", code="invalid_parameter",
                           parameter=unknown[0])
        contained, minimal, applied = preference(request.headers.get("Prefer"), request.args.get("iris"))
        container_iri = iris().container(self.resource, parent_id) + f"?iris={int(contained == 'iris')}"
        page_text = request.args.get("page")
        number = 0 if page_text is None else self._page_number(page_text)
        rows, total, size = self._page(parent_id, number)
        if number > 0 and number * size >= total:
            raise ApiError(404, f"The container has no page {number}.", code="not_found")
        modified = self._modified(parent_id, parent)
        page = self._page_document(rows, total, size, number, container_iri, contained, modified)
        if page_text is not None:
            return respond({"@context": ANNO_CONTEXT, **page}, content_type=MEDIA_TYPE)
        doc = {"@context": [ANNO_CONTEXT, LDP_CONTEXT], "id": container_iri,
               "type": ["BasicContainer", "AnnotationCollection"]}
        if self.mapping.label is not None:
            doc["label"] = self.mapping.label(parent)
        doc["total"], doc["modified"] = total, modified
        if total:
            last = f"{container_iri}&page={(total - 1) // size}"
            doc["first"] = page["id"] if minimal else {k: v for k, v in page.items() if k != "partOf"}
            doc["last"] = last
        headers = {"Content-Location": container_iri}
        if applied:
            headers["Preference-Applied"] = "return=representation"
        return respond(doc, headers=headers, content_type=MEDIA_TYPE)

    def annotation(self, id, **parents):
        if request.method == "PUT":
            return self.replace(id, **parents)
        if request.method == "DELETE":
            return self.delete(id, **parents)
        return self._show(parents[self.parent.key], id)

    def _page_number(self, text):
        if not (text.isascii() and text.isdigit()) or int(text) >= params.MAX_PAGE:
            raise ApiError(400, f"page: '{text}' is not a page number (0, 1, …).", code="invalid_parameter",
                           parameter="page")
        return int(text)

    def _page(self, parent_id, number):
        size = current_app.config["PAGE_SIZE_MAX"]
        query = params.parse(MultiDict({"page[number]": str(number + 1), "page[size]": str(size)}), self.resource,
                             JSONAPI_DIALECT, current_app.config)
        result = fetch_list(self.resource, query, current_caller(), JSONAPI_DIALECT,
                            where=(self.parent.column == parent_id,))
        return result.rows, result.total, query.page_size

    def _modified(self, parent_id, parent):
        """When the container last changed: its newest write, a delete included."""
        table = self.resource.table
        newest = db.session.scalar(select(func.max(table.c.updated_at)).where(self.parent.column == parent_id))
        return iso_utc(newest or parent.updated_at)

    def _page_document(self, rows, total, size, number, container_iri, contained, modified):
        parent_id = None
        items = []
        for row in rows:
            values = self._values(row)
            parent_id = values[self.parent.key]
            iri = iris().member(self.resource, parent_id, row[0])
            items.append(iri if contained == "iris" else {"id": iri, **self.mapping.render(values, iris())})
        page = {"id": f"{container_iri}&page={number}", "type": "AnnotationPage",
                "partOf": {"id": container_iri, "total": total, "modified": modified},
                "startIndex": number * size}
        if (number + 1) * size < total:
            page["next"] = f"{container_iri}&page={number + 1}"
        if number > 0:
            page["prev"] = f"{container_iri}&page={number - 1}"
        page["items"] = items
        return page

    def _values(self, row):
        return {column.key: row[i] for i, column in enumerate(self.resource.columns)}

    def _row(self, parent_id, id_):
        """The annotation's row under this container, or 410 (deleted) / 404."""
        caller = current_caller()
        self.parent.visible(parent_id, caller)
        row = fetch_row(self.resource, id_, caller)
        if row is not None and row[self.resource.index[self.parent.key]] == parent_id:
            return row
        self._gone_or_missing(parent_id, id_)

    def _gone_or_missing(self, parent_id, id_):
        tombstone = self.mapping.tombstone
        if tombstone is not None:
            table = self.resource.table
            gone = db.session.scalar(select(table.c.id).where(and_(
                table.c.id == id_, self.parent.column == parent_id, tombstone.isnot(None))))
            if gone is not None:
                raise ApiError(410, f"Annotation {id_} was deleted.", code="gone")
        raise not_found(self.resource.type, id_)

    def _show(self, parent_id, id_, status=200, location=False):
        row = self._row(parent_id, id_)
        iri = iris().member(self.resource, parent_id, id_)
        doc = {"@context": ANNO_CONTEXT, "id": iri, **self.mapping.render(self._values(row), iris())}
        headers = {"Location": iri} if location else None
        return respond(doc, status=status, headers=headers, content_type=MEDIA_TYPE,
                       version=version_tag(self.resource.type, row[0], row[1]))

    # -- writing ----------------------------------------------------------------------------------------
    def _input(self, doc, id_=None):
        """The processor's Input from a Web Annotation; errors point into the annotation as sent."""
        if not is_annotation(doc):
            raise ApiError(400, "The body must be a Web Annotation (type Annotation).", code="not_an_annotation",
                           pointer="/type")
        if id_ is not None and "id" in doc and doc["id"] != iris().member(self.resource, self._parent_of(), id_):
            raise ApiError(409, "The annotation's id does not match the IRI it is sent to.", code="id_mismatch",
                           pointer="/id")
        attributes, relations, pointers = self.mapping.read(doc, iris())
        try:
            inp = read_resource(self.resource, attributes, {n: link[1] for n, link in relations.items()},
                                partial=False, attribute_base="", relation_pointer=pointers.get,
                                panoptes_links=True)
        except ApiError as exc:
            for error in exc.objects():
                error.pointer = _moved(error.pointer, pointers)
            raise
        inp.pointers.update(pointers)
        return inp

    def _parent_of(self):
        return request.view_args[self.parent.key]

    def create(self, **parents):
        caller = require_caller()
        if "page" in request.args:
            raise ApiError(405, "An annotation page is not a container: POST to the container.",
                           code="method_not_allowed")
        doc = read_json()
        outcome = Processor(caller).run(Operation(CREATE, self.resource, parents=parents,
                                                  read=lambda: self._input(doc)))
        return self._show(parents[self.parent.key], outcome.id, status=201, location=True)

    def replace(self, id, **parents):
        caller = require_caller()
        self._live(parents[self.parent.key], id)
        doc = read_json()
        Processor(caller).run(Operation(UPDATE, self.resource, id, parents=parents,
                                        precondition=Precondition.of_request(True),
                                        read=lambda: self._input(doc, id)))
        return self._show(parents[self.parent.key], id)

    def delete(self, id, **parents):
        caller = require_caller()
        self._live(parents[self.parent.key], id)
        Processor(caller).run(Operation(REMOVE, self.resource, id, parents=parents,
                                        precondition=Precondition.of_request(True)))
        return no_content()

    def _live(self, parent_id, id_):
        """A write to a deleted annotation is a 410 (the processor would only say 404)."""
        self._row(parent_id, id_)


def _moved(pointer, pointers):
    """A pointer into the attributes (``/body/language``) as a pointer into the annotation sent."""
    if not pointer:
        return pointer
    name, _, rest = pointer.lstrip("/").partition("/")
    if name in pointers:
        return pointers[name] + (f"/{rest}" if rest else "")
    return pointer


def register_all():
    """The protocol's routes for every declaration with a WebAnnotations mapping (once)."""
    if getattr(w3c, "_registered", False):
        return
    for resource in web_annotation_types():
        parent = resource.parent
        base = f"/{parent.resource.path}/<resid:{parent.key}>/{parent.segment}/"
        views = Protocol(resource)
        w3c.add_url_rule(base, f"{resource.type}:container", views.container, methods=["GET", "POST"])
        w3c.add_url_rule(base + "<resid:id>", f"{resource.type}:annotation", views.annotation,
                         methods=["GET", "PUT", "DELETE"])
    w3c._registered = True


# -- the OpenAPI description of the protocol's paths ------------------------------------------------------------

def describe(spec, root):
    from app.engine.openapi import ERROR_STATUSES, ID_PATTERN, READS_ANONYMOUSLY

    ident = {"type": "string", "pattern": ID_PATTERN}
    annotation = {"type": "object", "description": "A Web Annotation (JSON-LD, the anno.jsonld context)"}
    content = {"content": {MEDIA_TYPE: {"schema": annotation}}}
    etag = {"ETag": {"description": "The annotation's version (If-Match takes it)", "schema": {"type": "string"}}}

    def answers(ok, codes, body=True, headers=None):
        responses = {ok[0]: {"description": ok[1], **(content if body else {}),
                             **({"headers": headers} if headers else {})}}
        responses.update({code: {"description": ERROR_STATUSES.get(code, "Gone: the annotation was deleted")}
                          for code in codes})
        return responses

    reads, writes = ("400", "401", "404", "406", "410", "429", "503"), (
        "400", "401", "403", "404", "406", "409", "410", "412", "413", "415", "422", "428", "429", "503")
    if_match = {"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
                "description": "The ETag of the annotation as last read (428 without it, 412 when stale)"}
    prefer = {"name": "Prefer", "in": "header", "required": False, "schema": {"type": "string"},
              "description": 'return=representation; include="…PreferContainedIRIs | …PreferContainedDescriptions '
                             '| ldp#PreferMinimalContainer"'}
    page_params = [prefer,
                   {"name": "iris", "in": "query", "required": False, "schema": {"type": "string", "enum": ["0", "1"]}},
                   {"name": "page", "in": "query", "required": False, "schema": {"type": "string",
                                                                               "pattern": "^[0-9]{1,15}$"}}]
    # what the reader (``is_annotation``) needs before anything else: a type naming Annotation
    kinds = {"enum": ["Annotation", "oa:Annotation"]}
    annotation_in = {**annotation, "required": ["type"], "properties": {
        "type": {"oneOf": [kinds, {"type": "array", "contains": kinds}]}}}
    request_body = {"required": True, "content": {MEDIA_TYPE: {"schema": annotation_in}}}
    refusals = [{"status": 422, "reason": "The annotation's target names no image of this image set, or its "
                                          "body, motivation or selector is one the image set cannot hold"}]
    stale = [{"status": 412, "reason": "If-Match is not the annotation's current ETag"},
             {"status": 410, "reason": "The annotation was deleted"}]
    spec.tag({"name": "w3c", "description": "The W3C Web Annotation Protocol: a container per image set"})
    for resource in web_annotation_types():
        parent = resource.parent
        base = f"{PREFIX}/{parent.resource.path}/{{{parent.key}}}/{parent.segment}/"
        in_path = [{"name": parent.key, "in": "path", "required": True, "schema": ident}]
        spec.path(path=base, parameters=in_path, operations={
            "get": {"summary": f"The {resource.type} container (an AnnotationCollection) or one of its pages",
                    "tags": ["w3c"], "security": READS_ANONYMOUSLY, "parameters": page_params,
                    "responses": answers(("200", "The container or page"), reads)},
            "post": {"summary": "Create an annotation in the container (201 with its Location)", "tags": ["w3c"],
                     "security": [{"bearer": []}], "requestBody": request_body, "x-refusals": refusals,
                     "responses": answers(("201", "Created"), ("405",) + writes, headers=etag)}})
        spec.path(path=base + "{id}", parameters=[*in_path, {"name": "id", "in": "path", "required": True,
                                                             "schema": ident}], operations={
            "get": {"summary": "One annotation", "tags": ["w3c"], "security": READS_ANONYMOUSLY,
                    "responses": answers(("200", "The annotation"), reads, headers=etag)},
            "put": {"summary": "Replace the annotation", "tags": ["w3c"], "security": [{"bearer": []}],
                    "parameters": [if_match], "requestBody": request_body, "x-refusals": refusals + stale,
                    "responses": answers(("200", "Replaced"), writes, headers=etag)},
            "delete": {"summary": "Delete the annotation (its IRI answers 410 afterwards)", "tags": ["w3c"],
                       "security": [{"bearer": []}], "parameters": [if_match], "x-refusals": stale,
                       "responses": answers(("204", "Deleted"), writes, body=False)}})


def _describe_later():
    from app.engine.openapi import DESCRIBED_ELSEWHERE
    if describe not in DESCRIBED_ELSEWHERE:
        DESCRIBED_ELSEWHERE.append(describe)


_describe_later()
