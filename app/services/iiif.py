"""Reading IIIF Presentation 2.x and 3.0 manifests into image records (API §7.3).

Pure functions: no Flask, no database. The caller fetches and parses the JSON (``loads_manifest`` helps),
then ``read_manifest(doc, languages)`` returns a ``ManifestImport`` or raises ``NotAManifest`` / ``NoImages``.

A 2.x manifest is first put into the 3.0 shape, one canvas at a time (only the first sequence), and then
read by the same code as a 3.0 manifest, so both versions follow the same rules:

* one image per canvas that has a painting image: the first in annotation order, a ``Choice`` resolved to
  its default (v2) or first item, a ``SpecificResource`` to its ``source`` (v3) or ``full`` (v2), any type
  ending in ``Image`` (case-insensitive); the same annotation listed twice on a canvas counts once;
  canvases without an image are skipped and counted;
* the image service is picked deterministically: ImageService3, then 2, then 1.x, the version recognised
  from ``type``/``@type``, then ``@context``, then ``profile``, then ``protocol``;
* with a service: ``kind`` "iiif", ``iiif_url`` = ``uri`` = the service id without a trailing slash,
  ``api_version`` "v3"/"v2"/"v1" and ``service_level`` from its profile; without one: ``kind`` "image",
  ``uri`` = the resource id;
* ``width``/``height`` from the canvas, then the resource, then the service;
* text values (labels, summaries, metadata, attribution) picked from language maps: the requested
  languages in order, then ``en``, then ``none``/``@none``, then the first language given; several values
  of the chosen language are joined with ``"; "``; HTML is reduced to its text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = [
    "ManifestError", "NotAManifest", "NoImages", "ManifestImport", "IMAGE_KEYS",
    "read_manifest", "loads_manifest", "parse_accept_language", "pick_language", "strip_html",
    "synthetic_manifest", "SERVICE_TYPES", "image_service", "service_profile", "full_image_url", "thumbnail_url",
]

# The keys of every image dict, the attributes of an ``images`` resource (API §7.2).
# ``service_level`` (0, 1, 2 or None, from the service profile) is extra: thumbnails depend on it.
IMAGE_KEYS = ("name", "description", "uri", "kind", "iiif_url", "api_version", "service_level", "mime_type",
              "width", "height", "weight", "metadata")

VALUE_SEPARATOR = "; "
_MAX_NESTING = 8  # Choice in SpecificResource in Choice ... deeper than this is not followed


class ManifestError(ValueError):
    """The document cannot be imported; ``message`` is safe to show to the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class NotAManifest(ManifestError):
    """A Collection, a Canvas, a non-IIIF document or anything else that is not a manifest."""


class NoImages(ManifestError):
    """A manifest in which no canvas has an importable image."""


@dataclass
class ManifestImport:
    name: str
    attribution: str | None
    images: list[dict]
    canvases: int
    skipped_canvases: int
    description: str | None = None
    metadata: list[dict] = field(default_factory=list)
    version: int = 3  # the Presentation API version the document was read as (2 or 3)

    @property
    def counts(self):
        """``meta.import`` of the import response."""
        return {"canvases": self.canvases, "images": len(self.images),
                "skipped_canvases": self.skipped_canvases}


# -- JSON and languages --------------------------------------------------------------------------

def loads_manifest(data):
    """Parse manifest bytes or text (a UTF-8 BOM is tolerated); anything but a JSON object → NotAManifest."""
    import orjson

    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise NotAManifest("The document is not valid JSON.") from None
    if not isinstance(doc, dict):
        raise NotAManifest("The document is not a JSON object, so it is not a IIIF manifest.")
    return doc


_LANGUAGE_RANGE = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")


def parse_accept_language(header, limit=10):
    """Language tags of an ``Accept-Language`` header, best first (``*`` and ``q=0`` dropped)."""
    if not header:
        return ()
    ranked = []
    for position, part in enumerate(header.split(",")[:50]):
        pieces = part.strip().split(";")
        tag = pieces[0].strip()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0 and _LANGUAGE_RANGE.match(tag):
            ranked.append((-quality, position, tag.lower()))
    ranked.sort()
    seen = []
    for _, _, tag in ranked:
        if tag not in seen:
            seen.append(tag)
    return tuple(seen[:limit])


