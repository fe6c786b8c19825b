"""The set-version state machine, every (state, event) pair and every helper."""

import pytest

from app.services import set_versions as sv
from app.services.set_versions import Transition

ALREADY_DRAFT = "There is already a draft version active for this set."
NOT_DRAFT = "This version isn't a draft."
ALREADY_DELETED = "This version is already deleted."
DELETE_NOT_DRAFT = "Only a draft version can be deleted."
ALREADY_PUBLISHING = "This version is already being published."
NOT_PUBLISHING = "This version isn't being published."
NOT_PUBLISHED = "Only the published version can be superseded."

# (state, event, expected): a new state (str) or a refusal (status, message).
TABLE = [
    # edit (PUT/PATCH)
    ("draft", "edit", "draft"),
    ("publishing", "edit", (405, NOT_DRAFT)),
    ("published", "edit", (405, NOT_DRAFT)),
    ("superseded", "edit", (405, NOT_DRAFT)),
    ("discarded", "edit", (405, NOT_DRAFT)),
    # discard (DELETE)
    ("draft", "discard", "discarded"),
    ("publishing", "discard", (405, DELETE_NOT_DRAFT)),
    ("published", "discard", (405, DELETE_NOT_DRAFT)),
    ("superseded", "discard", (405, DELETE_NOT_DRAFT)),
    ("discarded", "discard", (409, ALREADY_DELETED)),
    # publish (POST .../publish/)
    ("draft", "publish", "publishing"),
    ("publishing", "publish", (409, ALREADY_PUBLISHING)),
    ("published", "publish", (409, NOT_DRAFT)),
    ("superseded", "publish", (409, NOT_DRAFT)),
    ("discarded", "publish", (409, NOT_DRAFT)),
    # complete (the publish task succeeded)
    ("draft", "complete", (409, NOT_PUBLISHING)),
    ("publishing", "complete", "published"),
    ("published", "complete", (409, NOT_PUBLISHING)),
    ("superseded", "complete", (409, NOT_PUBLISHING)),
    ("discarded", "complete", (409, NOT_PUBLISHING)),
    # fail (the publish task failed)
    ("draft", "fail", (409, NOT_PUBLISHING)),
    ("publishing", "fail", "draft"),
    ("published", "fail", (409, NOT_PUBLISHING)),
    ("superseded", "fail", (409, NOT_PUBLISHING)),
    ("discarded", "fail", (409, NOT_PUBLISHING)),
    # supersede (another version got published)
    ("draft", "supersede", (409, NOT_PUBLISHED)),
    ("publishing", "supersede", (409, NOT_PUBLISHED)),
    ("published", "supersede", "superseded"),
    ("superseded", "supersede", (409, NOT_PUBLISHED)),
    ("discarded", "supersede", (409, NOT_PUBLISHED)),
]


def _ids(row):
    return f"{row[0]}-{row[1]}"


def test_table_covers_every_pair_once():
    pairs = [(s, e) for s, e, _ in TABLE]
    assert len(pairs) == len(set(pairs))
    assert set(pairs) == {(s, e) for s in sv.STATES for e in sv.EVENTS}
    assert set(sv.ALLOWED) | set(sv.REFUSALS) == set(pairs)
    assert not set(sv.ALLOWED) & set(sv.REFUSALS)


@pytest.mark.parametrize("state,event,expected", TABLE, ids=[_ids(r) for r in TABLE])
def test_apply(state, event, expected):
    if isinstance(expected, str):
        assert sv.apply(state, event) == expected
    else:
        with pytest.raises(Transition) as caught:
            sv.apply(state, event)
        assert (caught.value.status, caught.value.message) == expected
        assert str(caught.value) == expected[1]


def test_historical_states_never_change():
    for state in ("published", "superseded", "discarded"):
        assert sv.is_historical(state)
        for event in ("edit", "discard", "publish", "complete", "fail"):
            with pytest.raises(Transition):
                sv.apply(state, event)
    assert not sv.is_historical("draft")
    assert not sv.is_historical("publishing")


def test_unknown_state_or_event_is_a_programming_error():
    with pytest.raises(ValueError):
        sv.apply("archived", "edit")
    with pytest.raises(ValueError):
        sv.apply("draft", "archive")
    with pytest.raises(ValueError):
        sv.check_can_create_draft(["draft ", "published"])


# ---- check_can_create_draft -------------------------------------------------

@pytest.mark.parametrize("states", [
    [],
    ["published"],
    ["superseded", "published"],
    ["superseded", "published", "discarded"],
    ["discarded"],
    ("discarded", "discarded", "published"),
    iter(["published", "discarded"]),
])
def test_create_draft_allowed(states):
    assert sv.check_can_create_draft(states) is None


