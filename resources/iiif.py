"""IIIF documents of the image sets: a Presentation 3 Manifest per image set, a Collection per collection,
and the IIIF Change Discovery 1.0 feed of public manifests' changes.

Its own blueprint under /api: IIIF clients ask for ``application/ld+json``, which the API's negotiation
refuses. The caller is read from the same bearer token; what a caller may see is the image sets' and the
collections' own visibility. Answers carry the IIIF media type (``application/json`` when that alone is
asked), ETags (If-None-Match → 304) and, as everything under /api, an open CORS policy.
"""
from flask import Blueprint, current_app, g, request

from app.auth import caller_from_request, current_caller
from app.engine.errors import ApiError, not_found
from app.engine.http import api_root, respond
from app.engine.negotiation import JSONAPI_DIALECT, choose_dialect
from app.engine.openapi import documented
from app.engine.registry import RESOURCES
from app.engine.rows import find_visible
from app.services import discovery, iiif_export
from app.services.iiif_export import PRESENTATION_TYPE

iiif = Blueprint("iiif", __name__, url_prefix="/api/iiif")
discovery.install()
PUBLIC_FEED = {"iiif.feed", "iiif.feed_page"}


@iiif.before_request
def negotiate_and_authenticate():
    # errors are error documents in the API dialect the Accept names, else JSON:API's
    dialect = choose_dialect(request.headers.get("Accept"), current_app.config["PANOPTES_DIALECT"])
    g.dialect = JSONAPI_DIALECT if isinstance(dialect, ApiError) else dialect
    accept = request.accept_mimetypes
    chosen = accept.best_match(["application/ld+json", "application/json"]) if accept else "application/ld+json"
    if chosen is None:
        raise ApiError(406, "IIIF documents are served as application/ld+json or application/json.",
                       code="not_acceptable", header="Accept")
    g.iiif_plain_json = chosen == "application/json" and accept["application/ld+json"] < accept["application/json"]
    if request.endpoint not in PUBLIC_FEED:  # the feed is the same for everyone and reads no token
        g.caller = caller_from_request()


def answer(doc, media_type, version=None):
    response = respond(doc, version=version)
    if response.status_code == 200:
        response.headers["Content-Type"] = "application/json" if g.iiif_plain_json else media_type
    return response


def _page_number(value):
    if not value.isascii() or not value.isdigit() or value.startswith("0") or len(value) > 9:
        raise not_found()
    return int(value)


@iiif.get("/manifests/<resid:image_set_id>")
@documented("file", media=["application/ld+json", "application/json"], errors=("401", "404", "406"))
def manifest(image_set_id):
    """The image set as a IIIF Presentation 3.0 Manifest (visible exactly as the image set is)"""
    data = iiif_export.load_image_set(image_set_id, current_caller())
    if data is None:
        raise not_found("image_sets", image_set_id)
    return answer(iiif_export.manifest(data, api_root()), PRESENTATION_TYPE)


def _collection(collection_id):
    return find_visible(RESOURCES["collections"], collection_id, current_caller())


def _references(root, rows):
    languages = iiif_export.set_languages([i for i, _name in rows])
    return [iiif_export.manifest_reference(root, i, name, languages[i]) for i, name in rows]


@iiif.get("/collections/<resid:collection_id>")
@documented("file", media=["application/ld+json", "application/json"], errors=("401", "404", "406"))
def collection(collection_id):
    """The collection as a IIIF Presentation 3.0 Collection of the manifests of its image sets the caller may
    see; past IIIF_COLLECTION_PAGE_SIZE of them, a Collection of Collections, one per page"""
    found, root = _collection(collection_id), api_root()
    size = current_app.config["IIIF_COLLECTION_PAGE_SIZE"]
    total, rows = iiif_export.visible_sets_of(found.id, current_caller(), 0, size)
    if total <= size:
        items = _references(root, rows)
    else:
        pages = -(-total // size)
        items = [{"id": root + iiif_export.collection_path(found.id, n), "type": "Collection",
                  "label": {"none": [f"{found.display_name} ({n} of {pages})"]}} for n in range(1, pages + 1)]
    doc = iiif_export.collection(found.id, found.display_name, found.description, root, items)
    return answer(doc, PRESENTATION_TYPE)


@iiif.get("/collections/<resid:collection_id>/pages/<page>")
@documented("file", media=["application/ld+json", "application/json"], errors=("401", "404", "406"))
def collection_page(collection_id, page):
    """One page of a large collection's IIIF Collection"""
    number = _page_number(page)
    found, root = _collection(collection_id), api_root()
    size = current_app.config["IIIF_COLLECTION_PAGE_SIZE"]
    total, rows = iiif_export.visible_sets_of(found.id, current_caller(), (number - 1) * size, size)
    if number > max(1, -(-total // size)):
        raise not_found()
    pages = max(1, -(-total // size))
    doc = iiif_export.collection(found.id, f"{found.display_name} ({number} of {pages})", None, root,
                                 _references(root, rows), page=number)
    doc["partOf"] = [{"id": root + iiif_export.collection_path(found.id), "type": "Collection"}]
    return answer(doc, PRESENTATION_TYPE)


@iiif.get("/discovery")
@documented("file", media=["application/ld+json", "application/json"], errors=("406",), auth=False)
def feed():
    """IIIF Change Discovery 1.0: the ordered collection of the public manifests' Create, Update and Delete
    activities, oldest first; harvesters start at `last` and follow `prev`"""
    size = current_app.config["IIIF_DISCOVERY_PAGE_SIZE"]
    return answer(discovery.ordered_collection(api_root(), size), discovery.DISCOVERY_TYPE)


@iiif.get("/discovery/pages/<page>")
@documented("file", media=["application/ld+json", "application/json"], errors=("404", "406"), auth=False)
def feed_page(page):
    """One page of the Change Discovery feed (a full page never changes)"""
    size = current_app.config["IIIF_DISCOVERY_PAGE_SIZE"]
    doc = discovery.ordered_page(api_root(), size, _page_number(page))
    if doc is None:
        raise not_found()
    return answer(doc, discovery.DISCOVERY_TYPE)
