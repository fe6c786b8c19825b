"""Request bodies of both dialects read into one form, validated by the type's schema (API §4)."""
import json
import re
from dataclasses import dataclass, field

import orjson
from flask import g, request
from marshmallow import ValidationError
from sqlalchemy import and_, select

from app.engine.errors import ApiError, combine
from app.engine.filters import id_number
from app.engine.registry import RESOURCES
from app.extensions import db

IGNORED_TOP_LEVEL = {"http_cache"}
IDENTIFIER_MEMBERS = {"type", "id", "lid", "meta"}
# A Panoptes link object: what the dialect renders for one target (a client may send it back as read)
PANOPTES_LINK_MEMBERS = {"id", "type", "href", "display_name"}
# A Panoptes to-many link object read back instead of a list of ids
PANOPTES_ECHOED_LIST = {"href", "type", "count", "members"}
STRICT_ID = re.compile("[1-9][0-9]{0,17}")  # what the URL converter takes (app/__init__.py)
# How deeply a body's arrays and objects may nest: stored JSON (a subject's metadata) and values echoed in
# errors are written back by orjson, which refuses documents nested past 254 levels.
MAX_DEPTH = 64


@dataclass
class Input:
    values: dict = field(default_factory=dict)      # model attribute → validated value
    sent: set = field(default_factory=set)          # attribute names the client sent (writable ones)
    relations: dict = field(default_factory=dict)   # relation name → None | (type, id) | [(type, id), …]
    pointers: dict = field(default_factory=dict)    # relation name → where it was in the body
    echoed: dict = field(default_factory=dict)      # read-only relation name → (linkage, pointer) sent
    attribute_base: str = "/data/attributes"         # where the body's attributes are
    relation_pointer: object = None                  # name → where a relationship would be in the body

    def pointer(self, name):
        """Where an attribute (or relation) ``name`` is, or would be, in the body."""
        return self.pointers.get(name) or f"{self.attribute_base}/{name}"

    def relation_at(self, name):
        """Where relation ``name`` is, or would be, in the body."""
        if name in self.pointers or self.relation_pointer is None:
            return self.pointer(name)
        return self.relation_pointer(name)


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
    duplicate = _duplicate_pointer(raw)
    if duplicate is not None:
        raise ApiError(400, "A JSON object holds the same member twice; send each member once.",
                       code="duplicate_member", pointer=duplicate)
    return body


class _Repeated(dict):
    """An object of the body that held ``member`` more than once."""
    member = None


def _pairs(pairs):
    obj = _Repeated(pairs)
    if len(obj) < len(pairs):
        seen = set()
        obj.member = next(k for k, _v in pairs if k in seen or seen.add(k))
        return obj
    return dict(obj)


def _duplicate_pointer(raw):
    """JSON pointer to the first member a body's object repeats, or None. orjson keeps the last silently (so
    do most parsers, some keep the first): a body whose meaning depends on the parser is refused."""
    if b"{" not in raw:
        return None
    tree = json.loads(raw, object_pairs_hook=_pairs)
    stack = [(tree, "")]
    while stack:
        value, pointer = stack.pop()
        if isinstance(value, _Repeated) and value.member is not None:
            return f"{pointer}/{_escape(value.member)}"
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        stack.extend(reversed([(item, f"{pointer}/{_escape(str(key))}") for key, item in items]))
    return None


def _escape(key):
    return key.replace("~", "~0").replace("/", "~1")


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


def local_id(type_name, lid, pointer):
    """The id of a resource an earlier atomic operation added under ``lid`` (400 for any other lid)."""
    known = g.get("local_ids", {})
    if not isinstance(lid, str) or (type_name, lid) not in known:
        raise _bad(pointer, f"No earlier operation of this request adds a {type_name} resource with lid "
                   f"{orjson.dumps(lid).decode()}.", code="unknown_lid")
    return known[(type_name, lid)]


