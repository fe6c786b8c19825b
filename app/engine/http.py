"""The request's context (dialect, caller, root URL) and how a document becomes a response."""
import hashlib

import orjson
import xxhash
from flask import current_app, g, request
from werkzeug.wrappers import Response

from app.auth import current_caller
from app.engine.documents import Context
from app.engine.errors import ApiError
from app.engine.dialects import JSONAPI_DIALECT
from app.engine.fetch import fetch_one
from app.engine import cursors, params
from app.engine.negotiation import requested_profiles


def dialect():
    return g.get("dialect", JSONAPI_DIALECT)


def public_origin():
    """PUBLIC_URL when set, so no link ever follows a forged Host header; else the request's own origin."""
    return current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")


def api_root():
    return public_origin() + "/api"


def request_url():
    """The request's URL as sent, on the public origin."""
    return public_origin() + request.url[len(request.host_url) - 1:]


def context():
    path = request.path[len("/api"):] if request.path.startswith("/api") else request.path
    return Context(root=api_root(), caller=current_caller(), dialect=dialect(), path=path or "/",
                   self_url=request_url(), config=current_app.config)


def require_caller():
    caller = current_caller()
    if caller.anonymous:
        raise ApiError(401, "You must be logged in to access this resource.", code="not_authenticated",
                       headers={"WWW-Authenticate": 'Bearer realm="api"'})
    return caller


# -- ETags -----------------------------------------------------------------------------------------

def version_tag(type_name, id_, lock_version):
    return hashlib.md5(f"{type_name}/{id_}/{lock_version}".encode()).hexdigest()[:12]


def _tags(header):
    tags = []
    for item in header.split(","):
        item = item.strip()
        if item.startswith("W/"):
            item = item[2:]
        tags.append(item.strip('"'))
    return tags


# -- responses -------------------------------------------------------------------------------------

def document(result, meta=None):
    ctx = context()
    return ctx.dialect.render(result, ctx, meta)


def respond(doc, status=200, headers=None, version=None, profiles=(), content_type=None):
    """Serialise ``doc`` (as the dialect's media type with the JSON:API ``profiles`` applied, unless another
    type is named); GETs get an ETag and may become a 304."""
    body = orjson.dumps(doc)
    response = Response(body, status=status, content_type=content_type or dialect().content_type_for(profiles))
    if headers:
        response.headers.update(headers)
    if status in (200, 201):
        # a non-cryptographic digest is enough to tell representations apart; XXH3 is ~50x SHA-1's speed
        digest = xxhash.xxh3_128_hexdigest(body)[:16]
        etag = f"{version}-{digest}" if version else digest
        response.headers["ETag"] = f'"{etag}"'
        if request.method in ("GET", "HEAD") and status == 200:
            inm = request.headers.get("If-None-Match")
            if inm and (etag in _tags(inm) or "*" in _tags(inm)):
                response = Response(status=304)
                response.headers["ETag"] = f'"{etag}"'
    return response


def respond_result(result, status=200, headers=None, meta=None):
    version = None
    if not result.many and result.rows:
        row = result.rows[0]
        version = version_tag(result.resource.type, row[0], row[1])
    profiles = (cursors.PROFILE,) if result.cursor is not None else ()
    return respond(document(result, meta), status=status, headers=headers, version=version, profiles=profiles)


def no_content():
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def parse_query(resource, listing=True):
    """The request's query parameters for ``resource`` (a list of it when ``listing``)."""
    return params.parse(request.args, resource, dialect(), current_app.config, listing=listing,
                        path=request.path, cursor_requested=cursors.PROFILE in requested_profiles(
                            request.headers.get("Accept")))


def show_response(resource, id_, status=200, headers=None, query=None, location=False, meta=None):
    """One resource's document; ``location``: with a Location header (its self link), as a create answers."""
    query = query or parse_query(resource, listing=False)
    result = fetch_one(resource, id_, query, current_caller(), dialect())
    if result is None:
        from app.engine.errors import not_found
        raise not_found(resource.type, id_)
    if location:
        headers = {**(headers or {}), "Location": context().root + resource.row_path(result.rows[0])}
    return respond_result(result, status=status, headers=headers, meta=meta)
