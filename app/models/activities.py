"""The IIIF Change Discovery feed's activities: one row per Create, Update or Delete of a public image set's
manifest, appended in the transaction of the change."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import IdType

ACTIVITY_KINDS = ("Create", "Update", "Delete")


class Activity(db.Model):
    """``position`` numbers the feed without gaps (1, 2, …) in commit order, so its pages are fixed ranges;
    the set's id carries no foreign key, since a Delete outlives the set it records."""

    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    image_set_id: Mapped[int] = mapped_column(IdType, nullable=False)
    collection_id: Mapped[int] = mapped_column(IdType, nullable=False)
    # what the manifest said when this was recorded (null for a Delete): an Update is recorded only when it changed
    digest: Mapped[str | None] = mapped_column(String(64))
    end_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        CheckConstraint("kind in ('Create', 'Update', 'Delete')", name="kind"),
        Index("ix_activities_image_set", "image_set_id", "position"),
        Index("ix_activities_collection", "collection_id"),
    )
