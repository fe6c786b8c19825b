from marshmallow import validate
from marshmallow_jsonapi import fields

from app.models.collections import COLLECTION_ROLES
from schemas.base import Bool, BaseSchema, required_text, text, to_many, to_one

OWNER_TYPES = ("users", "user_groups")


class CollectionSchema(BaseSchema):
    display_name = required_text()
    name = text()
    description = fields.Str(validate=validate.Length(max=10000))
    private = Bool()
    favorite = Bool()
    default_subject_src = fields.Str(dump_only=True, allow_none=True)
    slug = fields.Str(dump_only=True)
    policies = fields.List(fields.Str(), dump_only=True)
    owner = to_one(*OWNER_TYPES, link_type="owners", create_only=True)
    subjects = to_many("subjects")
    default_subject = to_one("subjects")

    class Meta:
        type_ = "collections"


class SubjectSchema(BaseSchema):
    locations = fields.List(fields.Dict(keys=fields.Str(), values=fields.Str()),
                            validate=validate.Length(max=100))
    metadata = fields.Dict(attribute="metadata_")
    owner = to_one(*OWNER_TYPES, link_type="owners", create_only=True)
    collections = to_many("collections", read_only=True)

    class Meta:
        type_ = "subjects"


class CollectionRoleSchema(BaseSchema):
    roles = fields.List(fields.Str(validate=validate.OneOf(COLLECTION_ROLES)), required=True)
    collection = to_one("collections", create_only=True)
    user = to_one("users", create_only=True)

    class Meta:
        type_ = "collection_roles"
