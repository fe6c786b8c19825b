"""``column IN <ids>`` with the ids bound as one parameter, however many there are.

SQLAlchemy's ``in_(list)`` expands the list into one placeholder per id each time the statement runs;
for the 1,000 subjects a page of 100 collections includes, the expansion alone cost about 2 ms, a tenth
of the request (docs/performance.md). Bound as one value, the ids cost one encoding: a JSON array read by
``json_each`` on SQLite, an array compared with ``= ANY`` on PostgreSQL. Both are searched through the
column's index as an ``IN`` list is, and neither meets SQLite's limit on the number of parameters.

Only for ids the application read itself (rows, linkage): ids from a request are parsed first.
"""
import orjson
from sqlalchemy import BigInteger, Boolean, String, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class IdList(TypeDecorator):
    """A sequence of integer ids as one bound value."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(BigInteger()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value, dialect):
        if dialect.name == "postgresql":
            return list(value)
        return orjson.dumps(list(value)).decode()


class _in_ids(FunctionElement):
    """(column, ids parameter), written per database below."""

    name = "in_ids"
    type = Boolean()
    inherit_cache = True
    # a condition as it is, never compared with 1 where booleans are integers (which would stop SQLite
    # from searching the column's index)
    _is_implicitly_boolean = True


@compiles(_in_ids)
def _json_each(element, compiler, **kw):
    column, ids = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"{column} IN (SELECT value FROM json_each({ids}))"


@compiles(_in_ids, "postgresql")
def _any_array(element, compiler, **kw):
    column, ids = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"{column} = ANY ({ids})"


def in_ids(column, ids):
    """``column`` is one of ``ids``: a parameter name (the list bound when the statement runs, for statements
    built once) or the ids themselves."""
    if isinstance(ids, str):
        return _in_ids(column, bindparam(ids, type_=IdList()))
    return _in_ids(column, bindparam(None, list(ids), type_=IdList(), unique=True))
