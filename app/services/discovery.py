"""IIIF Change Discovery 1.0: recording the Create, Update and Delete activities of public image sets'
manifests, and reading them back as an ordered collection of pages.

Recording. Watchers on the writes that can change a manifest (image sets, with their images, languages and
publication; images, in every set holding them; and deletes of what image sets cascade with: collections,
users, groups) note the image sets a write touched in the session. Just before that transaction commits,
each noted set is compared with what the feed last said of it:

* public now (visible to anonymous callers: published) and not in the feed (never, or last a Delete): Create
  the first time, Update after a Delete;
* public now and in the feed: Update, only when the manifest differs from the one last recorded (a digest of
  the manifest without its provider and annotations);
* not public now (unpublished, deleted, gone with its collection) and in the feed: Delete; a set that was never
  public is never named.

So a rolled-back write records nothing, and a set that becomes private leaves the feed with a Delete (its
manifest now answers 404 to a harvester). On PostgreSQL a transaction-scoped advisory lock is taken before the
comparison and held to the commit, so activities are numbered in commit order and each comparison sees every
activity committed before it; on SQLite a write already holds the database's write lock.

Reading. ``position`` numbers the activities 1, 2, … without gaps; page n holds positions
(n-1)·size+1 … n·size, so a full page never changes and a harvester reading ``last`` then ``prev`` sees each
activity once. An empty feed has one empty page.
"""
import hashlib
from datetime import timezone

import orjson
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from app.auth import ANONYMOUS
from app.extensions import db
from app.models.activities import Activity
from app.models.base import utcnow
from app.models.image_sets import ImageSet, ImageSetImage
from app.operations import REMOVE
from app.operations.listeners import watch
from app.services.iiif_export import load_image_set, manifest, manifest_path

DISCOVERY_CONTEXT = "http://iiif.io/api/discovery/1/context.json"
DISCOVERY_TYPE = f'application/ld+json;profile="{DISCOVERY_CONTEXT}"'
FEED_PATH = "/iiif/discovery"
_PENDING = "discovery_pending"   # session.info: image set ids touched in this transaction
_SWEEP = "discovery_sweep"       # session.info: a delete may have cascaded to image sets
_LOCK_KEY = 0x11F_D15C           # the advisory lock of the feed (any constant no other code uses)
_DIGEST_ROOT = "urn:hyperapi"    # digests compare manifests, not the hosts they were served on


def touched(*image_set_ids):
    db.session.info.setdefault(_PENDING, set()).update(i for i in image_set_ids if i is not None)


# -- watchers ---------------------------------------------------------------------------------------

def _image_set_written(op):
    touched(op.id)
    return lambda outcome: touched(outcome.id)


def _image_written(op):
    if op.id is not None:  # before it runs: an image about to be deleted is still in its sets
        touched(*db.session.scalars(select(ImageSetImage.image_set_id).where(ImageSetImage.image_id == op.id)))
    return None


def _owner_written(op):
    if op.kind == REMOVE:
        db.session.info[_SWEEP] = True
    return None


_installed = []


def install():
    """Start watching the writes (once per process, however many apps are made)."""
    if _installed:
        return
    _installed.append(True)
    watch("image_sets", _image_set_written)
    watch("images", _image_written)
    for type_name in ("collections", "users", "user_groups"):
        watch(type_name, _owner_written)


# -- recording --------------------------------------------------------------------------------------

def _last_activities(ids):
    """{image set id: (kind, digest) of its latest activity}."""
    latest = (select(Activity.image_set_id, func.max(Activity.position).label("position"))
              .where(Activity.image_set_id.in_(list(ids))).group_by(Activity.image_set_id).subquery())
    rows = db.session.execute(select(Activity.image_set_id, Activity.kind, Activity.digest)
                              .join(latest, latest.c.position == Activity.position))
    return {set_id: (kind, digest) for set_id, kind, digest in rows}


