"""Image sets as IIIF Presentation 3.0: a Manifest per image set and a Collection per collection.

``load_image_set`` reads what a manifest shows in a fixed number of statements (the set with its creator,
its images in the set's order, its languages), through the image sets' own visibility scope; ``manifest``
builds the document from it and nothing else (no database, no request), so the Change Discovery feed can
tell from the same document whether a write changed it.

Choices the specification leaves open:

* ``label`` and the other language maps carry the set's language when it allows exactly one, else ``none``
  (a name is one text, not a translation in each allowed language);
* a canvas takes its image's size; an image whose size is unknown gets a square canvas of the side it knows,
  else ``PLACEHOLDER_SIDE`` (a canvas must have both), and its body carries no size, so a viewer takes the
  real one from the image service's ``info.json``;
* text that a viewer would read as HTML (it starts with ``<`` and ends with ``>``) is sent escaped inside a
  ``<p>``, so it shows as the text it is.
"""
import html
import mimetypes
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import and_, select

from app.extensions import db
from app.models import User
from app.models.annotations import Annotation
from app.models.image_sets import Image, ImageSet, ImageSetImage, ImageSetLanguage, Language
from app.policies.image_sets import image_set_scope
from app.services.iiif import full_image_url, image_service, thumbnail_url

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
PRESENTATION_TYPE = f'application/ld+json;profile="{PRESENTATION_CONTEXT}"'
JSONAPI_TYPE = "application/vnd.api+json"
PLACEHOLDER_SIDE = 1000
IMAGE_COLUMNS = ("id", "name", "description", "uri", "kind", "iiif_url", "api_version", "service_level",
                 "mime_type", "width", "height", "metadata")


MANIFEST_PATH = "/iiif/manifests/{id}"
COLLECTION_PATH = "/iiif/collections/{id}"


def manifest_path(image_set_id):
    return MANIFEST_PATH.replace("{id}", str(image_set_id))


def collection_path(collection_id, page=None):
    return COLLECTION_PATH.replace("{id}", str(collection_id)) + (f"/pages/{page}" if page is not None else "")


def image_set_path(collection_id, image_set_id):
    return f"/collections/{collection_id}/image-sets/{image_set_id}"


@dataclass
class SetData:
    id: int
    collection_id: int
    name: str
    description: str
    attribution: str
    creator_id: int
    creator_name: str | None
    languages: list = field(default_factory=list)
    images: list = field(default_factory=list)   # dicts of IMAGE_COLUMNS, in the set's order
    annotations: dict = field(default_factory=dict)  # image id → [(id, motivation, body, selector)], by id


def _visible(caller):
    scope = image_set_scope(caller)
    return () if scope is None else (scope,)


def load_image_set(image_set_id, caller):
    """The image set as the caller may see it, or None (absent or invisible); four statements. Its annotations
    are seen by whoever sees the set."""
    row = db.session.execute(
        select(ImageSet.id, ImageSet.collection_id, ImageSet.name, ImageSet.description, ImageSet.attribution,
               ImageSet.creator_id, User.display_name)
        .outerjoin(User, User.id == ImageSet.creator_id)
        .where(ImageSet.id == image_set_id, *_visible(caller))
    ).first()
    if row is None:
        return None
    images = db.session.execute(
        select(*(getattr(Image, "metadata_" if c == "metadata" else c) for c in IMAGE_COLUMNS))
        .join(ImageSetImage, ImageSetImage.image_id == Image.id)
        .where(ImageSetImage.image_set_id == image_set_id)
        .order_by(ImageSetImage.id)
    ).all()
    annotations = {}
    for annotation in db.session.execute(
            select(Annotation.id, Annotation.image_id, Annotation.motivation, Annotation.body, Annotation.selector)
            .where(Annotation.image_set_id == image_set_id, Annotation.deleted_at.is_(None))
            .order_by(Annotation.id)):
        annotations.setdefault(annotation.image_id, []).append(
            (annotation.id, annotation.motivation, annotation.body, annotation.selector))
    return SetData(*row, languages=set_languages([image_set_id])[image_set_id],
                   images=[dict(zip(IMAGE_COLUMNS, image)) for image in images], annotations=annotations)


def set_languages(ids):
    """{image set id: [language codes in the set's order]}, in one statement."""
    found = {i: [] for i in ids}
    rows = db.session.execute(
        select(ImageSetLanguage.image_set_id, Language.code)
        .join(Language, Language.id == ImageSetLanguage.language_id)
        .where(ImageSetLanguage.image_set_id.in_(list(ids)))
        .order_by(ImageSetLanguage.id)
    )
    for set_id, code in rows:
        found[set_id].append(code)
    return found


def visible_sets_of(collection_id, caller, offset, limit):
    """(total, [(id, name)]) of the collection's image sets the caller may see, by id; two statements."""
    from sqlalchemy import func

    where = and_(ImageSet.collection_id == collection_id, *_visible(caller))
    total = db.session.scalar(select(func.count()).select_from(ImageSet).where(where))
    rows = db.session.execute(
        select(ImageSet.id, ImageSet.name).where(where).order_by(ImageSet.id).offset(offset).limit(limit)
    ).all()
    return total, rows


# -- the documents ----------------------------------------------------------------------------------

def language_of(languages):
    return languages[0] if len(languages) == 1 else "none"


def plain(text):
    """Text that a viewer would take for HTML is sent escaped, as HTML showing that text."""
    if text.startswith("<") and text.endswith(">"):
        return f"<p>{html.escape(text)}</p>"
    return text


def _language_map(language, text):
    return {language: [plain(text)]}


