"""Cursor (keyset) paging, as the JSON:API cursor pagination profile describes it.

A cursor is the position of one row in one list order: the values of the order's keys on that row,
signed (itsdangerous, the app's SECRET_KEY) together with the order and the list it belongs to, so
a cursor cannot be forged, edited or carried to another list or order. It is a position, not a row:
it still works after its row is deleted.
"""
from dataclasses import dataclass
from datetime import date, datetime
from hashlib import blake2b

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import and_, literal, or_, tuple_
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from app.engine.errors import ApiError

PROFILE = "https://jsonapi.org/profiles/ethanresnick/cursor-pagination/"
MAX_SIZE_EXCEEDED = PROFILE + "max-size-exceeded"
RANGE_NOT_SUPPORTED = PROFILE + "range-pagination-not-supported"
UNSUPPORTED_SORT = PROFILE + "unsupported-sort"
VERSION = 1


@dataclass
class Position:
    """A decoded cursor: the order keys' values, or ``edge`` for an empty ``page[after]=``/``page[before]=``
    (the first or the last page)."""
    values: list = None

    @property
    def edge(self):
        return self.values is None


def _serializer(secret):
    return URLSafeSerializer(secret, salt="hyperapi.cursor")


def list_scope(path, order_text, filter_forms):
    """What a cursor is bound to: the list's path, its order and its filters (as sent)."""
    text = "\n".join([path, order_text, *(f"{name}={value}" for name, _key, value in sorted(filter_forms))])
    return blake2b(text.encode(), digest_size=8).hexdigest()


def _plain(value):
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _typed(value):
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        raise ValueError("unknown value")
    return value


def encode(secret, scope, values):
    return _serializer(secret).dumps([VERSION, scope, [_plain(v) for v in values]])


def decode(secret, scope, text, parameter):
    """The Position ``text`` names, or a 400 naming ``parameter``."""
    if text == "":
        return Position()
    try:
        version, bound, values = _serializer(secret).loads(text)
        if version != VERSION or not isinstance(values, list):
            raise ValueError("stale")
        if bound != scope:
            raise ValueError("another list")
        values = [_typed(v) for v in values]
    except (BadData, ValueError, TypeError):
        raise ApiError(400, f"'{parameter}' is not a cursor of this list in this order (it is malformed, "
                       "altered, or from another list, filter or sort); follow the links of a page instead.",
                       code="invalid_parameter", parameter=parameter)
    return Position(values)


def order_keys(expressions):
    """[(column, descending)] of ORDER BY expressions (columns, or their ``.asc()``/``.desc()``), up to the
    first primary key: it is unique, so what follows never decides, and a shorter key walks the index."""
    keys = []
    for expr in expressions:
        desc = False
        if isinstance(expr, UnaryExpression) and expr.modifier in (operators.desc_op, operators.asc_op):
            desc = expr.modifier is operators.desc_op
            expr = expr.element
        keys.append((expr, desc))
        if getattr(expr, "primary_key", False):
            break
    return keys


def ordering(keys, backwards=False):
    return [column.desc() if desc != backwards else column.asc() for column, desc in keys]


def after(keys, values, backwards=False):
    """The rows strictly after the position ``values`` in the order ``keys`` (before it if ``backwards``).

    One direction throughout is a row-value comparison, which both databases answer with an index range;
    mixed directions expand to ``k1 > v1 OR (k1 = v1 AND (k2 < v2 OR …))``, led by a plain bound on the
    first key so the index range still applies.
    """
    directions = {desc != backwards for _c, desc in keys}
    if len(directions) == 1:
        columns = tuple_(*(c for c, _d in keys))
        bound = tuple_(*(literal(v, c.type) for (c, _d), v in zip(keys, values)))  # the columns' own types
        return columns < bound if directions.pop() else columns > bound

    def beyond(column, desc, value):
        return column < value if desc != backwards else column > value

    condition = None
    for (column, desc), value in reversed(list(zip(keys, values))):
        step = beyond(column, desc, value)
        condition = step if condition is None else or_(step, and_(column == value, condition))
    first, first_desc = keys[0]
    lead = first <= values[0] if first_desc != backwards else first >= values[0]
    return and_(lead, condition)


@dataclass
class CursorPage:
    """Where a cursor page sits: whether pages exist before and after it, and its boundary positions."""
    has_prev: bool
    has_next: bool
    first: list = None      # order key values of the first row (None: the page is empty)
    last: list = None

    def links(self, query):
        """(before, after): the cursor texts of the previous and the next page, None where there is none.

        An empty page has no rows to point from: its way back is the far edge ("" — the last page, for
        an empty page after a cursor: nothing follows the cursor, so the last page ends at it).
        """
        if self.first is None:
            return ("" if self.has_prev else None), ("" if self.has_next else None)
        before = encode(query.secret, query.cursor_scope, self.first) if self.has_prev else None
        after_ = encode(query.secret, query.cursor_scope, self.last) if self.has_next else None
        return before, after_


def bad_width(parameter):
    return ApiError(400, f"'{parameter}' is not a cursor of this list in this order.", code="invalid_parameter",
                    parameter=parameter)


def paginate(rows, count, keys, query, twins=()):
    """(rows, total, CursorPage) of one page of the statement ``rows`` in the order ``keys``; ``twins``: other
    key lists holding the same values on the same rows (a join's other side), bounded by a cursor as well.

    By number: ``count`` runs (the total), then the page at its offset (CursorPage None). By cursor:
    no count (total None) and one statement at any depth: ``size + 1`` rows from the cursor's position
    along the order's index, the extra row saying whether a next page exists.
    """
    from app.database import read

    if not query.cursor_mode:
        total = read(count).scalar_one()
        found = read(rows.order_by(*ordering(keys)).limit(query.page_size).offset(query.offset)).all()
        return found, total, None
    backwards = query.before is not None
    position = query.before if backwards else query.after
    values = None
    if position is not None and not position.edge:
        values = position.values
        if len(values) != len(keys):
            raise bad_width("page[before]" if backwards else "page[after]")
        rows = rows.where(after(keys, values, backwards), *(after(twin, values, backwards) for twin in twins))
    width = len(keys)
    statement = rows.add_columns(*(column for column, _d in keys)).order_by(*ordering(keys, backwards))
    found = read(statement.limit(query.page_size + 1)).all()
    more = len(found) > query.page_size
    found = found[:query.page_size]
    if backwards:
        found.reverse()
        has_prev, has_next = more, not position.edge
    else:
        has_prev, has_next = values is not None, more
    page = CursorPage(has_prev, has_next)
    if found:
        page.first, page.last = list(found[0][-width:]), list(found[-1][-width:])
    return found, None, page
