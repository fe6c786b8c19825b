from marshmallow import validate
from marshmallow_jsonapi import fields

from app.models.sets import ITEM_TYPES, PERMISSIONS, PUBLISH_STATES, VERSION_STATES
from schemas.base import Bool, BaseSchema, required_text, to_many, to_one
from schemas.collections import OWNER_TYPES

LONG_TEXT = validate.Length(max=100000)
def words():
    return fields.List(fields.Str(validate=validate.Length(min=1, max=500)), validate=validate.Length(max=200))
PRINCIPAL = validate.Regexp(r"^(user\.[1-9][0-9]{0,18}|group\.[1-9][0-9]{0,18}|group\.everyone)$",
                            error="must be user.<id>, group.<id> or group.everyone.")


class ItemSchema(BaseSchema):
    title = required_text(1000)
    description = fields.Str(validate=LONG_TEXT)
    owner = to_one(*OWNER_TYPES, link_type="owners", create_only=True)


class LayerSchema(ItemSchema):
    class Meta:
        type_ = "layers"


class TableSchema(ItemSchema):
    class Meta:
        type_ = "tables"


class DocumentSchema(ItemSchema):
    class Meta:
        type_ = "documents"


class ContentSchema(BaseSchema):
    """What a version holds and a set shows."""

    title = required_text(1000)
    description = fields.Str(required=True, validate=LONG_TEXT)
    description_html = fields.Str(dump_only=True)
    categories = words()
    tags = words()
    metadata = fields.Dict(attribute="metadata_", allow_none=True)
    publish_to_catalog_services = Bool()
    items = to_many(*ITEM_TYPES, link_type="items")


class SetSchema(ContentSchema):
    url_html = fields.Str(dump_only=True)
    owner = to_one(*OWNER_TYPES, link_type="owners", create_only=True)
    versions = to_many("set_versions", read_only=True)
    latest_version = to_one("set_versions", read_only=True)
    published_version = to_one("set_versions", read_only=True)
    permissions = to_many("set_permissions", read_only=True)

    class Meta:
        type_ = "sets"


class SetVersionSchema(ContentSchema):
    state = fields.Str(dump_only=True, validate=validate.OneOf(VERSION_STATES))
    set = to_one("sets", read_only=True)
    created_by = to_one("users", read_only=True)

    class Meta:
        type_ = "set_versions"


class PublishSchema(BaseSchema):
    state = fields.Str(dump_only=True, validate=validate.OneOf(PUBLISH_STATES))
    error = fields.Str(dump_only=True, allow_none=True)
    set = to_one("sets", read_only=True)
    version = to_one("set_versions", read_only=True)
    created_by = to_one("users", read_only=True)

    class Meta:
        type_ = "publishes"


class SetPermissionSchema(BaseSchema):
    principal = fields.Str(required=True, validate=PRINCIPAL)
    permission = fields.Str(required=True, validate=validate.OneOf(PERMISSIONS))
    set = to_one("sets", read_only=True)

    class Meta:
        type_ = "set_permissions"
