"""Shared pieces of every schema."""
from marshmallow import validate
from marshmallow_jsonapi import Schema, fields

from app.engine.relations import CREATE_ONLY


class Bool(fields.Bool):
    """JSON true or false only: marshmallow's Boolean also reads 1, 0, "yes", "on" and more, which a client
    describing the field as boolean never sends and the description refuses."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class BaseSchema(Schema):
    id = fields.Str(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    class Meta:
        type_ = None
        inflect = None


def to_one(*types, link_type=None, create_only=False, read_only=False):
    """A to-one relation to one type, or to any of several (polymorphic)."""
    metadata = {"types": types, "link_type": link_type or types[0]}
    if create_only:
        metadata["mode"] = CREATE_ONLY
    return fields.Relationship(type_=types[0], many=False, dump_only=read_only, metadata=metadata)


def to_many(*types, link_type=None, read_only=False):
    """A to-many relation to one type, or to several (polymorphic: name the link_type)."""
    return fields.Relationship(type_=types[0], many=True, dump_only=read_only,
                               metadata={"types": types, "link_type": link_type or types[0]})


def text(max_length=255, **kw):
    return fields.Str(validate=validate.Length(max=max_length), **kw)


def required_text(max_length=255, **kw):
    return fields.Str(required=True, validate=validate.Length(min=1, max=max_length), **kw)
