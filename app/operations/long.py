"""Long writes: work that may run inside the request or, when the client prefers (``Prefer:
respond-async``), as a job off the request path (app/jobs/).

A long work is registered by name with ``long_work(name)``: ``fn(params, caller, run) → Outcome``, where
``params`` is plain JSON (it travels through the queue), and ``run`` is where the work reports progress and
hands its final operation over: ``run.progress(done, total)`` and ``run.apply(op)``. The same function
serves both ways; only ``run`` differs — ``Now`` commits the operation as any request does, a job's run
also records the job's result in that same transaction (all-or-nothing, applied once).
"""
from dataclasses import dataclass

from app.operations.processor import Processor

LONG = {}


@dataclass(frozen=True)
class LongWork:
    name: str
    run: object          # fn(params, caller, run) → Outcome
    failed: object = None  # fn(params, errors): undo what the request began, in the failing job's transaction


def long_work(name, failed=None):
    def register(fn):
        LONG[name] = LongWork(name, fn, failed)
        return fn
    return register


class Now:
    """A long work run inside the request: progress goes nowhere, the operation commits on its own."""

    def __init__(self, caller):
        self.caller = caller

    def progress(self, done=None, total=None):
        pass

    def apply(self, op):
        return Processor(self.caller).run(op)


def run_now(name, params, caller):
    return LONG[name].run(params, caller, Now(caller))
