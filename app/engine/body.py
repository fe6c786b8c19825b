"""Request bodies of both dialects read into one form, validated by the type's schema (API §4)."""
from dataclasses import dataclass, field

import orjson
from flask import request
from marshmallow import ValidationError
from sqlalchemy import and_, select

from app.engine.errors import ApiError, combine
from app.engine.filters import id_number
from app.engine.registry import RESOURCES
from app.extensions import db

IGNORED_TOP_LEVEL = {"http_cache"}
# How deeply a body's arrays and objects may nest: stored JSON (a subject's metadata) and values echoed in
# errors are written back by orjson, which refuses documents nested past 254 levels.
MAX_DEPTH = 64


@dataclass
class Input:
    values: dict = field(default_factory=dict)      # model attribute → validated value
    sent: set = field(default_factory=set)          # attribute names the client sent (writable ones)
    relations: dict = field(default_factory=dict)   # relation name → None | (type, id) | [(type, id), …]
    pointers: dict = field(default_factory=dict)    # relation name → where it was in the body
    panoptes: bool = False


def read_json(required=True):
    raw = request.get_data(cache=True)
    if not raw or not raw.strip():
        if required:
            raise ApiError(400, "The request needs a JSON body.", code="body_missing", pointer="")
        return None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"There was a problem in the JSON you submitted: {exc}", code="malformed_json",
                       pointer="")
    if b"\\u0000" in raw:
        pointer = _nul_pointer(body, "")
        if pointer is not None:
            raise ApiError(422, "Text may not contain the NUL character (\\u0000).", code="invalid_character",
                           pointer=pointer)
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        pointer = _deep_pointer(body, "", 0)
        if pointer is not None:
            raise ApiError(422, f"The JSON nests arrays and objects more than {MAX_DEPTH} levels deep.",
                           code="too_deep", pointer=pointer)
    return body


def _deep_pointer(value, pointer, depth):
    """JSON pointer to the first array or object nested deeper than MAX_DEPTH, or None."""
    if not isinstance(value, (dict, list)):
        return None
    if depth >= MAX_DEPTH:
        return pointer
    for key, item in (value.items() if isinstance(value, dict) else enumerate(value)):
        escaped = str(key).replace("~", "~0").replace("/", "~1")
        found = _deep_pointer(item, f"{pointer}/{escaped}", depth + 1)
        if found is not None:
            return found
    return None


def _nul_pointer(value, pointer):
    """JSON pointer to the first string (or key) holding U+0000, which no database column stores."""
    if isinstance(value, str):
        return pointer if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            escaped = key.replace("~", "~0").replace("/", "~1")
            if "\x00" in key:
                return f"{pointer}/{escaped}"
            found = _nul_pointer(item, f"{pointer}/{escaped}")
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_pointer(item, f"{pointer}/{i}")
            if found is not None:
                return found
    return None


def _bad(pointer, detail, status=400, code="invalid_body"):
    return ApiError(status, detail, code=code, pointer=pointer)


def parse_id(value, pointer):
    if isinstance(value, bool):
        raise _bad(pointer, f"'{value}' is not a valid id.", 422)
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise _bad(pointer, f"{orjson.dumps(value).decode()} is not a valid id.", 422)
    number = id_number(text)
    if number is None:
        raise _bad(pointer, f"'{value}' is not a valid id.", 422)
    return number


def parse_identifier(relation, value, pointer, panoptes):
    """(type, id) from a JSON:API identifier, or from a Panoptes id or {id, type} object."""
    if isinstance(value, dict):
        type_name = value.get("type")
        if type_name is None and len(relation.types) == 1:
            type_name = relation.types[0]
        if type_name not in relation.types:
            allowed = " or ".join(relation.types)
            raise _bad(pointer + "/type", f"{relation.name} takes {allowed}, not '{type_name}'.", 422)
        if "id" not in value:
            raise _bad(pointer + "/id", f"The {relation.name} identifier needs an id.", 422)
        return type_name, parse_id(value["id"], pointer + "/id")
    if panoptes and not isinstance(value, (list, dict)):
        if relation.polymorphic:
            raise _bad(pointer, f"{relation.name} needs an object with id and type "
                       f"({' or '.join(relation.types)}).", 422)
        return relation.types[0], parse_id(value, pointer)
    raise _bad(pointer, f"{relation.name} needs a resource identifier object with type and id.", 422)


