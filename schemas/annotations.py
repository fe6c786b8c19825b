from marshmallow import Schema as PlainSchema
from marshmallow import validate
from marshmallow_jsonapi import fields

from app.models.annotations import MOTIVATIONS
from schemas.base import BaseSchema, to_one

BODY_FORMATS = ("text/plain", "text/html", "text/markdown")
# a IIIF / media-fragment region in pixels: x, y, width, height (Mirador wants bare integers)
XYWH = r"^xywh=(pixel:)?[0-9]{1,9},[0-9]{1,9},[0-9]{1,9},[0-9]{1,9}$"


class TextualBody(PlainSchema):
    """One W3C TextualBody: a comment, a description or (``purpose`` tagging) a tag."""
    type = fields.Str(validate=validate.OneOf(["TextualBody"]), load_default="TextualBody")
    value = fields.Str(required=True, validate=validate.Length(min=1, max=100000))
    language = fields.Str(allow_none=True, validate=validate.Length(min=1, max=16))
    format = fields.Str(allow_none=True, validate=validate.OneOf(BODY_FORMATS))
    purpose = fields.Str(allow_none=True, validate=validate.OneOf(MOTIVATIONS))


class AnnotationSchema(BaseSchema):
    motivation = fields.Str(required=True, validate=validate.OneOf(MOTIVATIONS))
    body = fields.Nested(TextualBody, required=True)
    selector = fields.Str(allow_none=True, validate=validate.Regexp(XYWH, error="must be xywh=x,y,w,h in pixels."))
    image = to_one("images", create_only=True)
    image_set = to_one("image_sets", read_only=True)
    creator = to_one("users", read_only=True)

    class Meta:
        type_ = "annotations"
