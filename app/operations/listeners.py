"""Code outside the operations layer that follows the writes of a type (the IIIF Change Discovery feed):
a watcher sees each operation before it runs, so it may read the state the operation changes (which sets hold
an image about to go), and returns what to call with the outcome, in the same transaction."""

_WATCHERS = {}   # type name → [fn(op) → None or fn(outcome)]


def watch(type_name, fn):
    _WATCHERS.setdefault(type_name, []).append(fn)
    return fn


def watching(op):
    """The after-calls of the watchers of ``op``'s type (none: an empty list)."""
    watchers = _WATCHERS.get(op.resource.type)
    if not watchers:
        return []
    return [after for after in (fn(op) for fn in watchers) if after is not None]