def parse_identifier(relation, value, pointer, bare_ids):
    """(type, id) from a JSON:API identifier, or from a Panoptes id or {id, type} object."""
    if isinstance(value, dict):
        type_name = value.get("type")
        if bare_ids:
            unknown = sorted(set(value) - PANOPTES_LINK_MEMBERS)
            if unknown:
                raise _bad(f"{pointer}/{unknown[0]}", f"'{unknown[0]}' is not a member of a {relation.name} link "
                           "(id, type, href, display_name).")
        else:
            # a JSON:API resource identifier object: type and id (or lid), optionally meta, nothing else
            unknown = sorted(set(value) - IDENTIFIER_MEMBERS)
            if unknown:
                raise _bad(f"{pointer}/{unknown[0]}", f"'{unknown[0]}' is not a member of a resource identifier "
                           "(type, id or lid, meta).")
            if type_name is None:
                raise _bad(f"{pointer}/type", f"The {relation.name} identifier needs a type.")
            if "meta" in value and not isinstance(value["meta"], dict):
                raise _bad(f"{pointer}/meta", "'meta' must be an object.")
            if "id" in value and not (isinstance(value["id"], str) and STRICT_ID.fullmatch(value["id"])):
                # JSON:API ids are strings; ours are the URL's form (no sign, spaces or leading zeros)
                raise _bad(f"{pointer}/id", f"{orjson.dumps(value['id']).decode()} is not a valid id: ids are "
                           "strings of digits.", 422)
        if type_name is None and len(relation.types) == 1:
            type_name = relation.types[0]
        if type_name not in relation.types:
            allowed = " or ".join(relation.types)
            raise _bad(pointer + "/type", f"{relation.name} takes {allowed}, not '{type_name}'.", 422)
        if "id" not in value and "lid" in value:
            return type_name, local_id(type_name, value["lid"], pointer + "/lid")
        if "id" not in value:
            raise _bad(pointer + "/id", f"The {relation.name} identifier needs an id.", 422)
        return type_name, parse_id(value["id"], pointer + "/id")
    if bare_ids and not isinstance(value, (list, dict)):
        if relation.polymorphic:
            raise _bad(pointer, f"{relation.name} needs an object with id and type "
                       f"({' or '.join(relation.types)}).", 422)
        return relation.types[0], parse_id(value, pointer)
    raise _bad(pointer, f"{relation.name} needs a resource identifier object with type and id.", 422)


def parse_linkage(relation, value, pointer, bare_ids):
    if relation.many:
        if not isinstance(value, list):
            raise _bad(pointer, f"{relation.name} is a to-many relation: send a list.", 422)
        return [parse_identifier(relation, item, f"{pointer}/{i}", bare_ids) for i, item in enumerate(value)]
    if value is None:
        return None
    return parse_identifier(relation, value, pointer, bare_ids)


def read_resource(resource, attributes, relationships, *, partial, attribute_base, relation_pointer,
                  panoptes_links):
    """An Input from a body's attributes and relationships, however the dialect wrapped them; every problem
    is reported at once. ``relation_pointer``: name → where the relationship is; ``panoptes_links``: the
    relationships are Panoptes ``links`` (bare ids, no ``data`` member)."""
    inp = Input(attribute_base=attribute_base, relation_pointer=relation_pointer)
    errors = []
    for name, value in relationships.items():
        pointer = relation_pointer(name)
        relation = resource.relations.get(name)
        if relation is None:
            errors.append(_bad(pointer, f"'{name}' is not a relationship of {resource.type}.", 422,
                               "unknown_relationship"))
            continue
        read_only = relation.mode == "read"
        if not panoptes_links:
            if read_only and isinstance(value, dict) and "data" not in value:
                continue  # a relationship object echoed back with its links only
            if not isinstance(value, dict) or "data" not in value:
                errors.append(_bad(pointer, f"The {name} relationship needs a 'data' member.", 400))
                continue
            value = value["data"]
            pointer = pointer + "/data"
        elif isinstance(value, dict) and relation.many:
            if set(value) <= PANOPTES_ECHOED_LIST:
                continue  # a Panoptes link object ({href, type, count}) echoed back
            errors.append(_bad(pointer, f"{name} is a to-many relation: send a list of ids.", 422))
            continue
        try:
            linkage = parse_linkage(relation, value, pointer, panoptes_links)
            if read_only:
                inp.echoed[name] = (linkage, pointer)  # tolerated only unchanged (the processor compares)
                continue
            inp.relations[name] = linkage
            inp.pointers[name] = pointer
        except ApiError as exc:
            errors.append(exc)
    clean = {}
    for name, value in attributes.items():
        pointer = f"{attribute_base}/{name}"
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
            where = "links" if panoptes_links else "relationships"
            errors.append(_bad(pointer, f"'{name}' is a relationship: send it under {where}.", 422,
                               "misplaced_relationship"))
            continue
        clean[name] = value
    try:
        inp.values = load_attributes(resource, clean, attribute_base, partial=partial)
    except ApiError as exc:
        errors.extend(exc.objects())
    if errors:
        raise combine(errors)
    inp.sent = set(clean)
    return inp