def _vanished():
    """Sets the feed holds (latest activity not a Delete) whose rows are gone."""
    latest = (select(Activity.image_set_id, func.max(Activity.position).label("position"))
              .group_by(Activity.image_set_id).subquery())
    return set(db.session.scalars(
        select(Activity.image_set_id).join(latest, latest.c.position == Activity.position)
        .where(Activity.kind != "Delete", Activity.image_set_id.not_in(select(ImageSet.id)))))


def digest(data):
    body = orjson.dumps(manifest(data, _DIGEST_ROOT, provider=False, annotations=False))
    return hashlib.sha256(body).hexdigest()


def record_pending(session):
    pending = session.info.pop(_PENDING, set())
    if session.info.pop(_SWEEP, False):
        pending |= _vanished()
    if not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    last = _last_activities(pending)
    collections = dict(session.execute(
        select(Activity.image_set_id, Activity.collection_id).where(Activity.image_set_id.in_(list(pending)))).all())
    entries = []
    for set_id in sorted(pending):
        data = load_image_set(set_id, ANONYMOUS)
        kind, previous = last.get(set_id, (None, None))
        if data is not None:
            current = digest(data)
            if kind is None:
                entries.append(("Create", set_id, data.collection_id, current))
            elif kind == "Delete":
                entries.append(("Update", set_id, data.collection_id, current))
            elif current != previous:
                entries.append(("Update", set_id, data.collection_id, current))
        elif kind in ("Create", "Update"):
            entries.append(("Delete", set_id, collections[set_id], None))
    if not entries:
        return
    top = session.execute(select(Activity.position, Activity.end_time).order_by(Activity.position.desc())
                          .limit(1)).first()
    position, now = (top[0], top[1]) if top else (0, None)
    now = max(utcnow(), _aware(now)) if now is not None else utcnow()
    for kind, set_id, collection_id, value in entries:
        position += 1
        session.add(Activity(position=position, kind=kind, image_set_id=set_id, collection_id=collection_id,
                             digest=value, end_time=now))
    session.flush()


def _aware(moment):
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    if session.info.get(_PENDING) or session.info.get(_SWEEP):
        record_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, _previous):
    session.info.pop(_PENDING, None)
    session.info.pop(_SWEEP, None)


# -- reading ----------------------------------------------------------------------------------------

def feed_size():
    return db.session.scalar(select(func.coalesce(func.max(Activity.position), 0)))


def page_count(total, size):
    return max(1, -(-total // size))


def ordered_collection(root, size):
    total = feed_size()
    last = page_count(total, size)
    feed = root + FEED_PATH
    return {"@context": DISCOVERY_CONTEXT, "id": feed, "type": "OrderedCollection", "totalItems": total,
            "first": {"id": f"{feed}/pages/1", "type": "OrderedCollectionPage"},
            "last": {"id": f"{feed}/pages/{last}", "type": "OrderedCollectionPage"}}


def _time(moment):
    return _aware(moment).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ordered_page(root, size, number):
    """Page ``number`` (1-based), or None past the last page."""
    total = feed_size()
    last = page_count(total, size)
    if number > last:
        return None
    rows = db.session.execute(
        select(Activity.kind, Activity.image_set_id, Activity.end_time)
        .where(Activity.position > (number - 1) * size, Activity.position <= number * size)
        .order_by(Activity.position)
    ).all()
    feed = root + FEED_PATH
    page = {"@context": DISCOVERY_CONTEXT, "id": f"{feed}/pages/{number}", "type": "OrderedCollectionPage",
            "partOf": {"id": feed, "type": "OrderedCollection"}, "startIndex": (number - 1) * size}
    if number > 1:
        page["prev"] = {"id": f"{feed}/pages/{number - 1}", "type": "OrderedCollectionPage"}
    if number < last:
        page["next"] = {"id": f"{feed}/pages/{number + 1}", "type": "OrderedCollectionPage"}
    page["orderedItems"] = [{"type": kind, "object": {"id": root + manifest_path(set_id), "type": "Manifest"},
                             "endTime": _time(end)} for kind, set_id, end in rows]
    return page
