"""Storing a read IIIF manifest as a new image set with its images, in the caller's transaction.

A fixed number of statements whatever the number of canvases: the set's row, one statement that
reserves the image ids, one multi-row insert of the images and one of their places in the set.
Memory holds one manifest's rows.
"""
from sqlalchemy import func, insert, select, text

from app.engine.relations import insert_links
from app.extensions import db
from app.models.base import utcnow
from app.models.image_sets import Image, ImageSet, ImageSetImage

NAME_MAX = 500


def allocate_ids(table, count):
    """Reserve ``count`` consecutive-or-not ids for new rows of ``table``, in one statement."""
    if count == 0:
        return []
    if db.engine.dialect.name == "postgresql":
        sequence = text(f"pg_get_serial_sequence('{table.name}', 'id')")
        rows = db.session.execute(
            select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        ).scalars().all()
        return list(rows)
    # SQLite: the set's INSERT earlier in this transaction holds the database's write lock, so no
    # other writer can take these ids before the commit.
    start = db.session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one() + 1
    return list(range(start, start + count))


def store_manifest(manifest, collection_id, creator_id, progress=None):
    """Insert the image set and its images; returns the new set's id. The caller commits."""
    image_set = ImageSet(collection_id=collection_id, creator_id=creator_id,
                         name=(manifest.name or "Untitled manifest")[:NAME_MAX],
                         description=manifest.description or "", attribution=manifest.attribution or "")
    db.session.add(image_set)
    db.session.flush()
    ids = allocate_ids(Image.__table__, len(manifest.images))
    now = utcnow()
    images, places = [], []
    for image_id, image in zip(ids, manifest.images):
        images.append({
            "id": image_id, "creator_id": creator_id, "name": image.get("name") or "",
            "description": image.get("description") or "", "uri": image.get("uri"), "kind": image["kind"],
            "iiif_url": image.get("iiif_url"), "api_version": image.get("api_version"),
            "service_level": image.get("service_level"), "mime_type": image.get("mime_type"),
            "width": image.get("width"), "height": image.get("height"), "weight": image.get("weight") or 0,
            "metadata": image.get("metadata") or [], "created_at": now, "updated_at": now, "lock_version": 1,
        })
        places.append({"image_set_id": image_set.id, "image_id": image_id})
        if progress is not None:
            progress(1)
    if images:
        db.session.execute(insert(Image.__table__), images)
        insert_links(ImageSetImage.__table__, places)
    return image_set.id


__all__ = ["allocate_ids", "store_manifest"]

