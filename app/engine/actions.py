"""A type's own endpoints beyond the five resource views and the relationship endpoints, declared in its
``actions``: writes run as one operation of the processor, named lists and named members. Their routes and
their OpenAPI description follow from the declaration (resources/views.py registers them)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    """``METHOD <member>/<name>`` (``on="member"``) or ``METHOD <list>/<name>`` (``on="list"``, under the
    parent named by the URL): one ACTION operation. The processor loads and locks the row (or the parent),
    checks that the caller holds ``needs`` on it (a policy action) and passes ``guard``, then reads the body
    with ``read`` (None: the action takes no body) and runs ``run(write)`` → Outcome.

    The answer: ``answers="one"`` shows the Outcome's resource (``status``; ``location``: with its
    Location), ``answers="list"`` the type's list under the same parent."""
    name: str
    run: object
    path: str = None           # the URL segment (default: the name; "" for the list or member URL itself)
    on: str = "member"
    method: str = "POST"
    needs: str = None
    guard: object = None       # fn(write) raising when the caller may not act (rights beyond a policy action)
    read: object = None        # fn(dialect, resource, body) → the action's input
    answers: str = "one"
    of: str = None             # the type the answer holds (default: the declaring type)
    status: int = 200
    location: bool = False
    body: object = None        # what the OpenAPI says of the body: None, "optional", "list" or a dict of fields
    doc: str = ""
    long: object = None        # a Deferred: with Prefer: respond-async the action runs as a job (202)
    refusals: tuple = ()       # (status, reason): what a well-formed request is still refused for (OpenAPI)

    @property
    def segment(self):
        return self.name if self.path is None else self.path

    @property
    def described(self):
        return {"answers": self.answers, "of": self.of, "status": self.status, "body": self.body,
                "media": None, "errors": None, "auth": True, "doc": self.doc, "asynchronous": self.long is not None,
                "refusals": list(self.refusals)}


@dataclass(frozen=True)
class Deferred:
    """How a long action runs as a job (resources/asynchronous.py): ``begin(write)`` → JSON-able dict, in the
    request's transaction with the job's row (e.g. a task in its middle state); ``run(write, begun)`` →
    Outcome, in the job, the row locked and the caller's rights checked again (None: the action's own
    ``run``); ``fail(begun, errors)``: what a failed job leaves instead, in the job's failing transaction."""
    begin: object = None
    run: object = None
    fail: object = None


class NamedRead:
    """What a named list and a named member share: ``GET <list>/<name>``."""
    method = "GET"
    on = "list"
    answers = None

    @property
    def segment(self):
        return self.name

    @property
    def described(self):
        return {"answers": self.answers, "of": None, "status": 200, "body": None, "media": None, "errors": None,
                "auth": True, "doc": self.doc}


@dataclass(frozen=True)
class Listing(NamedRead):
    """``GET <list>/<name>``: the type's rows (under the URL's parent) where ``where(caller)`` → [SQL conditions]
    hold, instead of the type's own list constraints."""
    name: str
    where: object
    doc: str = ""
    answers = "list"


@dataclass(frozen=True)
class Alias(NamedRead):
    """``GET <list>/<name>``: one member found by ``find(parent, caller)`` → id (None: a 404 naming the
    alias)."""
    name: str
    find: object
    doc: str = ""
    answers = "one"