def parse_linkage(relation, value, pointer, panoptes):
    if relation.many:
        if not isinstance(value, list):
            raise _bad(pointer, f"{relation.name} is a to-many relation: send a list.", 422)
        return [parse_identifier(relation, item, f"{pointer}/{i}", panoptes) for i, item in enumerate(value)]
    if value is None:
        return None
    return parse_identifier(relation, value, pointer, panoptes)


def parse_resource(resource, dialect, *, update_id=None, partial=None):
    """Read a create (update_id None) or update body; every problem is reported at once. ``partial``:
    whether attributes may be left out (by default only in updates)."""
    body = read_json()
    if not isinstance(body, dict):
        raise _bad("", "The request body must be a JSON object.")
    if dialect.panoptes:
        attributes, relationships, base = _unwrap_panoptes(resource, body, update_id)
    else:
        attributes, relationships, base = _unwrap_jsonapi(resource, body, update_id)
    inp = Input(panoptes=dialect.panoptes)
    errors = []
    for name, value in relationships.items():
        pointer = f"{base}/{name}" if dialect.panoptes else f"/data/relationships/{name}"
        relation = resource.relations.get(name)
        if relation is None:
            errors.append(_bad(pointer, f"'{name}' is not a relationship of {resource.type}.", 422,
                               "unknown_relationship"))
            continue
        if relation.mode == "read":
            continue  # echoed back by a client; not writable, so ignored
        if not dialect.panoptes:
            if not isinstance(value, dict) or "data" not in value:
                errors.append(_bad(pointer, f"The {name} relationship needs a 'data' member.", 400))
                continue
            value = value["data"]
            pointer = pointer + "/data"
        elif isinstance(value, dict) and relation.many:
            continue  # a Panoptes link object ({href, type}) echoed back
        try:
            inp.relations[name] = parse_linkage(relation, value, pointer, dialect.panoptes)
            inp.pointers[name] = pointer
        except ApiError as exc:
            errors.append(exc)
    clean = {}
    for name, value in attributes.items():
        pointer = f"{base}/{name}" if dialect.panoptes else f"/data/attributes/{name}"
        if name in resource.read_only:
            continue
        if name in resource.attribute_relations:
            # An input the specification gives as an attribute (e.g. a list of language codes).
            entry = resource.attribute_relations[name]
            relation_name, reader = entry if isinstance(entry, tuple) else (name, entry)
            if relation_name in inp.relations:
                errors.append(_bad(pointer, f"'{name}' sets {relation_name}, which the body already sets.", 422,
                                   "duplicate_input"))
                continue
            try:
                inp.relations[relation_name] = reader(value, pointer)
                inp.pointers[relation_name] = pointer
            except ApiError as exc:
                errors.append(exc)
            continue
        if name in resource.relations:
            where = "links" if dialect.panoptes else "relationships"
            errors.append(_bad(pointer, f"'{name}' is a relationship: send it under {where}.", 422,
                               "misplaced_relationship"))
            continue
        clean[name] = value
    doc = {"data": {"type": resource.type, "attributes": clean}}
    try:
        inp.values = resource.schema_instance.load(doc, partial=update_id is not None if partial is None else partial)
    except ValidationError as exc:
        errors.extend(schema_errors(exc.messages, base, dialect.panoptes))
    if errors:
        raise combine(errors)
    inp.sent = set(clean)
    return inp


