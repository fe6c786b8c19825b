"""JSON:API Atomic Operations (https://jsonapi.org/ext/atomic): an ``atomic:operations`` document read into
the processor's operations, run in one transaction, all or nothing.

Each operation is read just before it runs, so a ``lid`` declared by an earlier ``add`` is known to later
``ref``s, linkage and data; errors point into the request (``/atomic:operations/<n>/…``)."""
from urllib.parse import urlsplit

from flask import current_app, g
from werkzeug.exceptions import HTTPException

from app.engine.body import local_id
from app.engine.dialects import JSONAPI_DIALECT
from app.engine.errors import ApiError
from app.engine.filters import id_number
from app.engine.registry import RESOURCES
from app.engine.body import parse_linkage
from app.operations.kinds import ADD, CREATE, DROP, REMOVE, REPLACE, UPDATE, Operation

KEY = "atomic:operations"
OP_NAMES = ("add", "update", "remove")
REF_MEMBERS = {"type", "id", "lid", "relationship"}
OPERATION_MEMBERS = {"op", "ref", "href", "data", "meta"}


def _bad(pointer, detail, status=400, code="invalid_operation"):
    return ApiError(status, detail, code=code, pointer=pointer)


def operations_of(doc, limit):
    """The list of raw operation objects of a request document (400/422 when the document is not one)."""
    if not isinstance(doc, dict):
        raise _bad("", "The body must be a JSON object with 'atomic:operations'.")
    for member in ("data", "included", "atomic:results"):
        if member in doc:
            raise _bad(f"/{member}", f"An atomic request carries '{KEY}' and no top-level '{member}'.")
    ops = doc.get(KEY)
    if not isinstance(ops, list) or not ops:
        raise _bad(f"/{KEY}", f"'{KEY}' must be a list of at least one operation.")
    if len(ops) > limit:
        raise _bad(f"/{KEY}", f"{len(ops)} operations are more than the {limit} one request may carry.", 422,
                   "too_many_operations")
    return ops


