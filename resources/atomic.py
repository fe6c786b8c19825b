"""POST /api/operations: JSON:API Atomic Operations over every type (https://jsonapi.org/ext/atomic)."""
import orjson
from flask import current_app, request
from werkzeug.wrappers import Response

from app.engine import params
from app.engine.body import read_json
from app.engine.dialects import JSONAPI_DIALECT
from app.engine.errors import ApiError
from app.engine.fetch import fetch_one
from app.engine.http import context, dialect, no_content, require_caller
from app.engine.negotiation import ATOMIC, ATOMIC_CT, JSONAPI, extensions, parse_media_range, split_header
from app.engine.openapi import documented
from app.extensions import db
from app.operations import CREATE, UPDATE, Processor
from app.operations.atomic import Reader, located, operations_of
from app.operations.processor import commit
from resources import api


def negotiate():
    """The extension must be asked for: in Content-Type (415) and, where Accept names JSON:API, there (406)."""
    if not dialect().atomic_operations:
        raise ApiError(406, "The Panoptes dialect has no atomic operations: send Accept: "
                       f"{ATOMIC_CT}.", code="not_acceptable", header="Accept")
    content_type = request.headers.get("Content-Type", "")
    mime, parameters, _q = parse_media_range(content_type) if content_type else ("", {}, 1)
    if mime != JSONAPI or ATOMIC not in parameters.get("ext", "").split():
        raise ApiError(415, f"Atomic operations are sent as {ATOMIC_CT}.", code="unsupported_media_type",
                       header="Content-Type")
    ranges = [parse_media_range(r) for r in split_header(request.headers.get("Accept") or "")]
    jsonapi = [r for r in ranges if r[0] == JSONAPI and r[2] > 0]
    generic = any(r[0] in ("*/*", "application/*", "application/json") and r[2] > 0 for r in ranges)
    if jsonapi and not generic and ATOMIC not in extensions(request.headers.get("Accept")):
        raise ApiError(406, f"The answer to atomic operations is {ATOMIC_CT}: name it in Accept.",
                       code="not_acceptable", header="Accept")


@api.route("/operations", methods=["POST"])
@documented("atomic", errors=("400", "401", "403", "404", "406", "409", "413", "415", "422", "429", "503"),
            refusals=[("400", "An operation's data does not fit its op and target (an add needs a resource object, "
                              "a relationship's operation its linkage), or its ref or href names no type, "
                              "relationship or earlier lid of this request"),
                      ("422", "An id names no row the caller may see, or the data is invalid for its type"),
                      ("406", "Atomic operations are a JSON:API extension: an Accept of the Panoptes dialect "
                              "gets none", "panoptes")])
def atomic_operations():
    """JSON:API Atomic Operations: add, update and remove resources and relationships, all or nothing"""
    negotiate()
    caller = require_caller()
    raw_ops = operations_of(read_json(), current_app.config["ATOMIC_MAX_OPERATIONS"])
    processor = Processor(caller)
    reader = Reader("/api")
    results = []
    try:
        for number, raw in enumerate(raw_ops):
            try:
                op = reader.read(number, raw)
                outcome = processor.execute(op)
            except ApiError as error:
                raise located(error, number)
            reader.created(op, outcome)
            results.append(_result(op, outcome, caller))  # as this operation left it
        commit()
    except Exception:
        db.session.rollback()
        raise
    if not any(results):
        return no_content()
    body = orjson.dumps({"jsonapi": {"version": "1.1", "ext": [ATOMIC]}, "atomic:results": results})
    return Response(body, status=200, content_type=ATOMIC_CT)


def _result(op, outcome, caller):
    """``{"data": …}`` for an add or update of a resource, ``{}`` for the rest."""
    if op.kind not in (CREATE, UPDATE) or outcome.id is None:
        return {}
    resource = outcome.resource
    query = params.parse({}, resource, JSONAPI_DIALECT, current_app.config, listing=False)
    result = fetch_one(resource, outcome.id, query, caller, JSONAPI_DIALECT)
    if result is None:  # written, but no longer visible to the caller
        return {}
    return {"data": JSONAPI_DIALECT.render(result, context())["data"]}
