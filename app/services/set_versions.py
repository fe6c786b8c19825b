"""The state machine of a set's versions (API.md §7.4, KOORDINATES.md §3.3).

Pure values in, pure values out: no Flask, no database. The caller loads the
states, asks this module what the new states are (or gets a refusal), then
writes them back.

States (``STATES``)::

    draft       the one editable version of a set; always its latest version
    publishing  a draft with a publish task under way; no longer editable
    published   the set's current published version
    superseded  a version that was published before the current one
    discarded   a deleted draft; stays readable

``published``, ``superseded`` and ``discarded`` are historical: their content
never changes again.

Events (``EVENTS``) and the whole machine, one row per allowed move::

    edit       draft      -> draft        PUT/PATCH of a version
    discard    draft      -> discarded    DELETE of a version
    publish    draft      -> publishing   POST .../publish/
    complete   publishing -> published    the publish task succeeded
    fail       publishing -> draft        the publish task failed
    supersede  published  -> superseded   another version got published

Every other (state, event) pair is refused with ``Transition(status,
message)``; ``REFUSALS`` lists each one. The user-facing refusals:

    edit a non-draft                    405 "This version isn't a draft."
    delete a discarded version          409 "This version is already deleted."
    delete any other non-draft          405 "Only a draft version can be deleted."
    publish a version being published   409 "This version is already being published."
    publish any other non-draft         409 "This version isn't a draft."

and for the set as a whole (``check_can_create_draft``):

    create a draft while one is active  409 "There is already a draft version
                                             active for this set."

(a ``publishing`` version is still the set's active draft, so it counts).

Public API:

- ``apply(state, event) -> new_state`` (raises ``Transition``);
- ``check_can_create_draft(states)`` for ``POST /sets/{id}/versions/``;
- ``check_editable(state)``; ``on_delete(state, *, has_published=True)``;
  ``start_publish(state)``; ``finish_publish(state, previous_published)``;
  ``fail_publish(state)`` — named shortcuts over ``apply``;
- ``is_historical(state)``.

Deleting the draft of a set that was never published would leave the set
with no content at all (KOORDINATES.md §3.3, open question). ``on_delete``
refuses it with 409 when the caller passes ``has_published=False``; callers
that do not know leave the default and get the plain table.
"""

from __future__ import annotations

from collections.abc import Iterable

DRAFT = "draft"
PUBLISHING = "publishing"
PUBLISHED = "published"
SUPERSEDED = "superseded"
DISCARDED = "discarded"

STATES = (DRAFT, PUBLISHING, PUBLISHED, SUPERSEDED, DISCARDED)
HISTORICAL = frozenset({PUBLISHED, SUPERSEDED, DISCARDED})
EVENTS = ("edit", "discard", "publish", "complete", "fail", "supersede")

ALREADY_DRAFT = "There is already a draft version active for this set."
NOT_DRAFT = "This version isn't a draft."
ALREADY_DELETED = "This version is already deleted."
DELETE_NOT_DRAFT = "Only a draft version can be deleted."
ALREADY_PUBLISHING = "This version is already being published."
NEVER_PUBLISHED = "This set has never been published; delete the set instead."
NOT_PUBLISHING = "This version isn't being published."
NOT_PUBLISHED = "Only the published version can be superseded."


class Transition(Exception):
    """A refused transition: ``status`` (HTTP code) and ``message`` (the error's detail)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message

    def __repr__(self) -> str:
        return f"Transition({self.status!r}, {self.message!r})"


ALLOWED: dict[tuple[str, str], str] = {
    (DRAFT, "edit"): DRAFT,
    (DRAFT, "discard"): DISCARDED,
    (DRAFT, "publish"): PUBLISHING,
    (PUBLISHING, "complete"): PUBLISHED,
    (PUBLISHING, "fail"): DRAFT,
    (PUBLISHED, "supersede"): SUPERSEDED,
}

_BY_EVENT: dict[str, tuple[int, str]] = {
    "edit": (405, NOT_DRAFT),
    "discard": (405, DELETE_NOT_DRAFT),
    "publish": (409, NOT_DRAFT),
    "complete": (409, NOT_PUBLISHING),
    "fail": (409, NOT_PUBLISHING),
    "supersede": (409, NOT_PUBLISHED),
}
_EXCEPTIONS: dict[tuple[str, str], tuple[int, str]] = {
    (DISCARDED, "discard"): (409, ALREADY_DELETED),
    (PUBLISHING, "publish"): (409, ALREADY_PUBLISHING),
}

REFUSALS: dict[tuple[str, str], tuple[int, str]] = {
    (state, event): _EXCEPTIONS.get((state, event), _BY_EVENT[event])
    for state in STATES
    for event in EVENTS
    if (state, event) not in ALLOWED
}


def _known_state(state: str) -> str:
    if state not in STATES:
        raise ValueError(f"unknown version state {state!r}")
    return state


def apply(state: str, event: str) -> str:
    """The state after ``event``, or ``Transition`` if the move is refused."""
    key = (_known_state(state), event)
    if key in ALLOWED:
        return ALLOWED[key]
    if key in REFUSALS:
        raise Transition(*REFUSALS[key])
    raise ValueError(f"unknown version event {event!r}")


def is_historical(state: str) -> bool:
    """Whether the version's content is frozen for good."""
    return _known_state(state) in HISTORICAL


def check_can_create_draft(states: Iterable[str]) -> None:
    """Refuse a new draft when the set already has one (``publishing`` counts)."""
    if any(_known_state(s) in (DRAFT, PUBLISHING) for s in states):
        raise Transition(409, ALREADY_DRAFT)


def check_editable(state: str) -> None:
    """Refuse PUT/PATCH of anything but a draft."""
    apply(state, "edit")


def on_delete(state: str, *, has_published: bool = True) -> str:
    """DELETE of a version: the draft becomes ``discarded``.

    After it the set's latest version is its published version again.
    ``has_published=False`` (a set never published) refuses the discard.
    """
    new = apply(state, "discard")
    if not has_published:
        raise Transition(409, NEVER_PUBLISHED)
    return new


def start_publish(state: str) -> str:
    """``POST .../publish/``: draft -> publishing."""
    return apply(state, "publish")


def finish_publish(state: str, previous_published: str | None) -> tuple[str, str | None]:
    """The publish task succeeded: ``(new state, new state of the old published version)``.

    ``previous_published`` is ``None`` for a set's first publish, and then the
    second item is ``None`` too.
    """
    new = apply(state, "complete")
    if previous_published is None:
        return new, None
    return new, apply(previous_published, "supersede")


def fail_publish(state: str) -> str:
    """The publish task failed: publishing -> draft, editable again."""
    return apply(state, "fail")
