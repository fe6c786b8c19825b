"""Timestamps read as the text the API writes (ISO 8601, UTC, milliseconds, ``Z``), formatted by the database.

Parsing each stored value into a ``datetime`` and formatting it again in Python cost about 1 µs a value, a
tenth of a page of 100 collections with their 1,000 subjects (docs/performance.md). The database gives the
text directly:

- SQLite holds the UTC wall time as text, ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (SQLAlchemy's storage format);
  the text is cut to milliseconds, as ``datetime.isoformat(timespec="milliseconds")`` truncates.
- PostgreSQL's ``timestamptz`` is formatted in UTC by ``to_char``, whose ``MS`` truncates as well.

Only for reads that render rows; sorting, filtering and cursors use the column itself.
"""
from marshmallow import fields as ma_fields
from sqlalchemy import Column, DateTime, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class _utc_text(FunctionElement):
    """(timestamp column), written per database below."""

    name = "utc_text"
    type = String()
    inherit_cache = True


@compiles(_utc_text)
def _sqlite_text(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    # a value stored without a fraction gets ".000"; one with a fraction keeps its first three digits
    return f"(substr({column}, 1, 10) || 'T' || substr({column} || '.000000', 12, 12) || 'Z')"


@compiles(_utc_text, "postgresql")
def _postgres_text(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"


def formatted_by_database(field, column):
    """Whether a read selects the attribute ``field`` as ``utc_text``: a schema timestamp over a timestamp column
    of a table (an expression, such as a sub-select, would be evaluated once per use in SQLite's text form, so
    it is formatted in Python; any other field keeps the column's value)."""
    return isinstance(field, ma_fields.DateTime) and isinstance(column, Column) and isinstance(column.type, DateTime)


def utc_text(column):
    return _utc_text(column).label(column.key)
