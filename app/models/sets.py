"""The Sets family: layers, tables and documents, sets of them, their versions, publish tasks and grants."""
from sqlalchemy import JSON, Boolean, CheckConstraint, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.extensions import db
from app.models.base import IdType, ResourceMixin, fk
from app.models.collections import OwnedMixin

VERSION_STATES = ("draft", "publishing", "published", "superseded", "discarded")
PUBLISH_STATES = ("publishing", "completed", "errored")
PERMISSIONS = ("view", "edit", "admin")
ITEM_TYPES = ("layers", "tables", "documents")


class ItemMixin(OwnedMixin, ResourceMixin):
    title: Mapped[str] = mapped_column(String(1000), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Layer(ItemMixin, db.Model):
    __tablename__ = "layers"


class DataTable(ItemMixin, db.Model):
    __tablename__ = "tables"


class Document(ItemMixin, db.Model):
    __tablename__ = "documents"


class SetContent:
    """What a version holds, and what a set shows (a copy of its shown version's content)."""

    title: Mapped[str] = mapped_column(String(1000), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    categories: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    tags: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    metadata_: Mapped[dict | None] = mapped_column("metadata", JSON, nullable=True)
    publish_to_catalog_services: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


CONTENT_FIELDS = ("title", "description", "description_html", "categories", "tags", "metadata_",
                  "publish_to_catalog_services")


class Set(SetContent, OwnedMixin, ResourceMixin, db.Model):
    """A set; its content columns and items are a copy of the version it shows (the published one, or
    the draft while it was never published), kept by app/services/set_publishing.py.

    The two version pointers carry no foreign key: versions belong to the set (they cascade with it),
    and a key each way would make the tables depend on each other.
    """

    __tablename__ = "sets"
    latest_version_id: Mapped[int | None] = mapped_column(IdType)
    published_version_id: Mapped[int | None] = mapped_column(IdType, index=True)


class ItemLinkMixin:
    """One row per item of a set or version: exactly one of the three item columns is set; the row id
    keeps the items' order."""

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)

    @declared_attr
    def layer_id(cls) -> Mapped[int | None]:
        return fk("layers.id", index=True)

    @declared_attr
    def table_id(cls) -> Mapped[int | None]:
        return fk("tables.id", index=True)

    @declared_attr
    def document_id(cls) -> Mapped[int | None]:
        return fk("documents.id", index=True)


ONE_ITEM = " + ".join(f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)"
                      for column in ("layer_id", "table_id", "document_id")) + " = 1"


class SetItem(ItemLinkMixin, db.Model):
    __tablename__ = "set_items"
    set_id: Mapped[int] = fk("sets.id", nullable=False)

    __table_args__ = (
        CheckConstraint(ONE_ITEM, name="one_item"),
        UniqueConstraint("set_id", "layer_id", name="uq_set_items_layer"),
        UniqueConstraint("set_id", "table_id", name="uq_set_items_table"),
        UniqueConstraint("set_id", "document_id", name="uq_set_items_document"),
        Index("ix_set_items_order", "set_id", "id"),
    )


ACTIVE_DRAFT = text("state IN ('draft', 'publishing')")
CURRENT = text("state = 'published'")


class SetVersion(SetContent, ResourceMixin, db.Model):
    __tablename__ = "set_versions"
    set_id: Mapped[int] = fk("sets.id", nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    created_by_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=True)

    __table_args__ = (
        CheckConstraint("state IN ('draft', 'publishing', 'published', 'superseded', 'discarded')", name="state"),
        Index("ix_set_versions_set", "set_id", "id"),
        # At most one active draft and one published version per set, whatever requests race.
        Index("uq_set_versions_one_draft", "set_id", unique=True, sqlite_where=ACTIVE_DRAFT,
              postgresql_where=ACTIVE_DRAFT),
        Index("uq_set_versions_one_published", "set_id", unique=True, sqlite_where=CURRENT,
              postgresql_where=CURRENT),
    )


class SetVersionItem(ItemLinkMixin, db.Model):
    __tablename__ = "set_version_items"
    version_id: Mapped[int] = fk("set_versions.id", nullable=False)

    __table_args__ = (
        CheckConstraint(ONE_ITEM, name="one_item"),
        UniqueConstraint("version_id", "layer_id", name="uq_set_version_items_layer"),
        UniqueConstraint("version_id", "table_id", name="uq_set_version_items_table"),
        UniqueConstraint("version_id", "document_id", name="uq_set_version_items_document"),
        Index("ix_set_version_items_order", "version_id", "id"),
    )


class Publish(ResourceMixin, db.Model):
    """A publish task: ``completed`` at once when published in the request; ``publishing`` while a job
    (Prefer: respond-async) runs it, then ``completed`` or ``errored``."""

    __tablename__ = "publishes"
    set_id: Mapped[int] = fk("sets.id", nullable=False, index=True)
    version_id: Mapped[int] = fk("set_versions.id", nullable=False, index=True)
    created_by_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=True)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="publishing")
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint("state IN ('publishing', 'completed', 'errored')", name="state"),)


class SetPermission(ResourceMixin, db.Model):
    """A direct grant; implicit rights (owners, owning groups, admins) are never stored."""

    __tablename__ = "set_permissions"
    set_id: Mapped[int] = fk("sets.id", nullable=False)
    principal: Mapped[str] = mapped_column(String(40), nullable=False)
    permission: Mapped[str] = mapped_column(String(10), nullable=False)

    __table_args__ = (
        CheckConstraint("permission IN ('view', 'edit', 'admin')", name="permission"),
        CheckConstraint("principal <> 'group.everyone' OR permission = 'view'", name="everyone_views"),
        UniqueConstraint("set_id", "principal", name="uq_set_permissions_principal"),
        Index("ix_set_permissions_principal", "principal", "set_id"),
    )