def schema_errors(messages, base, relative):
    """ApiErrors (422) from a marshmallow-jsonapi ValidationError; ``relative``: pointers are ``base``/<name>
    (Panoptes bodies, list entries) rather than the schema's own /data/attributes/<name>."""
    result = []
    for item in messages.get("errors", []) if isinstance(messages, dict) else []:
        pointer = item.get("source", {}).get("pointer", "/data")
        name = pointer.rsplit("/", 1)[-1]
        detail = item.get("detail", "is invalid")
        if detail == "Unknown field.":
            detail = "is not an attribute of this type."
            code = "unknown_attribute"
        else:
            code = "invalid_attribute"
        if relative:
            pointer = f"{base}/{name}"
        result.append(ApiError(422, f"{name}: {detail}", code=code, pointer=pointer))
    if not result:
        result.append(ApiError(422, f"Invalid attributes: {messages}", pointer="/data/attributes"))
    return result


def _unwrap_jsonapi(resource, body, update_id):
    data = body.get("data")
    if not isinstance(data, dict):
        raise _bad("/data", "The body needs a 'data' member holding one resource object.")
    type_name = data.get("type")
    if type_name is None:
        raise _bad("/data/type", "The resource object needs a 'type'.")
    if type_name != resource.type:
        raise ApiError(409, f"This endpoint takes {resource.type}, not '{type_name}'.", code="type_mismatch",
                       pointer="/data/type")
    if update_id is None:
        if "id" in data or "lid" in data:
            if "id" in data:
                raise ApiError(403, "Client-generated ids are not supported.", code="client_id",
                               pointer="/data/id")
    else:
        if "id" not in data:
            raise _bad("/data/id", "An update needs the resource's 'id'.")
        if not isinstance(data["id"], str) or data["id"] != str(update_id):
            raise ApiError(409, f"The id in the body ({data['id']!r}) does not match the URL ({update_id}).",
                           code="id_mismatch", pointer="/data/id")
    attributes = data.get("attributes", {})
    relationships = data.get("relationships", {})
    if not isinstance(attributes, dict):
        raise _bad("/data/attributes", "'attributes' must be an object.")
    if not isinstance(relationships, dict):
        raise _bad("/data/relationships", "'relationships' must be an object.")
    return attributes, relationships, "/data"


def _unwrap_panoptes(resource, body, update_id):
    key = resource.type
    unknown = [k for k in body if k != key and k not in IGNORED_TOP_LEVEL]
    if unknown:
        raise _bad(f"/{unknown[0]}", f"Unexpected top-level key '{unknown[0]}': send {{\"{key}\": {{…}}}}.", 422)
    data = body.get(key)
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        raise _bad(f"/{key}", f"The body needs the key '{key}' holding one object.", 422)
    data = dict(data)
    links = data.pop("links", {}) or {}
    if not isinstance(links, dict):
        raise _bad(f"/{key}/links", "'links' must be an object.", 422)
    echoed_id = data.pop("id", None)
    if update_id is not None and echoed_id is not None and str(echoed_id) != str(update_id):
        raise ApiError(409, f"The id in the body ({echoed_id}) does not match the URL ({update_id}).",
                       code="id_mismatch", pointer=f"/{key}/id")
    return data, links, f"/{key}"


def resolve_targets(inp, caller, errors_status=422):
    """Check every linked resource exists and is visible to the caller; one statement per target type."""
    wanted = {}
    for name, linkage in inp.relations.items():
        items = linkage if isinstance(linkage, list) else ([linkage] if linkage else [])
        for type_name, id_ in items:
            wanted.setdefault(type_name, {}).setdefault(id_, name)
    missing = {}
    for type_name, ids in wanted.items():
        target = RESOURCES[type_name]
        scope = target.policy.scope(caller, target)
        clauses = [target.table.c.id.in_(list(ids))]
        if scope is not None:
            clauses.append(scope)
        found = {r[0] for r in db.session.execute(select(target.table.c.id).where(and_(*clauses)))}
        for id_, name in ids.items():
            if id_ not in found:
                missing.setdefault(name, []).append((type_name, id_))
    if missing:
        errors = []
        for name, items in missing.items():
            listed = ", ".join(f"{t} {i}" for t, i in items)
            errors.append(ApiError(errors_status, f"Couldn't find linked {name} for the current user: {listed}.",
                                   code="link_not_found", pointer=inp.pointers.get(name)))
        raise combine(errors)
