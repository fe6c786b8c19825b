"""The Collections family: collections of subjects, and the roles people hold on them."""
from sqlalchemy import JSON, Boolean, CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.extensions import db
from app.models.base import IdType, ResourceMixin, fk

COLLECTION_ROLES = ("owner", "collaborator", "contributor", "viewer")


class OwnedMixin:
    """Owned by exactly one user or one user group."""

    @declared_attr
    def owner_user_id(cls) -> Mapped[int | None]:
        return fk("users.id", index=True)

    @declared_attr
    def owner_group_id(cls) -> Mapped[int | None]:
        return fk("user_groups.id", index=True)

    @declared_attr.directive
    def __table_args__(cls):
        return (
            CheckConstraint(
                "(owner_user_id IS NULL) <> (owner_group_id IS NULL)", name="one_owner"
            ),
        )


class Subject(OwnedMixin, ResourceMixin, db.Model):
    __tablename__ = "subjects"
    locations: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    metadata_: Mapped[dict] = mapped_column("metadata", JSON, nullable=False, default=dict)


class Collection(OwnedMixin, ResourceMixin, db.Model):
    __tablename__ = "collections"
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    display_name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    private: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    favorite: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    default_subject_id: Mapped[int | None] = fk("subjects.id", ondelete="SET NULL")


class CollectionSubject(db.Model):
    """A subject's place in a collection; the id keeps the order subjects were linked in."""

    __tablename__ = "collection_subjects"
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    collection_id: Mapped[int] = fk("collections.id", nullable=False)
    subject_id: Mapped[int] = fk("subjects.id", nullable=False, index=True)

    __table_args__ = (
        UniqueConstraint("collection_id", "subject_id", name="uq_collection_subjects_pair"),
        # Reads a collection's subjects in link order without sorting them all.
        Index("ix_collection_subjects_order", "collection_id", "id"),
    )


class CollectionRole(ResourceMixin, db.Model):
    __tablename__ = "collection_roles"
    collection_id: Mapped[int] = fk("collections.id", nullable=False)
    user_id: Mapped[int] = fk("users.id", nullable=False, index=True)
    roles: Mapped[list] = mapped_column(JSON, nullable=False, default=list)

    __table_args__ = (UniqueConstraint("collection_id", "user_id", name="uq_collection_roles_pair"),)