def _as_text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return None


def _language_map(value):
    """Any IIIF text value → an ordered {language: [strings]} ("none" for no language).

    Accepts v3 language maps, v2 plain strings, ``{"@value", "@language"}`` objects and lists of those.
    """
    result = {}

    def add(language, text):
        text = _as_text(text)
        if text is None:
            return
        language = (language or "none").strip().lower() or "none"
        if language == "@none":
            language = "none"
        result.setdefault(language, []).append(text)

    def walk(item, depth):
        if depth > 3:
            return
        if isinstance(item, list):
            for element in item:
                walk(element, depth + 1)
        elif isinstance(item, dict):
            if "@value" in item:
                language = item.get("@language")
                add(language if isinstance(language, str) else None, item.get("@value"))
            else:  # a v3 language map (also seen inside v2 files)
                for language, texts in item.items():
                    if not isinstance(language, str) or language.startswith("@") and language != "@none":
                        continue
                    for text in texts if isinstance(texts, list) else [texts]:
                        add(language, text)
        else:
            add(None, item)

    walk(value, 0)
    return result


def pick_language(value, languages=("en",)):
    """The text of ``value`` in the best language, several values joined with "; "; None when empty.

    Order: each requested language (exact tag, then same primary language), then ``en``, then
    ``none``/``@none``, then the first language present. HTML is reduced to text.
    """
    texts = _language_map(value)
    if not texts:
        return None
    chosen = None
    for wanted in tuple(languages or ()) + ("en",):
        wanted = (wanted or "").strip().lower()
        if not wanted:
            continue
        if wanted in texts:
            chosen = texts[wanted]
            break
        primary = wanted.split("-")[0]
        for language, values in texts.items():
            if language != "none" and language.split("-")[0] == primary:
                chosen = values
                break
        if chosen is not None:
            break
    if chosen is None:
        chosen = texts.get("none") or next(iter(texts.values()))
    cleaned = [strip_html(text) for text in chosen]
    joined = VALUE_SEPARATOR.join(text for text in cleaned if text)
    return joined or None


# -- HTML ----------------------------------------------------------------------------------------

