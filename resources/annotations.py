"""annotations: on the images of an image set, nested under it; also a W3C Web Annotation container per set."""
from sqlalchemy import select

from app.engine.errors import ApiError, invalid
from app.engine.filters import Equals
from app.engine.nesting import Parent
from app.engine.relations import ToOne
from app.engine.resource import Resource
from app.engine.web_annotation import WebAnnotations, one
from app.extensions import db
from app.models.annotations import Annotation
from app.operations import CREATE, UPDATE
from app.models.base import utcnow
from app.models.image_sets import Image, ImageSetImage, ImageSetLanguage, Language
from app.policies.annotations import AnnotationPolicy
from schemas.annotations import AnnotationSchema

MEDIA_FRAGMENTS = "http://www.w3.org/TR/media-frags/"


# -- the Web Annotation form ------------------------------------------------------------------------------

def as_web_annotation(values, iris):
    image = iris.of("images", values["image_id"])
    target = image
    if values["selector"]:
        target = {"type": "SpecificResource", "source": image,
                  "selector": {"type": "FragmentSelector", "conformsTo": MEDIA_FRAGMENTS, "value": values["selector"]}}
    return {"type": "Annotation", "motivation": values["motivation"],
            "body": {"type": "TextualBody", **values["body"]}, "target": target,
            "creator": iris.of("users", values["creator_id"]),
            "created": values["created_at"], "modified": values["updated_at"]}


def from_web_annotation(doc, iris):
    """A Web Annotation → the attributes and the image: one textual body (or ``bodyValue``), the image's IRI
    as target, alone, with ``#xywh=…`` or as a SpecificResource's source with a FragmentSelector."""
    pointers = {"motivation": "/motivation", "body": "/body", "selector": "/target", "image": "/target"}
    motivation, pointers["motivation"] = one(doc.get("motivation"), "/motivation", "motivation")
    if "bodyValue" in doc:
        if "body" in doc:
            raise invalid("/bodyValue", "An annotation has a body or a bodyValue, not both.")
        body, pointers["body"] = {"value": doc["bodyValue"], "format": "text/plain"}, "/bodyValue"
    else:
        body, pointers["body"] = one(doc.get("body"), "/body", "body")
    target, at = one(doc.get("target"), "/target", "target")
    selector = None
    if isinstance(target, dict):
        source, selector_doc = target.get("source", target.get("id")), target.get("selector")
        if selector_doc is not None:
            selector_doc, at_selector = one(selector_doc, f"{at}/selector", "selector")
            if not isinstance(selector_doc, dict) or selector_doc.get("type") != "FragmentSelector":
                raise invalid(at_selector, "selector: only a FragmentSelector (xywh=…) is supported.")
            selector, pointers["selector"] = selector_doc.get("value"), f"{at_selector}/value"
        at = f"{at}/source" if "source" in target else at
    else:
        source = target
        if isinstance(target, str) and "#" in target:
            selector, pointers["selector"] = target.split("#", 1)[1], at
    image_id = iris.id_in("images", source)
    if image_id is None:
        raise invalid(at, "target: the IRI of an image of this image set (its API URL), optionally with a "
                      "region.", code="invalid_target")
    pointers["image"] = at
    attributes = {"motivation": motivation, "body": body, "selector": selector}
    return attributes, {"image": ("images", image_id)}, pointers


def container_label(image_set):
    return f"Annotations on {image_set.name}"


# -- checks every way of writing shares -----------------------------------------------------------------------

def check_image(write, image_id):
    present = db.session.scalar(select(ImageSetImage.id).where(
        ImageSetImage.image_set_id == write.obj.image_set_id, ImageSetImage.image_id == image_id))
    if present is None:
        raise invalid(write.pointer("image"), f"image: image {image_id} is not in this image set.",
                      code="image_not_in_set")


def check_selector(write, selector, image_id):
    """A region inside the image, where its size is known; never empty."""
    if not selector:
        return
    x, y, w, h = (int(n) for n in selector.split("=", 1)[1].removeprefix("pixel:").split(","))
    pointer = write.pointer("selector")
    if w == 0 or h == 0:
        raise invalid(pointer, f"selector: the region {selector} is empty.", code="selector_outside_image")
    width, height = db.session.execute(select(Image.width, Image.height).where(Image.id == image_id)).one()
    if (width is not None and x + w > width) or (height is not None and y + h > height):
        raise invalid(pointer, f"selector: the region {selector} lies outside the image ({width}×{height}).",
                      code="selector_outside_image")


def check_language(write, body):
    """The body's language is one of the set's allowed languages, when it has any."""
    allowed = db.session.scalars(
        select(Language.code).join(ImageSetLanguage, ImageSetLanguage.language_id == Language.id)
        .where(ImageSetLanguage.image_set_id == write.obj.image_set_id)).all()
    language = body.get("language")
    if allowed and language not in allowed:
        what = f"'{language}' is not one of" if language else "required: the body's language is one of"
        raise invalid(write.pointer("body") + "/language",
                      f"body.language: {what} the image set's allowed languages ({', '.join(sorted(allowed))}).",
                      code="language_not_allowed")


class Annotations(Resource):
    type = "annotations"
    model = Annotation
    schema = AnnotationSchema
    policy = AnnotationPolicy()
    create_needs = ("image",)  # an annotation is on an image (else 422)
    relations = {"image": ToOne(Annotation.image_id), "image_set": ToOne(Annotation.image_set_id),
                 "creator": ToOne(Annotation.creator_id)}
    filters = {"image_id": Equals(Annotation.image_id, "id"), "motivation": Equals(Annotation.motivation),
               "creator_id": Equals(Annotation.creator_id, "id"),
               "language": Equals(Annotation.language, ignore_case=True)}
    sorts = ("created_at", "updated_at")
    delete_answers_document = True
    parent = Parent("image_sets", Annotation.image_set_id, "annotations", flat="annotations", lock=True)
    web_annotations = WebAnnotations(render=as_web_annotation, read=from_web_annotation, label=container_label,
                                     tombstone=Annotation.deleted_at)

    def prepare(self, write):
        obj, values = write.obj, write.values
        if write.creating:
            obj.creator_id = write.caller.user_id
            if obj.image_id is None:
                raise ApiError(422, "image: an annotation needs the image it is on.", code="invalid",
                               pointer=write.op.input.relation_at("image"))
            check_image(write, obj.image_id)
        if write.kind not in (CREATE, UPDATE):
            return
        body = values.get("body", obj.body)
        body = {k: v for k, v in body.items() if v is not None and k != "type"}
        if body.get("language"):
            body["language"] = body["language"].lower()
        check_language(write, body)
        check_selector(write, values.get("selector", obj.selector), obj.image_id)
        obj.body, obj.language = body, body.get("language")
        if "body" in values:
            values["body"] = body

    def remove(self, write):
        """A tombstone: the annotation's IRI is never served again (410 in the W3C protocol)."""
        obj = write.obj
        obj.deleted_at, obj.body, obj.language = utcnow(), {}, None
