"""Writes as operations: every change the API makes — create, update, delete, relationship changes and a
type's own actions — is an ``Operation`` run by the ``Processor``, which owns the transaction, the row locks,
the policy checks, input resolution, version bumps and how database conflicts become client errors. Views
(single requests in either dialect) and atomic operations build operations; declarations add hooks."""
from app.operations.kinds import (  # noqa: F401
    ACTION, ADD, CREATE, DROP, REMOVE, REPLACE, UPDATE, Operation, Outcome, Precondition, Write,
)
from app.operations.processor import Processor  # noqa: F401
