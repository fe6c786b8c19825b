from marshmallow import validate
from marshmallow_jsonapi import fields

from schemas.base import BaseSchema, required_text, text, to_many

LOGIN = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$",
                        error="must be 1-80 letters, digits, '.', '_' or '-', starting with a letter or digit.")


class UserSchema(BaseSchema):
    login = fields.Str(required=True, validate=LOGIN)
    display_name = required_text()
    email = fields.Email(allow_none=True, validate=validate.Length(max=255))
    password = fields.Str(load_only=True, validate=validate.Length(min=8, max=200))
    admin = fields.Bool(dump_only=True)
    user_groups = to_many("user_groups", read_only=True)

    class Meta:
        type_ = "users"


class UserGroupSchema(BaseSchema):
    name = fields.Str(required=True, validate=LOGIN)
    display_name = text()
    users = to_many("users")

    class Meta:
        type_ = "user_groups"
