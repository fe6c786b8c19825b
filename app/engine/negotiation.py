"""Which dialect a request speaks, from its Accept and Content-Type headers (API §2)."""
from app.engine.errors import ApiError

from app.engine.dialects import JSONAPI, JSONAPI_DIALECT, PANOPTES_CT, PANOPTES_DIALECT  # noqa: F401

JSONAPI_CT = JSONAPI
ATOMIC = "https://jsonapi.org/ext/atomic"
KNOWN_EXTENSIONS = frozenset({ATOMIC})
ATOMIC_CT = f'{JSONAPI}; ext="{ATOMIC}"'


def parse_media_range(text):
    """``type/subtype; a=b; q=0.5`` → (mime, {param: value}, q). Names are lower-cased."""
    parts = [p.strip() for p in text.split(";")]
    mime = parts[0].lower()
    params, q = {}, 1.0
    for part in parts[1:]:
        if not part:
            continue
        key, _, value = part.partition("=")
        key = key.strip().lower()
        value = value.strip().strip('"').strip()
        if key == "q":
            try:
                q = float(value)
            except ValueError:
                q = 0.0
            continue
        params[key] = value
    return mime, params, q


def split_header(value):
    """Split on commas that are not inside quoted strings (ext/profile values may hold spaces)."""
    items, current, quoted = [], [], False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def _unsupported_ext(params):
    """Whether an ``ext`` parameter is there and names anything but the extensions this server has: an ``ext``
    naming none (``; ext`` or ``ext=""``) is malformed, so it is refused like an unknown one."""
    ext = params.get("ext")
    return ext is not None and (not ext.split() or any(uri not in KNOWN_EXTENSIONS for uri in ext.split()))


def choose_dialect(accept, panoptes_enabled=True):
    """The dialect to answer in, or an ApiError(406)."""
    if accept is None or not accept.strip():
        return JSONAPI_DIALECT
    ranges = [parse_media_range(r) for r in split_header(accept)]
    ranges = [r for r in ranges if r[2] > 0]
    jsonapi_plain = False
    panoptes = False
    generic = False
    for mime, params, _q in ranges:
        if mime == JSONAPI:
            if not params:
                jsonapi_plain = True
            elif set(params) <= {"ext", "profile"}:
                if not _unsupported_ext(params):
                    jsonapi_plain = True
            elif panoptes_enabled and params == {"version": "1"}:
                panoptes = True
        elif mime in ("*/*", "application/*", "application/json"):
            generic = True
    if panoptes and not jsonapi_plain:
        return PANOPTES_DIALECT
    if jsonapi_plain or generic:
        return JSONAPI_DIALECT
    return ApiError(
        406,
        "The Accept header names no media type this server produces: use application/vnd.api+json"
        + (" or application/vnd.api+json; version=1" if panoptes_enabled else "")
        + " (with no parameters other than ext or profile).",
        code="not_acceptable",
        header="Accept",
    )


def check_content_type(content_type, panoptes_enabled=True):
    """Raise 415 unless a request body's Content-Type is one the server reads."""
    if not content_type:
        raise ApiError(415, "A request body needs a Content-Type: application/vnd.api+json or application/json.",
                       code="unsupported_media_type", header="Content-Type")
    mime, params, _ = parse_media_range(content_type)
    if mime == "application/json":
        if set(params) <= {"charset"}:
            return
    elif mime == JSONAPI:
        if set(params) <= {"ext", "profile"} and not _unsupported_ext(params):
            return
        if panoptes_enabled and params == {"version": "1"}:
            return
        if _unsupported_ext(params):
            detail = (f"The extension '{params['ext']}' is not supported by this server." if params["ext"].strip()
                      else "The ext parameter names no extension: give the URIs of the extensions used, or "
                           "leave the parameter out.")
            raise ApiError(415, detail, code="unsupported_extension", header="Content-Type")
    raise ApiError(415, f"Content-Type '{content_type}' is not supported: send application/vnd.api+json "
                   "(parameters ext or profile only) or application/json.",
                   code="unsupported_media_type", header="Content-Type")


def _media_type_uris(header, parameter):
    """The URIs a parameter (``ext`` or ``profile``) names in the JSON:API media ranges of a header."""
    found = set()
    for text in split_header(header or ""):
        mime, params, q = parse_media_range(text)
        if mime == JSONAPI and q > 0 and parameter in params:
            found.update(params[parameter].split())
    return found


def extensions(header):
    """The ext URIs named by the JSON:API media ranges of an Accept or Content-Type header."""
    return _media_type_uris(header, "ext")


def requested_profiles(header):
    """The profile URIs the JSON:API media ranges of an Accept header ask for (unknown ones are ignored by
    the caller, as JSON:API requires)."""
    return _media_type_uris(header, "profile")