_LOOKS_LIKE_HTML = re.compile(r"<[A-Za-z/!?]|&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "section", "article", "header", "footer", "dd", "dt", "hr", "pre"}
_HIDDEN_TAGS = {"script", "style", "template", "head", "title", "noscript", "iframe", "object"}


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def strip_html(text):
    """Plain text of a value that may hold HTML: tags dropped, entities decoded, blank runs tidied.

    Text without anything that looks like markup is only trimmed, so "a < b" stays as it is.
    """
    if text is None:
        return None
    if not _LOOKS_LIKE_HTML.search(text):
        return text.strip()
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    raw = "".join(parser.parts)  # character references were decoded by the parser
    lines = [" ".join(line.split()) for line in raw.replace("\r", "\n").split("\n")]
    out, blank = [], 0
    for line in lines:
        if line:
            if out and blank:
                out.append("")
            out.append(line)
            blank = 0
        else:
            blank += 1
    return "\n".join(out).strip()


# -- small helpers -------------------------------------------------------------------------------

def _id(obj):
    if not isinstance(obj, dict):
        return obj if isinstance(obj, str) else None
    value = obj.get("id")
    if not isinstance(value, str):
        value = obj.get("@id")
    return value if isinstance(value, str) and value.strip() else None


def _types(obj):
    """The lower-cased type names of an object, from ``type`` and ``@type`` (strings or lists)."""
    value, other = obj.get("type"), obj.get("@type")
    if other is None and value.__class__ is str:  # the common case, kept cheap
        return (value.strip().lower(),) if value else ()
    found = []
    for raw in (value, other):
        for item in raw if isinstance(raw, list) else [raw]:
            if isinstance(item, str) and item:
                found.append(item.strip().lower())
    return tuple(found)


def _bare(type_name):
    """``sc:manifest`` → ``manifest``; prefixes and vocabularies differ between files."""
    return type_name.rsplit(":", 1)[-1]


def _type_is(obj, name):
    """True when a type of ``obj`` is ``name`` with or without a prefix (``sc:Manifest``)."""
    return any(_bare(t) == name for t in _types(obj))


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _dimension(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float) and value.is_integer() and value > 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        number = int(value.strip())
        return number if number > 0 else None
    return None


def _contexts(obj):
    return [c for c in _as_list(obj.get("@context")) if isinstance(c, str)]


# -- version and shape ---------------------------------------------------------------------------

def _presentation_version(doc):
    """2 or 3 from the presentation ``@context`` (the last one that names a version wins), else key style."""
    version = None
    for context in _contexts(doc):
        if "/presentation/3" in context:
            version = 3
        elif "/presentation/2" in context:
            version = 2
    if version == 2 and "sequences" not in doc and isinstance(doc.get("items"), list):
        version = 3  # a v2 context over a v3 body: read the body that is there
    elif version == 3 and "items" not in doc and isinstance(doc.get("sequences"), list):
        version = 2
    if version is None:
        if "sequences" in doc or ("@id" in doc and "id" not in doc):
            version = 2
        else:
            version = 3
    return version


def _check_is_manifest(doc):
    if not isinstance(doc, dict):
        raise NotAManifest("The document is not a JSON object, so it is not a IIIF manifest.")
    if _type_is(doc, "manifest"):
        return
    if _type_is(doc, "collection"):
        raise NotAManifest("The document is a IIIF Collection, not a Manifest; import one of its manifests.")
    if _type_is(doc, "canvas"):
        raise NotAManifest("The document is a single IIIF Canvas, not a Manifest.")
    types = _types(doc)
    if types:
        raise NotAManifest("The document is not a IIIF Manifest (its type is %s)." % types[0][:80])
    raise NotAManifest("The document is not a IIIF Manifest (it has no type).")


# -- v2 → v3, one canvas at a time ---------------------------------------------------------------

def _v2_service_list(service):
    return [s for s in _as_list(service) if isinstance(s, dict)]


def _v2_resource(resource, depth=0):
    """A v2 image resource in the v3 body shape (Choice and SpecificResource kept as such)."""
    if not isinstance(resource, dict) or depth > _MAX_NESTING:
        return None
    if _type_is(resource, "choice"):
        options = [resource.get("default")] + _as_list(resource.get("item")) + _as_list(resource.get("items"))
        items = [_v2_resource(option, depth + 1) for option in options if isinstance(option, dict)]
        return {"type": "Choice", "items": [item for item in items if item is not None]}
    if _type_is(resource, "specificresource"):
        source = resource.get("full")
        if source is None:
            source = resource.get("source")
        return {"id": _id(resource), "type": "SpecificResource", "source": _v2_resource(source, depth + 1),
                "selector": resource.get("selector")}
    body = {"id": _id(resource), "type": resource.get("@type", resource.get("type")),
            "format": resource.get("format"), "width": resource.get("width"),
            "height": resource.get("height"), "service": _v2_service_list(resource.get("service"))}
    return body


def _v2_is_painting(annotation):
    motivation = annotation.get("motivation")
    if motivation is None:
        return True  # canvas.images holds painting annotations by definition
    return any(isinstance(m, str) and m.lower().endswith("painting") for m in _as_list(motivation))


def _v2_canvas(canvas):
    annotations = []
    for annotation in _as_list(canvas.get("images")):
        if not isinstance(annotation, dict) or not _v2_is_painting(annotation):
            continue
        for resource in _as_list(annotation.get("resource")):
            annotations.append({"id": _id(annotation), "type": "Annotation", "motivation": "painting",
                                "body": _v2_resource(resource), "target": annotation.get("on")})
    return {"id": _id(canvas), "type": "Canvas", "label": canvas.get("label"),
            "width": canvas.get("width"), "height": canvas.get("height"),
            "summary": canvas.get("description"), "metadata": canvas.get("metadata"),
            "items": [{"type": "AnnotationPage", "items": annotations}]}


def _v2_canvases(doc):
    sequences = doc.get("sequences")
    if not isinstance(sequences, list) or not sequences or not isinstance(sequences[0], dict):
        return
    for canvas in _as_list(sequences[0].get("canvases")):
        if isinstance(canvas, dict):
            yield _v2_canvas(canvas)


def _v3_canvases(doc):
    for item in _as_list(doc.get("items")):
        if isinstance(item, dict) and (_type_is(item, "canvas") or not _types(item)):
            yield item


# -- the common (v3) path ------------------------------------------------------------------------

def _is_image(body, types):
    if types:
        return any(t.endswith("image") for t in types)
    # no type at all: an image only if it says so some other way
    fmt = body.get("format")
    return (isinstance(fmt, str) and fmt.lower().startswith("image/")) or bool(_as_list(body.get("service")))


def _resolve_image(body, depth=0):
    """The image a painting body stands for, or None."""
    if not isinstance(body, dict) or depth > _MAX_NESTING:
        return None
    types = _types(body)
    bare = [_bare(t) for t in types]
    if "choice" in bare:
        options = [body.get("default")] + _as_list(body.get("items")) + _as_list(body.get("item"))
        for option in options:
            found = _resolve_image(option, depth + 1)  # strings such as "rdf:nil" resolve to None
            if found is not None:
                return found
        return None
    if "specificresource" in bare:
        source = body.get("source")
        if source is None:
            source = body.get("full")
        return _resolve_image(source, depth + 1)
    if _is_image(body, types) and _id(body):
        return body
    return None


def _is_painting(annotation):
    return any(isinstance(m, str) and m.lower() in ("painting", "sc:painting")
               for m in _as_list(annotation.get("motivation")))


def _first_image(canvas):
    """(annotation, image body) of the canvas's first painting image, duplicates counted once."""
    seen = set()
    for page in _as_list(canvas.get("items")):
        if not isinstance(page, dict):
            continue
        for annotation in _as_list(page.get("items")):
            if not isinstance(annotation, dict) or not _is_painting(annotation):
                continue
            for body in _as_list(annotation.get("body")):
                image = _resolve_image(body)
                if image is None:
                    continue
                key = (_id(annotation), _id(image))
                if key[0] is not None and key in seen:
                    continue
                seen.add(key)
                return annotation, image
    return None


# An image's ``api_version`` → the type of its service in a Presentation 3 manifest; read back (lower-cased)
# when a manifest is imported.
SERVICE_TYPES = {"v3": "ImageService3", "v2": "ImageService2", "v1": "ImageService1"}
_SERVICE_TYPES = {name.lower(): int(version[1]) for version, name in SERVICE_TYPES.items()}


def _service_version(service):
    """3, 2 or 1 for an IIIF Image API service, None for anything else (auth, search, ...)."""
    for t in _types(service):
        bare = t.rsplit(":", 1)[-1]
        if bare in _SERVICE_TYPES:
            return _SERVICE_TYPES[bare]
    for context in _contexts(service):
        c = context.lower()
        if "iiif.io/api/image/3" in c:
            return 3
        if "iiif.io/api/image/2" in c:
            return 2
        if "iiif.io/api/image/1" in c or "library.stanford.edu/iiif/image-api" in c:
            return 1
    profiles = []
    for profile in _as_list(service.get("profile")):
        if isinstance(profile, str):
            profiles.append(profile.lower())
    for p in profiles:
        if "iiif.io/api/image/3/" in p:
            return 3
        if "iiif.io/api/image/2/" in p:
            return 2
        if "iiif.io/api/image/1/" in p or "library.stanford.edu/iiif/image-api" in p:
            return 1
    protocol = service.get("protocol")
    if isinstance(protocol, str) and protocol.rstrip("/").lower().endswith("iiif.io/api/image"):
        # the protocol property arrived with Image API 2.0; a 3.0 service would carry its type
        return 2
    if profiles and profiles[0] in ("level0", "level1", "level2"):
        return 3  # the 3.0 short profile names
    return None


_LEVEL = re.compile(r"level\s*([0-2])(?![0-9])")


def _service_level(service):
    """The compliance level a service's profile names (``level1``, ``…/2/level1.json``,
    ``…compliance.html#level1``), or None."""
    for profile in _as_list(service.get("profile")):
        if isinstance(profile, str):
            match = _LEVEL.search(profile.lower())
            if match:
                return int(match.group(1))
    return None


def _pick_service(image):
    best = None
    for service in _as_list(image.get("service")):
        if not isinstance(service, dict):
            continue
        service_id = _id(service)
        version = _service_version(service)
        if version is None or service_id is None:
            continue
        if best is None or version > best[0]:
            best = (version, service_id.strip(), service)
    return best


def _size(canvas, image, service):
    sources = [canvas, image] + ([service] if service is not None else [])
    for source in sources:
        width, height = _dimension(source.get("width")), _dimension(source.get("height"))
        if width and height:
            return width, height
    width = next((w for w in (_dimension(s.get("width")) for s in sources) if w), None)
    height = next((h for h in (_dimension(s.get("height")) for s in sources) if h), None)
    return width, height


def _metadata(entries, languages):
    result = []
    for entry in _as_list(entries):
        if not isinstance(entry, dict):
            continue
        name = pick_language(entry.get("label"), languages)
        if not name:
            continue
        value = pick_language(entry.get("value"), languages)
        result.append({"name": name, "value": value or ""})
    return result


def _image_record(canvas, image, position, canvas_number, languages):
    picked = _pick_service(image)
    service = picked[2] if picked else None
    width, height = _size(canvas, image, service)
    fmt = image.get("format")
    mime_type = fmt.strip().lower() if isinstance(fmt, str) and "/" in fmt else None
    name = pick_language(canvas.get("label"), languages) or "Canvas %d" % canvas_number
    if picked:
        iiif_url = picked[1].rstrip("/")
        kind, uri, api_version = "iiif", iiif_url, "v%d" % picked[0]
    else:
        iiif_url, api_version = None, None
        kind, uri = "image", _id(image).strip()
    return {
        "name": name,
        "description": pick_language(canvas.get("summary"), languages),
        "uri": uri,
        "kind": kind,
        "iiif_url": iiif_url,
        "api_version": api_version,
        "service_level": _service_level(service) if service is not None else None,
        "mime_type": mime_type,
        "width": width,
        "height": height,
        "weight": position,
        "metadata": _metadata(canvas.get("metadata"), languages),
    }


def read_manifest(doc, languages=("en",)):
    """Read a parsed IIIF Presentation 2.x/3.0 manifest; see the module docstring for the rules.

    ``languages``: preferred label languages, best first (e.g. ``parse_accept_language(header)``).
    Raises ``NotAManifest`` for anything that is not a manifest, ``NoImages`` when no canvas has an image.
    """
    _check_is_manifest(doc)
    languages = tuple(languages or ())
    version = _presentation_version(doc)
    canvases = _v2_canvases(doc) if version == 2 else _v3_canvases(doc)

    images, count, skipped = [], 0, 0
    for canvas in canvases:
        count += 1
        found = _first_image(canvas)
        if found is None:
            skipped += 1
            continue
        images.append(_image_record(canvas, found[1], len(images), count, languages))

    if version == 2:
        attribution = pick_language(doc.get("attribution"), languages)
        description = pick_language(doc.get("description"), languages)
    else:
        statement = doc.get("requiredStatement")
        attribution = pick_language(statement.get("value"), languages) if isinstance(statement, dict) else None
        description = pick_language(doc.get("summary"), languages)
    name = pick_language(doc.get("label"), languages) or _id(doc) or "Untitled manifest"

    if not images:
        if count == 0:
            raise NoImages("The manifest has no canvases, so there is no image to import.")
        raise NoImages("None of the manifest's %d canvas%s has an image to import."
                       % (count, "" if count == 1 else "es"))
    return ManifestImport(name=name, attribution=attribution, images=images, canvases=count,
                          skipped_canvases=skipped, description=description,
                          metadata=_metadata(doc.get("metadata"), languages), version=version)


# -- writing image services (the export side of the same knowledge) -------------------------------

THUMBNAIL_WIDTH = 600
_V1_COMPLIANCE = "http://library.stanford.edu/iiif/image-api/1.1/compliance.html#level%d"


def service_profile(api_version, level):
    """The profile naming a service's compliance level in its version's form; level 0 when unknown, the
    weakest claim, true of every conforming service."""
    level = level if level in (0, 1, 2) else 0
    if api_version == "v3":
        return "level%d" % level
    if api_version == "v2":
        return "http://iiif.io/api/image/2/level%d.json" % level
    return _V1_COMPLIANCE % level


def image_service(api_version, iiif_url, level):
    """The service object of an IIIF image as a Presentation 3 manifest lists it (``read_manifest`` reads
    it back to the same ``iiif_url``, ``api_version`` and level)."""
    version = api_version if api_version in SERVICE_TYPES else "v2"
    if version == "v3":
        return {"id": iiif_url, "type": SERVICE_TYPES[version], "profile": service_profile(version, level)}
    return {"@id": iiif_url, "@type": SERVICE_TYPES[version], "profile": service_profile(version, level)}


def full_image_url(api_version, iiif_url):
    """The whole image at its full size, in the version's own size keyword and quality."""
    if api_version == "v3":
        return f"{iiif_url}/full/max/0/default.jpg"
    if api_version == "v1":
        return f"{iiif_url}/full/full/0/native.jpg"
    return f"{iiif_url}/full/full/0/default.jpg"


def thumbnail_url(kind, uri, iiif_url, api_version, level, width):
    """A IIIF size URL the image service can serve, else the static image, else None."""
    if kind == "iiif" and iiif_url:
        small_enough = width is not None and width <= THUMBNAIL_WIDTH
        if level and level >= 1 and not small_enough:
            size = f"{THUMBNAIL_WIDTH},"  # width-only sizes need level 1 in every version
        else:
            size = "max" if api_version == "v3" else "full"
        quality = "native" if api_version == "v1" else "default"
        return f"{iiif_url}/full/{size}/0/{quality}.jpg"
    return uri


# -- a synthetic manifest for benchmarks and tests -----------------------------------------------

def synthetic_manifest(canvases, *, base="https://iiif.example.org", service=True, every_nth_empty=0):
    """A 3.0 manifest with ``canvases`` canvases, each painted with one image (ImageService3 when
    ``service``); with ``every_nth_empty`` > 0 every n-th canvas has no image."""
    items = []
    for number in range(1, canvases + 1):
        canvas_id = "%s/canvas/%d" % (base, number)
        canvas = {"id": canvas_id, "type": "Canvas", "label": {"en": ["Page %d" % number]},
                  "width": 2000 + number % 7, "height": 3000, "items": []}
        if not (every_nth_empty and number % every_nth_empty == 0):
            body = {"id": "%s/image/%d/full/max/0/default.jpg" % (base, number), "type": "Image",
                    "format": "image/jpeg", "width": 2000, "height": 3000}
            if service:
                body["service"] = [{"id": "%s/image/%d" % (base, number), "type": "ImageService3",
                                    "profile": "level1"}]
            canvas["items"] = [{"id": canvas_id + "/page", "type": "AnnotationPage", "items": [
                {"id": canvas_id + "/anno", "type": "Annotation", "motivation": "painting",
                 "body": body, "target": canvas_id}]}]
        items.append(canvas)
    return {"@context": "http://iiif.io/api/presentation/3/context.json",
            "id": base + "/manifest.json", "type": "Manifest",
            "label": {"en": ["Synthetic manifest of %d canvases" % canvases]},
            "requiredStatement": {"label": {"en": ["Attribution"]}, "value": {"en": ["Benchmark data"]}},
            "metadata": [{"label": {"en": ["Canvases"]}, "value": {"none": [str(canvases)]}}],
            "items": items}
