"""POST /api/collections/{collection_id}/import/manifest: a new image set from a IIIF manifest (API §7.3).

The import is long work (a remote fetch of up to MANIFEST_FETCH_TIMEOUT, then thousands of rows): with
``Prefer: respond-async`` it runs as a job (resources/jobs.py) and the request answers 202 at once."""
from flask import current_app, request

from app.engine.body import read_json
from app.engine.errors import ApiError
from app.engine.fetch import fetch_one
from app.engine.openapi import documented
from app.engine.http import context, dialect, require_caller, respond_result
from app.engine.params import parse
from app.engine.registry import RESOURCES
from app.extensions import db
from app.models.image_sets import ImageSet
from app.services import safe_fetch
from app.services.iiif import ManifestError, NoImages, parse_accept_language, read_manifest
from app.services.importer import store_manifest
from resources import api
from resources.asynchronous import prefers_async, respond_async
from app.operations import ACTION, Operation, Outcome
from app.operations.long import long_work, run_now

MANIFEST_IMPORT = "manifest_import"


def manifest_url(body):
    """The manifest URL from ``{"manifest": url}`` or a JSON:API document with it as an attribute."""
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        data = body["data"]
        if data.get("type") not in (None, "image_sets"):
            raise ApiError(409, f"This endpoint takes image_sets, not '{data['type']}'.", code="type_mismatch",
                           pointer="/data/type")
        attributes = data.get("attributes") if isinstance(data.get("attributes"), dict) else {}
        unknown = [f"/data/attributes/{k}" for k in attributes if k != "manifest"]
        unknown += [f"/data/relationships/{k}" for k in (data.get("relationships") or {})]
        value, pointer = attributes.get("manifest"), "/data/attributes/manifest"
    elif isinstance(body, dict):
        if "manifest" not in body and isinstance(body.get("image_sets"), dict):  # the Panoptes wrapper
            body, base = body["image_sets"], "/image_sets"
        else:
            base = ""
        unknown = [f"{base}/{k}" for k in body if k not in ("manifest", "http_cache")]
        value, pointer = body.get("manifest"), f"{base}/manifest"
    else:
        raise ApiError(400, "The body must be a JSON object: {\"manifest\": \"https://…\"}.", pointer="")
    if unknown:  # API §4: unknown fields are named, not ignored
        raise ApiError(422, f"{unknown[0].rsplit('/', 1)[-1]}: is not accepted here; send only the manifest URL.",
                       code="unknown_attribute", pointer=unknown[0])
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "manifest: the URL of a IIIF manifest is required.", code="invalid", pointer=pointer)
    return value.strip(), pointer


def store(write, manifest):
    """The import's write: the rights checked before the fetch may have changed meanwhile, so they are
    checked again in the writing transaction."""
    caller, collection = write.caller, write.parent
    write.op.resource.policy.may_create(caller, ImageSet(collection_id=collection.id, creator_id=caller.user_id),
                                        None)
    return Outcome(write.op.resource, store_manifest(manifest, collection.id, caller.user_id), 201,
                   meta={"import": manifest.counts})


@long_work(MANIFEST_IMPORT)
def import_manifest_work(params, caller, run):
    """Fetch and read the manifest, then store it: ``params`` holds the collection id, the URL, where the URL
    was in the request and the languages asked for."""
    url, pointer = params["url"], params["pointer"]
    try:
        doc, _result = safe_fetch.fetch_json(url, **safe_fetch.options_from_settings(current_app.config))
    except safe_fetch.FetchRefused as refused:
        current_app.logger.info("manifest fetch refused: %s (%s) %s", refused.code, refused.address, refused.url)
        raise ApiError(422, f"manifest: could not fetch the manifest ({refused.code}): {refused.message}",
                       code=refused.code, pointer=pointer) from None
    try:
        manifest = read_manifest(doc, tuple(params["languages"]) or ("en",))
    except ManifestError as error:
        code = "no_images" if isinstance(error, NoImages) else "not_a_manifest"
        raise ApiError(422, f"manifest: {error.message}", code=code, pointer=pointer) from None
    run.progress(0, len(manifest.images))
    return run.apply(Operation(ACTION, RESOURCES["image_sets"], parents={"collection_id": params["collection_id"]},
                               action=lambda write: store(write, manifest)))


@api.post("/collections/<resid:collection_id>/import/manifest")
@documented("one", of="image_sets", status=201, body={"manifest": {"type": "string", "format": "uri"}},
            asynchronous=True, refusals=[("422", "The manifest URL could not be fetched (a host that does not "
                                                 "resolve, refuses, or is not public), or what it holds is not a "
                                                 "IIIF manifest the import reads")])
def import_manifest(collection_id):
    caller = require_caller()
    image_sets = RESOURCES["image_sets"]
    collection = image_sets.visible_collection(collection_id, caller)
    probe = ImageSet(collection_id=collection.id, creator_id=caller.user_id)
    image_sets.policy.may_create(caller, probe, None)
    query = parse(request.args, image_sets, dialect(), current_app.config, listing=False)
    url, pointer = manifest_url(read_json())
    params = {"collection_id": collection_id, "url": url, "pointer": pointer,
              "languages": list(parse_accept_language(request.headers.get("Accept-Language")))}
    # End the read transaction before the fetch (up to MANIFEST_FETCH_TIMEOUT): on SQLite a write request's
    # transaction holds the database's write lock, and no transaction should wait on a remote server.
    db.session.rollback()
    if prefers_async():
        return respond_async(MANIFEST_IMPORT, params, caller)
    outcome = run_now(MANIFEST_IMPORT, params, caller)
    result = fetch_one(image_sets, outcome.id, query, caller, dialect())
    location = context().root + image_sets.row_path(result.rows[0])
    return respond_result(result, status=201, headers={"Location": location}, meta=outcome.meta)
