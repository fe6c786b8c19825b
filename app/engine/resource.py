"""The base of every resource declaration.

A declaration names its model, schema, policy, relation storage, filters and sorts; routes,
includes, relationship endpoints, templates and both dialects follow from it.
"""
from marshmallow_jsonapi.fields import Relationship
from sqlalchemy import inspect, select
from sqlalchemy.sql.elements import ColumnElement

from app.engine.filters import Equals, MemberOf
from app.engine.id_lists import in_ids
from app.engine.registry import RESOURCES
from app.engine.render import compile_attributes
from app.engine.timestamps import formatted_by_database, utc_text


class SqlAttribute:
    """A computed attribute read as one column of every statement that reads its type, and turned into the
    attribute's value by ``convert`` (when the SQL gives raw material, e.g. a JSON column to pick from)."""

    def __init__(self, expression, convert=None):
        self.expression = expression
        self.convert = convert


def _sql_attribute(value):
    if isinstance(value, ColumnElement):
        return SqlAttribute(value)
    return value if isinstance(value, SqlAttribute) else None


class Resource:
    type = None
    model = None
    schema = None
    policy = None
    relations = {}
    filters = {}
    sorts = ()
    # attribute name → fn(ids, caller) → {id: value}, once per page; or a SQL expression on the type's row
    # (a ``ColumnElement``, or a ``SqlAttribute`` with a converter), read as one more column of every
    # statement that reads the type
    computed = {}
    path = None             # URL segment under /api (defaults to the type)
    trailing_slash = False  # self links end in "/" (the Sets family's style)
    creatable = True
    updatable = True
    deletable = True
    create_body_optional = False     # a create may come without a body (attributes are then all optional)
    delete_answers_document = False  # where the dialect answers deletes with a document (Panoptes): 200 + the resource
    # input name → fn(value, pointer) → linkage, for relations the specification gives as attributes; the
    # relation is the input's namesake, or the first item of a (relation name, fn) pair
    attribute_relations = {}
    actions = ()            # the type's own endpoints: app.engine.actions Action, Listing and Alias
    show_redirects = False  # ``answer_show`` may answer 303 See Other (described in the OpenAPI)
    parent = None           # an app.engine.nesting.Parent: the type lives under another's rows
    default_order = None    # list order when the request names no sort (None: by id)
    # name → (root-relative path with "{id}", link type): links of each resource to documents that are not
    # resources of this API (a IIIF manifest): a member of its JSON:API ``links``, a Panoptes template
    document_links = {}
    web_annotations = None  # an app.engine.web_annotation.WebAnnotations: also served by the W3C protocol
    # status → reason: what a well-formed write to one of these rows is refused for when the row's state does
    # not allow it (the OpenAPI lists them on every write to the type, in ``x-refusals``)
    write_refusals = {}
    create_needs = ()  # relations a create must give (the OpenAPI marks them required)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.type:
            RESOURCES[cls.type] = cls()

    def __init__(self):
        self.table = self.model.__table__
        self.path = self.path or self.type
        self.filters = {"id": Equals(self.model.id, "id"), **self.filters}
        self.sorts = set(self.sorts) | {"id"}
        self.schema_instance = self.schema()
        self.compiled = False

    # -- compiled once, after every declaration is imported -------------------------------------
    def compile(self):
        mapper = inspect(self.model)
        schema_fields = self.schema_instance.fields
        self.relations = {name: rel for name, rel in self.relations.items()}
        self.attributes = []   # (name, marshmallow field, column or None)
        converters = {}        # name → fn(column value) → attribute value, for SqlAttributes with one
        for name, field in schema_fields.items():
            if name == "id":
                continue
            if isinstance(field, Relationship):
                relation = self.relations.get(name)
                if relation is None:
                    raise TypeError(f"{self.type}.{name} has no storage declared")
                relation.bind(self, name, field)
                continue
            source = field.attribute or name
            column = None
            sql = _sql_attribute(self.computed.get(name))
            if sql is not None:
                column = sql.expression.label(name)
                if sql.convert is not None:
                    converters[name] = sql.convert
            elif name not in self.computed and source in mapper.column_attrs:
                column = mapper.column_attrs[source].columns[0]
            elif name not in self.computed and not field.load_only:
                raise TypeError(f"{self.type}.{name}: no column '{source}' and no computed loader")
            self.attributes.append((name, field, column))
        missing = set(self.relations) - {n for n, f in schema_fields.items() if isinstance(f, Relationship)}
        if missing:
            raise TypeError(f"{self.type}: storage for relations the schema lacks: {sorted(missing)}")
        # The columns every read selects, in a fixed order the compiled renderer indexes by.
        columns = [self.table.c.id, self.table.c.lock_version]
        for _name, field, column in self.attributes:
            if column is not None and not field.load_only:
                columns.append(utc_text(column) if formatted_by_database(field, column) else column)
        for relation in self.relations.values():
            if not relation.many:
                columns.extend(relation.columns())
        unique = {}
        for column in columns:
            unique.setdefault(column.key, column)
        columns = list(unique.values())
        self.columns = columns
        # Built once: every read of rows starts from ``select_rows``, and a read by ids of a type with no scope
        # runs ``rows_by_ids`` as it is, its ids bound per read (no construction or cache key per request).
        self.select_rows = select(*columns)
        self.rows_by_ids = self.select_rows.where(in_ids(self.table.c.id, "ids"))
        self.index = {c.key: i for i, c in enumerate(columns)}
        self.render_attributes = compile_attributes(self, self.attributes, self.index, converters)
        self.sort_columns = {}
        for name in self.sorts:
            attr = next((c for n, _f, c in self.attributes if n == name and c is not None), None)
            self.sort_columns[name] = attr if attr is not None else mapper.column_attrs[name].columns[0]
            if self.sort_columns[name].nullable:
                # a cursor compares key values; NULLs compare as neither, and rows would be skipped
                raise TypeError(f"{self.type}: sort '{name}' is on a nullable column")
        self.read_only = {
            name for name, field, _c in self.attributes if field.dump_only
        } | {"id", "href", "type", "links"}
        # Load-only fields the model has no attribute for: inputs the declaration's hooks act on.
        self.write_only = {
            (field.attribute or name) for name, field, column in self.attributes
            if field.load_only and column is None and not hasattr(self.model, field.attribute or name)
        }
        # what fields[<type>] may name: readable attributes and relations
        self.field_names = {name for name, field, _c in self.attributes if not field.load_only} | set(self.relations)
        self.to_one = [r for r in self.relations.values() if not r.many]
        self.to_many = [r for r in self.relations.values() if r.many]
        # the computed attributes read by a function per page (the others are columns)
        self.page_computed = {n: fn for n, fn in self.computed.items() if _sql_attribute(fn) is None}
        self.compiled = True

    # -- nesting (see app/engine/nesting.py) --------------------------------------------------------
    def route_bases(self):
        """[(URL rule of the type's list below /api, whether it takes creates)], the canonical one first."""
        if self.parent is not None:
            return self.parent.route_bases()
        return [(f"/{self.path}", self.creatable)]

    def row_path(self, row):
        """The resource's path below the API root, from its row."""
        if self.parent is not None:
            return self.parent.row_path(self, row)
        return self.self_path(row[0])

    @property
    def nested(self):
        return self.parent is not None

    def list_constraints(self, parents, caller):
        """(extra conditions, default order) of a list, through the parent's URL or not."""
        where = self.parent.constraints(parents, caller) if self.parent is not None else ()
        return where, self.default_order

    def check_parents(self, parents, id_, caller):
        """404 when a nested URL names a parent the resource is not under."""
        if self.parent is not None:
            self.parent.check(self, parents, id_, caller)

    # -- write hooks: each receives the app.operations Write in progress ---------------------------
    def make(self, write):
        """The new ORM object of a create."""
        return self.model()

    def prepare(self, write):
        """Before the policy sees a write: fill defaults (create), refuse or adjust (other kinds); raise
        ApiError to refuse, with ``write.pointer(name)`` to say where."""

    def finish(self, write):
        """After the write, inside its transaction (the object has its id): dependent rows and fields."""

    def remove(self, write):
        """What DELETE does to the row (a type may keep it, e.g. in a final state)."""
        from app.extensions import db
        db.session.delete(write.obj)

    def answer_show(self, id_, caller):
        """GET of a member: a response of the type's own instead of its document (e.g. a completed job's 303),
        or None (the document)."""
        return None

    def redact(self, attributes, row, caller):
        """Drop attributes this caller may not read."""
        return attributes

    @property
    def has_redaction(self):
        return type(self).redact is not Resource.redact

    def self_path(self, id_):
        return f"/{self.path}/{id_}" + ("/" if self.trailing_slash else "")


def compile_all():
    for resource in RESOURCES.values():
        if not resource.compiled:
            resource.compile()
    # Each to-many relation's template filters its target type by the parent's id.
    for resource in RESOURCES.values():
        for relation in resource.to_many:
            if relation.param:
                for target in relation.targets():
                    target.filters.setdefault(relation.param, MemberOf(relation))
