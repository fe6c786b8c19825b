"""The operation objects and the context a declaration's write hooks receive."""
from dataclasses import dataclass, field

CREATE, UPDATE, REMOVE = "create", "update", "remove"
ADD, DROP, REPLACE = "add", "drop", "replace"   # members of a relation: add, remove, replace (to-one: set)
ACTION = "action"                               # a type's own action (publish, replace grants, …)
RELATIONSHIP_KINDS = (ADD, DROP, REPLACE)


@dataclass
class Precondition:
    """What the request says about the version it changes: an If-Match value, and whether one is required."""
    if_match: str = None
    required: bool = False

    @classmethod
    def of_request(cls, required=False):
        from flask import request
        return cls(request.headers.get("If-Match"), required)


@dataclass
class Operation:
    kind: str
    resource: object                     # the declaration written to
    id: int = None                       # the resource's id (None for a create)
    input: object = None                 # an engine.body.Input: validated attributes and linkage
    parents: dict = field(default_factory=dict)   # URL variables naming a parent, e.g. {"collection_id": 5}
    relation: object = None              # for relationship kinds
    linkage: object = None               # for relationship kinds: [(type, id), …], (type, id) or None
    pointer: str = None                  # where the linkage is in the request
    precondition: Precondition = field(default_factory=Precondition)
    duplicates_refused: bool = False     # ADD: a member already present is an error (else it is skipped)
    keep: object = None                  # REMOVE: fn() read before the row goes (the answer of some dialects)
    action: object = None                # ACTION: fn(write) → Outcome
    needs: str = None                    # ACTION: the policy action the caller needs on the row
    guard: object = None                 # ACTION: fn(write) raising when the caller may not act
    lid: str = None                      # CREATE inside atomic operations: the local id it declares
    read: object = None                  # fn() → Input (resource kinds) or (linkage, pointer) (relationship
    #                                      kinds), called once the caller's rights are checked: a caller who
    #                                      may not write learns nothing from validation errors

    def take_input(self):
        if self.read is not None:
            read, self.read = self.read, None
            if self.kind in RELATIONSHIP_KINDS:
                self.linkage, self.pointer = read()
            else:
                self.input = read()
        return self.input


@dataclass
class Outcome:
    """What an operation did: the resource to answer with (None: nothing to show) and its status."""
    resource: object = None
    id: int = None
    status: int = 200
    kept: object = None                  # REMOVE: what ``keep`` read
    meta: dict = None


@dataclass
class Write:
    """What a declaration's hooks (``prepare``, ``finish``, ``remove``, actions) see of the write in progress."""
    op: Operation
    caller: object
    processor: object
    obj: object = None                   # the ORM object written (a new one on create)
    parent: object = None                # the parent ORM object of a nested type's create
    inputs: dict = field(default_factory=dict)   # write-only inputs (load-only attributes without a column)
    unlinked: set = field(default_factory=set)   # to-many relations that lost or replaced members

    @property
    def kind(self):
        return self.op.kind

    @property
    def creating(self):
        return self.op.kind == CREATE

    @property
    def values(self):
        return self.op.input.values if self.op.input is not None else {}

    @property
    def relations(self):
        return self.op.input.relations if self.op.input is not None else {}

    def pointer(self, name):
        """Where attribute ``name`` is (or would be) in the request body."""
        if self.op.input is not None:
            return self.op.input.pointer(name)
        return f"/data/attributes/{name}"
