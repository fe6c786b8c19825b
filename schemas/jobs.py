"""A job: long work run off the request path (``Prefer: respond-async``), polled by its creator."""
from marshmallow import validate
from marshmallow_jsonapi import fields

from app.models.jobs import STATUSES
from schemas.base import BaseSchema, to_one


class JobSchema(BaseSchema):
    kind = fields.Str(dump_only=True)
    status = fields.Str(dump_only=True, validate=validate.OneOf(STATUSES))
    # canvases (or other units of the work) stored so far, of ``total`` once known
    progress = fields.Int(dump_only=True)
    total = fields.Int(dump_only=True, allow_none=True)
    attempts = fields.Int(dump_only=True, attribute="attempt")
    # a failed job's error objects: what the request would have answered without Prefer: respond-async
    errors = fields.List(fields.Dict(), dump_only=True, allow_none=True)
    # a completed job's resource: {"type", "id", "href"} (href below the API root)
    result = fields.Dict(dump_only=True, allow_none=True)
    result_meta = fields.Dict(dump_only=True, allow_none=True)
    started_at = fields.DateTime(dump_only=True, allow_none=True)
    finished_at = fields.DateTime(dump_only=True, allow_none=True)
    creator = to_one("users", read_only=True)

    class Meta:
        type_ = "jobs"
