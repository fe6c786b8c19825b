from marshmallow import Schema as PlainSchema
from marshmallow import ValidationError, validate
from marshmallow_jsonapi import fields

from app.engine.filters import id_number
from app.models.image_sets import IIIF_VERSIONS, IMAGE_KINDS
from schemas.base import Bool, BaseSchema, required_text, to_many, to_one


class MetadataEntry(PlainSchema):
    name = fields.Str(required=True, validate=validate.Length(max=1000))
    value = fields.Str(required=True, validate=validate.Length(max=100000))


class IdList(fields.List):
    """Resource ids given as strings or numbers."""

    def __init__(self, **kw):
        # null items are refused by the loop below, once, rather than by the item field, once per item
        super().__init__(fields.Raw(allow_none=True), validate=validate.Length(max=10000), **kw)

    def _deserialize(self, value, attr, data, **kw):
        items = super()._deserialize(value, attr, data, **kw)
        ids = []
        for item in items:
            text = str(item).strip() if isinstance(item, (str, int)) and not isinstance(item, bool) else ""
            number = id_number(text)
            if number is None:
                raise ValidationError(f"'{item}' is not a valid id.")
            ids.append(number)
        return ids


URL = validate.URL(schemes={"http", "https"}, require_tld=False)


class ServiceURL(fields.Str):
    """An IIIF image service's id, kept without a trailing slash (as the import stores it, API §7.3), so
    URLs built under it (``{iiif_url}/full/…``) have no empty segment."""

    def _deserialize(self, value, attr, data, **kw):
        text = super()._deserialize(value, attr, data, **kw)
        return text.rstrip("/") if isinstance(text, str) else text


class ImageSchema(BaseSchema):
    name = fields.Str(validate=validate.Length(max=2000))
    description = fields.Str(validate=validate.Length(max=100000))
    # http(s) only: the uri becomes a thumbnail link clients may render (no javascript:, data:, file:)
    uri = fields.Str(allow_none=True, validate=[validate.Length(max=4000), URL])
    kind = fields.Str(validate=validate.OneOf(IMAGE_KINDS))
    iiif_url = ServiceURL(allow_none=True, validate=[validate.Length(max=4000), URL])
    api_version = fields.Str(allow_none=True, validate=validate.OneOf(IIIF_VERSIONS))
    mime_type = fields.Str(allow_none=True, validate=validate.Length(max=255))
    width = fields.Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    height = fields.Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    weight = fields.Int(strict=True, validate=validate.Range(min=0, max=2**31 - 1))
    metadata = fields.List(fields.Nested(MetadataEntry), attribute="metadata_", validate=validate.Length(max=1000))
    owner = to_one("users", read_only=True)

    class Meta:
        type_ = "images"


class ImageSetSchema(BaseSchema):
    name = required_text(500)
    description = fields.Str(validate=validate.Length(max=100000))
    attribution = fields.Str(validate=validate.Length(max=100000))
    thumbnail = fields.Str(dump_only=True, allow_none=True)
    image_count = fields.Int(dump_only=True)
    policies = fields.List(fields.Str(), dump_only=True)
    image_ids = IdList(load_only=True)
    published = Bool(load_only=True)
    collection = to_one("collections", read_only=True)
    owner = to_one("users", read_only=True)
    images = to_many("images")
    allowed_languages = to_many("languages")
    publication = to_one("publications", read_only=True)

    class Meta:
        type_ = "image_sets"


class LanguageSchema(BaseSchema):
    code = fields.Str(dump_only=True)
    name = fields.Str(dump_only=True)

    class Meta:
        type_ = "languages"


class PublicationSchema(BaseSchema):
    active = Bool(dump_only=True)
    image_set = to_one("image_sets", read_only=True)

    class Meta:
        type_ = "publications"
