"""The base of every resource declaration.

A declaration names its model, schema, policy, relation storage, filters and sorts; routes,
includes, relationship endpoints, templates and both dialects follow from it.
"""
from marshmallow_jsonapi.fields import Relationship
from sqlalchemy import inspect

from app.engine.filters import Equals, MemberOf
from app.engine.registry import RESOURCES
from app.engine.render import compile_attributes


class Resource:
    type = None
    model = None
    schema = None
    policy = None
    relations = {}
    filters = {}
    sorts = ()
    computed = {}           # attribute name → fn(ids, caller) → {id: value}, once per page
    path = None             # URL segment under /api (defaults to the type)
    trailing_slash = False  # self links end in "/" (the Sets family's style)
    creatable = True
    deletable = True
    delete_answers_document = False  # Panoptes-dialect DELETE → 200 with the deleted resource instead of 204
    # input name → fn(value, pointer) → linkage, for relations the specification gives as attributes; the
    # relation is the input's namesake, or the first item of a (relation name, fn) pair
    attribute_relations = {}
    views = None            # a subclass of resources.views.Views replacing some of the generic views

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
            if name not in self.computed and source in mapper.column_attrs:
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
                columns.append(column)
        for relation in self.relations.values():
            if not relation.many:
                columns.extend(relation.columns())
        unique = {}
        for column in columns:
            unique.setdefault(column.key, column)
        columns = list(unique.values())
        self.columns = columns
        self.index = {c.key: i for i, c in enumerate(columns)}
        self.render_attributes = compile_attributes(self, self.attributes, self.index)
        self.sort_columns = {}
        for name in self.sorts:
            attr = next((c for n, _f, c in self.attributes if n == name and c is not None), None)
            self.sort_columns[name] = attr if attr is not None else mapper.column_attrs[name].columns[0]
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
        self.compiled = True

    # -- hooks a declaration may override --------------------------------------------------------
    def route_bases(self):
        """The URL rules of the type's list, below /api (the first one is the canonical one)."""
        return [f"/{self.path}"]

    def row_path(self, row):
        """The resource's path below the API root, from its row."""
        return self.self_path(row[0])

    @property
    def nested(self):
        return type(self).row_path is not Resource.row_path

    def list_constraints(self, parents, caller):
        """(extra conditions, default order) for a list reached through a nested URL."""
        return (), None

    def check_parents(self, parents, id_, caller):
        """404 when a nested URL names a parent the resource is not under."""

    def before_create(self, obj, values, relations, caller, **parents):
        """Fill defaults on a new object before the policy sees it."""

    def after_create(self, obj, caller):
        """Rows to add once the new object has an id."""

    def before_update(self, obj, values, relations, caller):
        """Refuse or adjust an update; raise ApiError to refuse."""

    def after_write(self, obj, inputs, caller, creating):
        """Act on write-only inputs once the object has an id (still inside the transaction)."""

    def lock_first(self, id_):
        """Lock rows a write to this resource changes too, before its own row, so that every write of a
        family takes its locks in one order."""

    def remove(self, obj, caller):
        """What DELETE does to the row (a type may keep it, e.g. in a final state)."""
        from app.extensions import db
        db.session.delete(obj)

    def before_link(self, obj, relation, caller):
        """Refuse a write through a relationship endpoint; raise ApiError to refuse."""

    def extra_routes(self, bp, views):
        """URL rules beyond the generic ones (``views`` is the type's Views instance)."""

    def after_unlink(self, parent_id, relation, removed):
        """Keep dependent fields right after members left a to-many relation (``removed`` None: replaced)."""

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