def canvas_size(image):
    width, height = image["width"], image["height"]
    if width and height:
        return width, height
    side = width or height or PLACEHOLDER_SIDE
    return side, side


def _format(image):
    if image["mime_type"]:
        return image["mime_type"]
    if image["kind"] == "iiif":
        return "image/jpeg"  # the quality URLs built under the service end in .jpg
    guessed, _ = mimetypes.guess_type(urlsplit(image["uri"] or "").path)
    return guessed


def image_body(image):
    """The painting body: the full image, with its IIIF image service where it has one."""
    iiif = image["kind"] == "iiif" and image["iiif_url"]
    body = {"id": full_image_url(image["api_version"], image["iiif_url"]) if iiif else image["uri"],
            "type": "Image"}
    fmt = _format(image)
    if fmt:
        body["format"] = fmt
    if image["width"] and image["height"]:
        body["width"], body["height"] = image["width"], image["height"]
    if iiif:
        body["service"] = [image_service(image["api_version"], image["iiif_url"], image["service_level"])]
    return body


def annotation_page(canvas_id, annotations, root, image_set_id):
    """The image's annotations as the canvas's non-painting AnnotationPage: each targets the canvas (its region
    as ``#xywh=``) and is named by its API URL."""
    items = []
    for id_, motivation, body, selector in annotations:
        region = selector.replace("pixel:", "") if selector else None
        items.append({"id": f"{root}/image_sets/{image_set_id}/annotations/{id_}", "type": "Annotation",
                      "motivation": motivation, "body": {"type": "TextualBody", **body},
                      "target": f"{canvas_id}#{region}" if region else canvas_id})
    return {"id": f"{canvas_id}/annotations", "type": "AnnotationPage", "items": items}


def canvas(image, manifest_id, language, annotations=(), root=None, image_set_id=None):
    canvas_id = f"{manifest_id}/canvases/{image['id']}"
    width, height = canvas_size(image)
    page_id = f"{canvas_id}/page"
    result = {"id": canvas_id, "type": "Canvas"}
    if image["name"]:
        result["label"] = _language_map(language, image["name"])
    if image["description"]:
        result["summary"] = _language_map(language, image["description"])
    result["width"], result["height"] = width, height
    if image["metadata"]:
        result["metadata"] = [{"label": _language_map(language, entry["name"]),
                               "value": _language_map(language, entry["value"])}
                              for entry in image["metadata"] if entry.get("name")]
    result["items"] = [{"id": page_id, "type": "AnnotationPage", "items": [{
        "id": f"{page_id}/painting", "type": "Annotation", "motivation": "painting",
        "body": image_body(image), "target": canvas_id}]}]
    if annotations:
        result["annotations"] = [annotation_page(canvas_id, annotations, root, image_set_id)]
    return result


def thumbnail(image):
    url = thumbnail_url(image["kind"], image["uri"], image["iiif_url"], image["api_version"],
                        image["service_level"], image["width"])
    if not url:
        return None
    item = {"id": url, "type": "Image"}
    fmt = _format(image)
    if fmt:
        item["format"] = fmt
    if image["kind"] == "iiif" and image["iiif_url"]:
        item["service"] = [image_service(image["api_version"], image["iiif_url"], image["service_level"])]
    return item


def manifest(data, root, provider=True, annotations=True):
    """The Presentation 3 Manifest of an image set; ``root`` is the API root all ids are under;
    ``provider`` False leaves out the creator (whose name changes without the set changing), ``annotations``
    False the annotations (which are not the manifest's own content)."""
    manifest_id = root + manifest_path(data.id)
    resource_url = root + image_set_path(data.collection_id, data.id)
    language = language_of(data.languages)
    doc = {"@context": PRESENTATION_CONTEXT, "id": manifest_id, "type": "Manifest",
           "label": _language_map(language, data.name)}
    if data.description:
        doc["summary"] = _language_map(language, data.description)
    if data.attribution:
        doc["requiredStatement"] = {"label": {"en": ["Attribution"]},
                                    "value": _language_map(language, data.attribution)}
    first = thumbnail(data.images[0]) if data.images else None
    if first is not None:
        doc["thumbnail"] = [first]
    doc["homepage"] = [{"id": resource_url, "type": "Text", "label": _language_map(language, data.name),
                        "format": JSONAPI_TYPE}]
    doc["seeAlso"] = [{"id": resource_url, "type": "Dataset", "label": {"en": ["The image set in the API"]},
                       "format": JSONAPI_TYPE}]
    if provider and data.creator_name:
        doc["provider"] = [{"id": f"{root}/users/{data.creator_id}", "type": "Agent",
                            "label": {"none": [data.creator_name]}}]
    notes = data.annotations if annotations else {}
    doc["items"] = [canvas(image, manifest_id, language, notes.get(image["id"], ()), root, data.id)
                    for image in data.images]
    return doc


def manifest_reference(root, image_set_id, name, languages):
    return {"id": root + manifest_path(image_set_id), "type": "Manifest",
            "label": _language_map(language_of(languages), name)}


def collection(collection_id, label, summary, root, items, page=None):
    """A Presentation 3 Collection: ``items`` are manifest or collection references."""
    doc = {"@context": PRESENTATION_CONTEXT, "id": root + collection_path(collection_id, page),
           "type": "Collection", "label": {"none": [label]}}
    if summary:
        doc["summary"] = {"none": [plain(summary)]}
    doc["homepage"] = [{"id": f"{root}/collections/{collection_id}", "type": "Text", "label": {"none": [label]},
                        "format": JSONAPI_TYPE}]
    doc["items"] = items
    return doc