@pytest.mark.parametrize("states", [
    ["draft"],
    ["published", "draft"],
    ["superseded", "published", "discarded", "draft"],
    ["publishing"],
    ["published", "publishing"],
])
def test_create_draft_refused(states):
    with pytest.raises(Transition) as caught:
        sv.check_can_create_draft(states)
    assert (caught.value.status, caught.value.message) == (409, ALREADY_DRAFT)


# ---- named helpers ------------------------------------------------------------

def test_check_editable():
    assert sv.check_editable("draft") is None
    for state in ("publishing", "published", "superseded", "discarded"):
        with pytest.raises(Transition) as caught:
            sv.check_editable(state)
        assert (caught.value.status, caught.value.message) == (405, NOT_DRAFT)


@pytest.mark.parametrize("state,expected", [
    ("draft", "discarded"),
    ("publishing", (405, DELETE_NOT_DRAFT)),
    ("published", (405, DELETE_NOT_DRAFT)),
    ("superseded", (405, DELETE_NOT_DRAFT)),
    ("discarded", (409, ALREADY_DELETED)),
])
def test_on_delete(state, expected):
    if isinstance(expected, str):
        assert sv.on_delete(state) == expected
    else:
        with pytest.raises(Transition) as caught:
            sv.on_delete(state)
        assert (caught.value.status, caught.value.message) == expected


def test_on_delete_of_a_never_published_draft_is_refused():
    with pytest.raises(Transition) as caught:
        sv.on_delete("draft", has_published=False)
    assert caught.value.status == 409
    assert caught.value.message == sv.NEVER_PUBLISHED
    # other states keep their own refusal
    with pytest.raises(Transition) as caught:
        sv.on_delete("discarded", has_published=False)
    assert (caught.value.status, caught.value.message) == (409, ALREADY_DELETED)
    assert sv.on_delete("draft", has_published=True) == "discarded"


@pytest.mark.parametrize("state,expected", [
    ("draft", "publishing"),
    ("publishing", (409, ALREADY_PUBLISHING)),
    ("published", (409, NOT_DRAFT)),
    ("superseded", (409, NOT_DRAFT)),
    ("discarded", (409, NOT_DRAFT)),
])
def test_start_publish(state, expected):
    if isinstance(expected, str):
        assert sv.start_publish(state) == expected
    else:
        with pytest.raises(Transition) as caught:
            sv.start_publish(state)
        assert (caught.value.status, caught.value.message) == expected


def test_finish_publish_first_time():
    assert sv.finish_publish("publishing", None) == ("published", None)


def test_finish_publish_supersedes_the_previous_version():
    assert sv.finish_publish("publishing", "published") == ("published", "superseded")


@pytest.mark.parametrize("state,previous,expected", [
    ("draft", None, (409, NOT_PUBLISHING)),
    ("published", "published", (409, NOT_PUBLISHING)),
    ("discarded", None, (409, NOT_PUBLISHING)),
    ("publishing", "superseded", (409, NOT_PUBLISHED)),
    ("publishing", "draft", (409, NOT_PUBLISHED)),
    ("publishing", "discarded", (409, NOT_PUBLISHED)),
])
def test_finish_publish_refused(state, previous, expected):
    with pytest.raises(Transition) as caught:
        sv.finish_publish(state, previous)
    assert (caught.value.status, caught.value.message) == expected


def test_fail_publish():
    assert sv.fail_publish("publishing") == "draft"
    for state in ("draft", "published", "superseded", "discarded"):
        with pytest.raises(Transition) as caught:
            sv.fail_publish(state)
        assert (caught.value.status, caught.value.message) == (409, NOT_PUBLISHING)


def test_a_whole_life():
    """v1 drafted, published; v2 drafted, discarded; v3 fails once, then publishes."""
    v1 = "draft"
    sv.check_can_create_draft([])
    v1 = sv.check_editable(v1) or v1
    v1 = sv.start_publish(v1)
    v1, _ = sv.finish_publish(v1, None)
    assert v1 == "published"

    sv.check_can_create_draft([v1])
    v2 = "draft"
    v2 = sv.on_delete(v2)
    assert (v1, v2) == ("published", "discarded")

    sv.check_can_create_draft([v1, v2])
    v3 = "draft"
    v3 = sv.start_publish(v3)
    with pytest.raises(Transition):
        sv.check_can_create_draft([v1, v2, v3])
    v3 = sv.fail_publish(v3)
    assert v3 == "draft"
    v3 = sv.start_publish(v3)
    v3, v1 = sv.finish_publish(v3, v1)
    assert (v1, v2, v3) == ("superseded", "discarded", "published")


def test_transition_repr():
    assert repr(Transition(409, "x")) == "Transition(409, 'x')"
