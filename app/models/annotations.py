"""Annotations on the images of an image set (W3C Web Annotation Data Model: a motivation, one textual body,
the image as target with an optional region)."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import ResourceMixin, fk

# the W3C motivations (https://www.w3.org/TR/annotation-model/#motivation-and-purpose); IIIF's painting and
# supplementing are the manifest's own, never a client's annotation
MOTIVATIONS = ("assessing", "bookmarking", "classifying", "commenting", "describing", "editing", "highlighting",
               "identifying", "linking", "moderating", "questioning", "replying", "tagging")


class Annotation(ResourceMixin, db.Model):
    __tablename__ = "annotations"
    __sorted__ = ("created_at", "updated_at")   # the list indexes (app/models/list_indexes.py)
    image_set_id: Mapped[int] = fk("image_sets.id", nullable=False)
    image_id: Mapped[int] = fk("images.id", nullable=False, index=True)
    creator_id: Mapped[int] = fk("users.id", nullable=False, index=True)
    motivation: Mapped[str] = mapped_column(String(20), nullable=False)
    body: Mapped[dict] = mapped_column(JSON, nullable=False)
    # the body's language, a column of its own for the language filter
    language: Mapped[str | None] = mapped_column(String(16))
    selector: Mapped[str | None] = mapped_column(String(100))
    # a deleted annotation stays as a tombstone, so its IRI is never reused and answers 410 Gone
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("motivation in (" + ", ".join(f"'{m}'" for m in MOTIVATIONS) + ")", name="motivation"),
        Index("ix_annotations_set_order", "image_set_id", "id"),
        {"sqlite_autoincrement": True},
    )
