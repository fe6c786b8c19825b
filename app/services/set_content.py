"""A set's content across its versions: drafts, what the set shows, publishing and discarding.

A set row and its ``set_items`` hold a copy of the version the set shows: its published version, or
its draft while it was never published. Every move goes through the state machine in
``set_versions``; the caller holds the set's row lock and commits (or rolls everything back).
"""
from sqlalchemy import delete, select

from app.engine.relations import insert_links
from app.extensions import db
from app.models.sets import CONTENT_FIELDS, Set, SetItem, SetVersion, SetVersionItem
from app.services import set_versions as machine

ITEM_COLUMNS = ("layer_id", "table_id", "document_id")
ACTIVE = (machine.DRAFT, machine.PUBLISHING)


def _copy_items(source, source_key, source_id, target, target_key, target_id):
    src, dst = source.__table__, target.__table__
    rows = db.session.execute(
        select(*(src.c[c] for c in ITEM_COLUMNS)).where(src.c[source_key] == source_id).order_by(src.c.id)
    ).all()
    db.session.execute(delete(dst).where(dst.c[target_key] == target_id))
    if rows:
        insert_links(dst, [{target_key: target_id, **dict(zip(ITEM_COLUMNS, r))} for r in rows])


def _copy_content(source, target):
    for name in CONTENT_FIELDS:
        setattr(target, name, getattr(source, name))


def active_draft(set_id):
    """The set's draft (``draft`` or ``publishing``), or None."""
    return db.session.execute(
        select(SetVersion).where(SetVersion.set_id == set_id, SetVersion.state.in_(ACTIVE))
    ).scalar_one_or_none()


def new_draft(set_obj, created_by_id):
    """A new draft copied from what the set shows, now its latest version; 409 (``Transition``) if one is
    active. The partial unique index on set_versions refuses a second one a concurrent request made."""
    states = db.session.scalars(select(SetVersion.state).where(SetVersion.set_id == set_obj.id)).all()
    machine.check_can_create_draft(states)
    draft = SetVersion(set_id=set_obj.id, state=machine.DRAFT, created_by_id=created_by_id)
    _copy_content(set_obj, draft)
    db.session.add(draft)
    db.session.flush()
    _copy_items(SetItem, "set_id", set_obj.id, SetVersionItem, "version_id", draft.id)
    set_obj.latest_version_id = draft.id
    return draft


def editable_draft(set_obj, created_by_id):
    """The draft a change to the set goes to, made from the published content if there is none."""
    draft = active_draft(set_obj.id) or new_draft(set_obj, created_by_id)
    machine.check_editable(draft.state)
    return draft


def shows_draft(set_obj):
    return set_obj.published_version_id is None


def show(set_obj, version):
    """Make the set show ``version``'s content and items."""
    _copy_content(version, set_obj)
    _copy_items(SetVersionItem, "version_id", version.id, SetItem, "set_id", set_obj.id)


def show_draft_change(version_id):
    """A set never published shows its draft: copy a change of the draft to the set (a new ETag for it)."""
    version = db.session.get(SetVersion, version_id)
    set_obj = db.session.get(Set, version.set_id)
    if shows_draft(set_obj) and version.state in ACTIVE:
        show(set_obj, version)
        set_obj.touch()
        db.session.flush()


def publish(set_obj, version):
    """draft → publishing → published; the previous published version is superseded; the set shows it."""
    begin_publish(version)
    complete_publish(set_obj, version)


def begin_publish(version):
    """draft → publishing: a publish task is under way (the version is no longer editable)."""
    version.state = machine.start_publish(version.state)
    db.session.flush()


def fail_publish(version):
    """publishing → draft: the publish task failed; the draft is editable again."""
    version.state = machine.fail_publish(version.state)
    db.session.flush()


def complete_publish(set_obj, version):
    """publishing → published; the previous published version is superseded; the set shows it."""
    previous = db.session.get(SetVersion, set_obj.published_version_id) if set_obj.published_version_id else None
    new_state, old_state = machine.finish_publish(version.state, previous.state if previous else None)
    if previous is not None:
        previous.state = old_state
        db.session.flush()  # one published version per set (partial unique index): supersede first
    version.state = new_state
    show(set_obj, version)
    set_obj.published_version_id = set_obj.latest_version_id = version.id
    db.session.flush()


def discard(set_obj, version):
    """DELETE of a version: the draft is discarded and the set's latest version is its published one."""
    version.state = machine.on_delete(version.state, has_published=not shows_draft(set_obj))
    set_obj.latest_version_id = set_obj.published_version_id
