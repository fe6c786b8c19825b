"""Columns every resource table shares."""
from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
IdType = BigInteger().with_variant(Integer(), "sqlite")


def utcnow():
    return datetime.now(timezone.utc)


def fk(target, ondelete="CASCADE", **kw):
    return mapped_column(IdType, ForeignKey(target, ondelete=ondelete), **kw)


class ResourceMixin:
    """Primary key, timestamps and the optimistic-locking counter behind ETags."""

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        # Every UPDATE checks and bumps lock_version, so two writers that read the
        # same version cannot both win.
        return {"version_id_col": cls.lock_version}

    def touch(self):
        """Mark the row changed (its relations changed), giving it a new version and ETag."""
        self.updated_at = utcnow()