def load_attributes(resource, attributes, base, partial=False):
    """The type's schema validates (and converts) attributes; errors point under ``base``."""
    try:
        return resource.schema_instance.load({"data": {"type": resource.type, "attributes": attributes}},
                                             partial=partial)
    except ValidationError as exc:
        raise combine(schema_errors(exc.messages, base)) from None


def schema_errors(messages, base):
    """ApiErrors (422) from a marshmallow-jsonapi ValidationError, pointing below ``base`` (where the body's
    attributes are) rather than the schema's own /data/attributes."""
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
        prefix = "/data/attributes"
        pointer = base + pointer[len(prefix):] if pointer.startswith(prefix + "/") else f"{base}/{name}"
        result.append(ApiError(422, f"{name}: {detail}", code=code, pointer=pointer))
    if not result:
        result.append(ApiError(422, f"Invalid attributes: {messages}", pointer=base))
    return result


def check_document(body):
    """A JSON:API request document: an object whose ``jsonapi``, ``meta`` and ``links`` members, when sent,
    are objects (400 pointing at the first that is not)."""
    if not isinstance(body, dict):
        raise _bad("", "The request body must be a JSON object.")
    for member in ("jsonapi", "meta", "links"):
        if member in body and not isinstance(body[member], dict):
            raise _bad(f"/{member}", f"'{member}' must be an object.")
    return body


def unwrap_jsonapi(resource, data, update_id, base="/data", lid_allowed=False):
    """(attributes, relationships) of one JSON:API resource object at ``base``."""
    if not isinstance(data, dict):
        raise _bad(base, "The body needs a 'data' member holding one resource object.")
    type_name = data.get("type")
    if type_name is None:
        raise _bad(f"{base}/type", "The resource object needs a 'type'.")
    if type_name != resource.type:
        raise ApiError(409, f"This endpoint takes {resource.type}, not '{type_name}'.", code="type_mismatch",
                       pointer=f"{base}/type")
    if update_id is None:
        if "id" in data:
            raise ApiError(403, "Client-generated ids are not supported.", code="client_id",
                           pointer=f"{base}/id")
    elif not lid_allowed or "lid" not in data:
        if "id" not in data:
            raise _bad(f"{base}/id", "An update needs the resource's 'id'.")
        if not isinstance(data["id"], str) or data["id"] != str(update_id):
            raise ApiError(409, f"The id in the body ({data['id']!r}) does not match the URL ({update_id}).",
                           code="id_mismatch", pointer=f"{base}/id")
    attributes = data.get("attributes", {})
    relationships = data.get("relationships", {})
    if not isinstance(attributes, dict):
        raise _bad(f"{base}/attributes", "'attributes' must be an object.")
    if not isinstance(relationships, dict):
        raise _bad(f"{base}/relationships", "'relationships' must be an object.")
    return attributes, relationships


def unwrap_panoptes(resource, body, update_id):
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
    links = data.pop("links", None)
    links = {} if links is None else links
    if not isinstance(links, dict):  # false, 0 or "" too: only an object (or null) holds links
        raise _bad(f"/{key}/links", "'links' must be an object.", 422)
    echoed_id = data.pop("id", None)
    if update_id is not None and echoed_id is not None and str(echoed_id) != str(update_id):
        raise ApiError(409, f"The id in the body ({echoed_id}) does not match the URL ({update_id}).",
                       code="id_mismatch", pointer=f"/{key}/id")
    return data, links


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
