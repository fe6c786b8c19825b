"""Jobs: long writes run off the request path (``Prefer: respond-async``), as the API serves them.

The queue library moves and runs the work; this row is what a client polls: its status, timestamps,
progress, the error objects of a failure and, once completed, the resource it made. ``attempt`` is the
claim of the worker running it: only the holder of the current attempt may record a result, in the same
transaction as the job's writes, so a job retried after a lost worker is applied once.
"""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import IdType, ResourceMixin, fk

QUEUED, RUNNING, COMPLETED, FAILED = "queued", "running", "completed", "failed"
STATUSES = (QUEUED, RUNNING, COMPLETED, FAILED)
FINISHED = (COMPLETED, FAILED)


class Job(ResourceMixin, db.Model):
    __tablename__ = "jobs"
    __sorted__ = ("created_at", "updated_at")   # the list indexes (app/models/list_indexes.py)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=QUEUED)
    creator_id: Mapped[int] = fk("users.id", nullable=False)
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    errors: Mapped[list | None] = mapped_column(JSON)
    result_type: Mapped[str | None] = mapped_column(String(40))
    result_id: Mapped[int | None] = mapped_column(IdType)
    result_path: Mapped[str | None] = mapped_column(String(200))
    result_meta: Mapped[dict | None] = mapped_column(JSON)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'completed', 'failed')", name="status"),
        Index("ix_jobs_creator", "creator_id", "id"),
        Index("ix_jobs_status_heartbeat", "status", "heartbeat_at"),
        Index("ix_jobs_finished", "finished_at"),
    )
