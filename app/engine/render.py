"""Schema fields compiled to plain functions, so a page renders without a per-field dump call.

``compile_attributes`` turns a type's schema into ``fn(row, computed) -> dict`` (``computed``: attribute → {id: value}) once at start-up:
each attribute becomes a tuple index into the row (and a converter for a timestamp the database did not
format, see app/engine/timestamps.py). The schema
stays the one statement of the fields; this is only its fast reading.
"""
from datetime import datetime, timezone

from marshmallow import fields as ma_fields

from app.engine.timestamps import formatted_by_database

UTC = timezone.utc


def iso_utc(value):
    """ISO 8601 in UTC with milliseconds and a Z, as Panoptes writes timestamps."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


def _converter(field, column):
    if isinstance(field, ma_fields.DateTime) and not formatted_by_database(field, column):
        return "iso_utc"
    return None


def compile_attributes(resource, attributes, index, converters=None):
    """``converters``: attribute name → fn(column value), for computed attributes read as a SQL column."""
    lines = ["def render(row, computed):", "    return {"]
    namespace = {"iso_utc": iso_utc}
    converters = converters or {}
    for name, field, column in attributes:
        if field.load_only:
            continue
        if column is None:
            lines.append(f"        {name!r}: computed[{name!r}].get(row[0]),")
            continue
        position = index[column.key]
        conv = _converter(field, column)
        if name in converters:
            conv = f"convert_{name}"
            namespace[conv] = converters[name]
        if conv:
            lines.append(f"        {name!r}: None if row[{position}] is None else {conv}(row[{position}]),")
        else:
            lines.append(f"        {name!r}: row[{position}],")
    lines.append("    }")
    source = "\n".join(lines)
    exec(compile(source, f"<render {resource.type}>", "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace["render"]


def parse_datetime(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