class Reader:
    """Turns raw operation objects into processor operations, remembering the lids that creates declare."""

    def __init__(self, api_root_path):
        self.root_path = api_root_path   # "/api"
        self.declared = set()            # (type, lid) of adds read so far
        g.local_ids = {}                 # (type, lid) → id, filled as adds run (engine.body.local_id)

    def created(self, op, outcome):
        if op.lid is not None:
            g.local_ids[(op.resource.type, op.lid)] = outcome.id

    def read(self, number, raw):
        base = f"/{KEY}/{number}"
        if not isinstance(raw, dict):
            raise _bad(base, "An operation is an object with 'op'.")
        unknown = sorted(set(raw) - OPERATION_MEMBERS)
        if unknown:
            raise _bad(f"{base}/{unknown[0]}", f"'{unknown[0]}' is not a member of an operation.")
        name = raw.get("op")
        if name not in OP_NAMES:
            raise _bad(f"{base}/op", "op must be one of add, update or remove.")
        if "ref" in raw and "href" in raw:
            raise _bad(base, "An operation names its target with ref or href, not both.")
        target = self._target(raw, name, base)
        data_pointer = f"{base}/data"
        if target.get("relationship"):
            return self._relationship(name, target, raw, base)
        if name == "add":
            return self._add(target, raw, data_pointer)
        if name == "remove":
            if target.get("resource") is None:
                raise _bad(base, "A remove needs a ref or an href naming the resource.")
            return Operation(REMOVE, target["resource"], target["id"], parents=target["parents"])
        return self._update(target, raw, data_pointer, base)

    # -- targets ---------------------------------------------------------------------------------------
    def _target(self, raw, name, base):
        """{resource, id, parents, relationship} named by ref or href (empty for an add without either)."""
        if "ref" in raw:
            return self._ref(raw["ref"], f"{base}/ref")
        if "href" in raw:
            return self._href(raw["href"], name, f"{base}/href")
        return {"resource": None, "id": None, "parents": {}, "relationship": None}

    def _resource(self, type_name, pointer):
        resource = RESOURCES.get(type_name) if isinstance(type_name, str) else None
        if resource is None:
            raise _bad(pointer, f"'{type_name}' is not a type of this API.", 404 if isinstance(type_name, str)
                       else 400, "unknown_type")
        return resource

    def _ref(self, ref, pointer):
        if not isinstance(ref, dict):
            raise _bad(pointer, "ref must be an object with type and id (or lid).")
        unknown = sorted(set(ref) - REF_MEMBERS)
        if unknown:
            raise _bad(f"{pointer}/{unknown[0]}", f"'{unknown[0]}' is not a member of a ref.")
        resource = self._resource(ref.get("type"), f"{pointer}/type")
        if ("id" in ref) == ("lid" in ref):
            raise _bad(pointer, "ref needs exactly one of id and lid.")
        if "lid" in ref:
            id_ = local_id(resource.type, ref["lid"], f"{pointer}/lid")
        else:
            value = ref["id"]
            id_ = id_number(value) if isinstance(value, str) else None
            if id_ is None:
                raise _bad(f"{pointer}/id", "ref.id must be the string of a resource id.")
        relationship = ref.get("relationship")
        if relationship is not None and relationship not in resource.relations:
            raise _bad(f"{pointer}/relationship", f"'{relationship}' is not a relationship of {resource.type}.",
                       404, "unknown_relationship")
        return {"resource": resource, "id": id_, "parents": {}, "relationship": relationship}

    def _href(self, href, name, pointer):
        """The target an href names, found by the API's own URL rules."""
        if not isinstance(href, str):
            raise _bad(pointer, "href must be a URL of this API.")
        path = urlsplit(href).path.rstrip("/") or "/"
        if not path.startswith(self.root_path + "/"):
            path = self.root_path + (path if path.startswith("/") else "/" + path)
        method = {"add": "POST", "update": "PATCH", "remove": "DELETE"}[name]
        try:
            endpoint, args = current_app.url_map.bind("localhost").match(path, method=method)
        except HTTPException:
            raise _bad(pointer, f"{href} is not a URL of this API that takes {name}.", 404, "unknown_href") from None
        parts = endpoint.split(".", 1)[-1].split(":")
        resource = RESOURCES.get(parts[0].split("~")[0])
        kind = parts[1] if len(parts) > 1 else None
        if resource is None or kind not in ("create", "update", "destroy", "relationships", "links"):
            raise _bad(pointer, f"{href} does not name a resource, a list or a relationship.", 404, "unknown_href")
        args = dict(args)
        id_ = args.pop("id", None)
        relationship = args.pop("rel", None)
        if kind == "create" and name != "add":
            raise _bad(pointer, f"{href} names a list: only add goes there.", 400)
        return {"resource": resource, "id": id_, "parents": args, "relationship": relationship}

    # -- the kinds -------------------------------------------------------------------------------------
    def _relationship(self, name, target, raw, base):
        resource, pointer = target["resource"], f"{base}/data"
        relation = resource.relations[target["relationship"]]
        if not relation.many and name != "update":
            raise _bad(f"{base}/op", "A to-one relationship is replaced with update.")
        kind = {"add": ADD, "update": REPLACE, "remove": DROP}[name]

        def read():
            if "data" not in raw:
                raise _bad(pointer, "A relationship operation needs data: resource linkage.")
            return parse_linkage(relation, raw["data"], pointer, False), pointer

        return Operation(kind, resource, target["id"], parents=target["parents"], relation=relation, read=read)

    def _add(self, target, raw, pointer):
        """A create. With an href naming the list its data is read only when the operation runs (after the
        rights on the parent are checked); without one, data's type says what is created."""
        data = raw.get("data")
        resource = target["resource"]
        if resource is None:
            if not isinstance(data, dict):
                raise _bad(pointer, "An add needs data: a resource object.")
            resource = self._resource(data.get("type"), f"{pointer}/type")
        lid = data.get("lid") if isinstance(data, dict) else None
        if lid is not None:
            if not isinstance(lid, str) or not lid:
                raise _bad(f"{pointer}/lid", "lid must be a non-empty string.")
            if (resource.type, lid) in self.declared:
                raise _bad(f"{pointer}/lid", f"lid {lid!r} is declared twice for {resource.type}.",
                           code="duplicate_lid")
            self.declared.add((resource.type, lid))
        parents = dict(target["parents"])
        if resource.parent is not None and resource.parent.key not in parents:
            parents.update(self._parent_from_linkage(resource, data, pointer))

        def read():
            if not isinstance(data, dict):
                raise _bad(pointer, "An add needs data: a resource object.")
            if data.get("type") != resource.type:
                self._resource(data.get("type"), f"{pointer}/type")
                raise ApiError(409, f"The href takes {resource.type}, not '{data.get('type')}'.",
                               code="type_mismatch", pointer=f"{pointer}/type")
            return JSONAPI_DIALECT.read_object(resource, {k: v for k, v in data.items() if k != "lid"}, pointer,
                                               lid_allowed=True)

        return Operation(CREATE, resource, parents=parents, lid=lid, read=read)

    def _parent_from_linkage(self, resource, data, pointer):
        """A nested type added without an href: its parent from the relationship that stores the parent."""
        parent = resource.parent
        for name, relation in resource.relations.items():
            if not relation.many and getattr(relation, "column", None) is parent.column:
                linkage = ((data.get("relationships") or {}).get(name) or {}).get("data") \
                    if isinstance(data.get("relationships"), dict) else None
                if isinstance(linkage, dict):
                    _type, id_ = parse_linkage(relation, linkage, f"{pointer}/relationships/{name}/data", False)
                    return {parent.key: id_}
        raise _bad(pointer, f"{resource.type} are added under their {parent.type}: give an href "
                   f"(/{parent.resource.path}/{{id}}/{parent.segment}) or the relationship to it.", 422,
                   "parent_missing")

    def _update(self, target, raw, pointer, base):
        """An update. With a ref or href its data is read only when the operation runs (after the rights on
        the row are checked); without one, data names the target."""
        data = raw.get("data")
        if target["resource"] is None:
            if not isinstance(data, dict):
                raise _bad(pointer, "An update needs data: a resource object.")
            target = self._ref({k: data[k] for k in ("type", "id", "lid") if k in data}, pointer)
        resource, id_ = target["resource"], target["id"]

        def read():
            if not isinstance(data, dict):
                raise _bad(pointer, "An update needs data: a resource object.")
            if data.get("type") != resource.type:
                raise ApiError(409, f"The target is a {resource.type} resource, not '{data.get('type')}'.",
                               code="type_mismatch", pointer=f"{pointer}/type")
            if "lid" in data and "id" not in data:
                if local_id(resource.type, data["lid"], f"{pointer}/lid") != id_:
                    raise ApiError(409, "data.lid names another resource than the target.", code="id_mismatch",
                                   pointer=f"{pointer}/lid")
            body = {k: v for k, v in data.items() if k != "lid"}
            body.setdefault("id", str(id_))
            return JSONAPI_DIALECT.read_object(resource, body, pointer, update_id=id_)

        return Operation(UPDATE, resource, id_, parents=target["parents"], read=read)


def located(error, number):
    """An error of operation ``number``, its pointers inside the request document."""
    prefix = f"/{KEY}/{number}"
    for item in error.objects():
        if item.pointer is None:
            if item.parameter is None and item.header is None:
                item.pointer = prefix
        elif not item.pointer.startswith(f"/{KEY}"):
            item.pointer = prefix + item.pointer
    return error
