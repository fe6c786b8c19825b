"""Filters a resource declares, usable as ``filter[name]`` and (where legal) the bare Panoptes form."""
from sqlalchemy import func

from app.engine.errors import bad_parameter

MAX_ID = 2**63 - 1


def id_number(text):
    """``text`` as an id (1 to MAX_ID), else None. str.isdigit() also admits characters int() does not read
    (superscripts, circled digits), int() also reads other scripts' digits (٣, ３), and int() refuses strings
    of more than 4300 digits: ASCII digits only."""
    try:
        number = int(text) if text.isascii() and text.isdigit() else 0
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None


def parse_id(key, value):
    number = id_number(str(value).strip())
    if number is None:
        raise bad_parameter(key, f"{key}: '{value}' is not a valid id.")
    return number


def parse_bool(key, value):
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise bad_parameter(key, f"'{value}' is not a boolean (true or false).")


def parse_text(key, value):
    return value


class Filter:
    parser = staticmethod(parse_text)

    def parse(self, key, value):
        return self.parser(key, value)

    def clause(self, values, caller):
        raise NotImplementedError


class Equals(Filter):
    """``column IN values``; ``kind`` is "id", "bool" or "text"; text may match case-insensitively."""

    def __init__(self, column, kind="text", ignore_case=False):
        self.column = column
        self.parser = {"id": parse_id, "bool": parse_bool, "text": parse_text}[kind]
        self.ignore_case = ignore_case

    def clause(self, values, caller):
        if self.ignore_case:
            return func.lower(self.column).in_([v.lower() for v in values])
        return self.column.in_(values)


class Custom(Filter):
    """A filter whose clause a function builds: ``fn(values, caller)``."""

    def __init__(self, fn, kind="text"):
        self.fn = fn
        self.parser = {"id": parse_id, "bool": parse_bool, "text": parse_text}[kind]

    def clause(self, values, caller):
        return self.fn(values, caller)


class MemberOf(Filter):
    """The filter a to-many relation's template uses on its target type, derived from the relation:
    ``/subjects?collection_id=5`` lists the members of collection 5, if the caller may see it."""

    parser = staticmethod(parse_id)

    def __init__(self, relation):
        self.relation = relation

    def _visible_parents(self, values, caller, column=None):
        """The parents among ``values`` the caller may see, as a condition on ``column`` (default: the link
        table's parent column)."""
        from sqlalchemy import select

        rel = self.relation
        parent = rel.resource
        column = rel.parent_column if column is None else column
        visible_parents = column.in_(values)
        scope = parent.policy.scope(caller, parent)
        if scope is not None:
            visible_parents = visible_parents & column.in_(select(parent.table.c.id).where(scope))
        return visible_parents

    def clause(self, values, caller):
        from sqlalchemy import select

        rel = self.relation
        visible_parents = self._visible_parents(values, caller)
        if not rel.link_table:
            return visible_parents
        target = rel.targets()[0]
        return target.table.c.id.in_(select(rel.member_column).where(visible_parents))

    def join(self, values, caller):
        """A ``Members`` listing one parent's members by a join, or None. With one parent, a link row is one
        member (the pair is unique), so the list walks the link table's (parent, member) index in member
        order instead of collecting every member id first."""
        rel = self.relation
        if not rel.link_table or len(values) != 1:
            return None
        return Members(rel, self._visible_parents(values, caller),
                       lambda column: self._visible_parents(values, caller, column))


class Members:
    """One parent's members as a list of the target type reads them: ``relation``, the ``condition`` on its
    link table naming the parent (and only if the caller sees it), and ``parents(column)``, the same
    condition on another parent id column (the member counters')."""

    def __init__(self, relation, condition, parents):
        self.relation, self.condition, self.parents = relation, condition, parents

    @property
    def link(self):
        return self.relation.parent_column.table

    @property
    def member_id(self):
        return self.relation.member_column
