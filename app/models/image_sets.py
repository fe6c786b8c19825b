"""The Image sets family: images, image sets inside collections, languages and publications."""
from sqlalchemy import JSON, Boolean, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import IdType, ResourceMixin, fk

IMAGE_KINDS = ("iiif", "image")
IIIF_VERSIONS = ("v1", "v2", "v3")


class Image(ResourceMixin, db.Model):
    __tablename__ = "images"
    creator_id: Mapped[int] = fk("users.id", nullable=False, index=True)
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    uri: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="image")
    iiif_url: Mapped[str | None] = mapped_column(Text)
    api_version: Mapped[str | None] = mapped_column(String(4))
    # The image service's compliance level (0, 1, 2): which thumbnail sizes it can serve.
    service_level: Mapped[int | None] = mapped_column(Integer)
    mime_type: Mapped[str | None] = mapped_column(String(255))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    metadata_: Mapped[list] = mapped_column("metadata", JSON, nullable=False, default=list)

    __table_args__ = (
        CheckConstraint("kind in ('iiif', 'image')", name="kind"),
        CheckConstraint("api_version is null or api_version in ('v1', 'v2', 'v3')", name="api_version"),
    )


class ImageSet(ResourceMixin, db.Model):
    __tablename__ = "image_sets"
    collection_id: Mapped[int] = fk("collections.id", nullable=False, index=True)
    creator_id: Mapped[int] = fk("users.id", nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(500), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    attribution: Mapped[str] = mapped_column(Text, nullable=False, default="")


class ImageSetImage(db.Model):
    """An image's place in a set; the id keeps the order images were added in."""

    __tablename__ = "image_set_images"
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    image_set_id: Mapped[int] = fk("image_sets.id", nullable=False)
    image_id: Mapped[int] = fk("images.id", nullable=False, index=True)

    __table_args__ = (
        UniqueConstraint("image_set_id", "image_id", name="uq_image_set_images_pair"),
        Index("ix_image_set_images_order", "image_set_id", "id"),
    )


class Language(ResourceMixin, db.Model):
    __tablename__ = "languages"
    code: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)


class ImageSetLanguage(db.Model):
    __tablename__ = "image_set_languages"
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    image_set_id: Mapped[int] = fk("image_sets.id", nullable=False)
    language_id: Mapped[int] = fk("languages.id", nullable=False, index=True)

    __table_args__ = (UniqueConstraint("image_set_id", "language_id", name="uq_image_set_languages_pair"),)


class Publication(ResourceMixin, db.Model):
    """One per image set: re-publishing re-activates it, so its id (and public URL) stays."""

    __tablename__ = "publications"
    image_set_id: Mapped[int] = fk("image_sets.id", nullable=False, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
