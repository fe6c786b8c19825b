"""The W3C Web Annotation Protocol (https://www.w3.org/TR/annotation-protocol/) as a capability of any nested
declaration: a declaration that names a ``WebAnnotations`` mapping gets an annotation container per parent
row, served by resources/web_annotations.py with the declaration's own policy, processor writes and ETags.

The mapping is the family's part: how one row reads as a Web Annotation and how a Web Annotation reads as
the type's attributes and relations; everything else (media type, containers, pages, Prefer, If-Match,
Link/Allow headers, tombstones) is here and in the views."""
from dataclasses import dataclass

from app.engine.errors import ApiError
from app.engine.filters import id_number
from app.engine.registry import RESOURCES

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
PROFILE = ANNO_CONTEXT
MEDIA_TYPE = f'application/ld+json; profile="{PROFILE}"'
PREFER_MINIMAL = "http://www.w3.org/ns/ldp#PreferMinimalContainer"
PREFER_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
PREFER_DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"
CONTAINER_LINKS = ('<http://www.w3.org/ns/ldp#BasicContainer>; rel="type", '
                   '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"')
MEMBER_LINK = '<http://www.w3.org/ns/ldp#Resource>; rel="type"'
CONTAINER_ALLOW = "POST, GET, OPTIONS, HEAD"
MEMBER_ALLOW = "PUT, GET, OPTIONS, HEAD, DELETE"
PREFIX = "/w3c"


@dataclass(frozen=True)
class WebAnnotations:
    """``render(values, iris)`` → the Web Annotation of one row (``values``: column key → value), without
    ``@context`` and ``id``; ``read(doc, iris)`` → (attributes, relations {name: linkage}, pointers {input
    name: where it is in ``doc``}), raising ApiError (400/422 with a pointer) for what no attribute can say;
    ``label(parent)`` → the container's label; ``tombstone``: the model column a delete sets (its rows answer
    410 Gone; None: deleted rows are gone, 404)."""
    render: object
    read: object
    label: object = None
    tombstone: object = None


class Iris:
    """The IRIs of one request: containers and annotations on the protocol's paths, other resources on their
    API URLs (``of``), and back (``id_in``)."""

    def __init__(self, origin, api_root):
        self.origin, self.api_root = origin, api_root

    def container(self, resource, parent_id):
        parent = resource.parent
        return f"{self.origin}{PREFIX}/{parent.resource.path}/{parent_id}/{parent.segment}/"

    def member(self, resource, parent_id, id_):
        return f"{self.container(resource, parent_id)}{id_}"

    def of(self, type_name, id_):
        return self.api_root + RESOURCES[type_name].self_path(id_)

    def id_in(self, type_name, iri):
        """The id of a ``type_name`` resource named by its API URL (a fragment aside), else None."""
        if not isinstance(iri, str):
            return None
        base = self.api_root + RESOURCES[type_name].self_path("")
        path = iri.split("#", 1)[0].rstrip("/")
        if not path.startswith(base):
            return None
        return id_number(path[len(base):])


def preference(prefer_header, iris_param):
    """(contained: "iris" | "descriptions", minimal, applied) from ``Prefer`` and the ``iris`` parameter the
    preference-specific IRIs carry. Asking for IRIs and descriptions at once is asking for the default."""
    if iris_param is not None:
        if iris_param not in ("0", "1"):
            raise ApiError(400, "iris: 0 (descriptions) or 1 (IRIs).", code="invalid_parameter", parameter="iris")
        return ("iris" if iris_param == "1" else "descriptions"), False, False
    include = _prefer_include(prefer_header or "")
    if include is None:
        return "descriptions", False, False
    iris, descriptions = PREFER_IRIS in include, PREFER_DESCRIPTIONS in include
    contained = "iris" if iris and not descriptions else "descriptions"
    return contained, PREFER_MINIMAL in include, True


def _prefer_include(header):
    """The IRIs of ``return=representation; include="…"`` (RFC 7240), or None when there is none."""
    for preference_text in header.split(","):
        parts = [p.strip() for p in preference_text.split(";")]
        if not parts or parts[0].replace(" ", "").lower() != "return=representation":
            continue
        for part in parts[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "include":
                return set(value.strip().strip('"').split())
        return set()
    return None


def is_annotation(doc):
    kinds = doc.get("type") if isinstance(doc, dict) else None
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return "Annotation" in kinds or "oa:Annotation" in kinds


def one(value, pointer, what):
    """A member the protocol allows as a value or a list: here exactly one (a list of one is unwrapped)."""
    if isinstance(value, list):
        if len(value) != 1:
            raise ApiError(422, f"{what}: exactly one is supported.", code="invalid", pointer=pointer)
        return value[0], f"{pointer}/0"
    return value, pointer


def web_annotation_types():
    return [r for r in RESOURCES.values() if getattr(r, "web_annotations", None) is not None]
