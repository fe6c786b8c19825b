"""Users, user groups and their memberships, and bearer tokens."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import IdType, ResourceMixin, fk, utcnow
from app.passwords import hash_password

GROUP_ADMIN = "group_admin"
GROUP_MEMBER = "group_member"


class User(ResourceMixin, db.Model):
    __tablename__ = "users"
    login: Mapped[str] = mapped_column(String(80), nullable=False)
    display_name: Mapped[str] = mapped_column(String(255), nullable=False)
    email: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    @property
    def password(self):
        raise AttributeError("passwords are stored hashed only")

    @password.setter
    def password(self, value):
        self.password_hash = hash_password(value)

    __table_args__ = (Index("uq_users_login_lower", func.lower(login), unique=True),)


class UserGroup(ResourceMixin, db.Model):
    __tablename__ = "user_groups"
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    display_name: Mapped[str] = mapped_column(String(255), nullable=False)

    __table_args__ = (Index("uq_user_groups_name_lower", func.lower(name), unique=True),)


class Membership(db.Model):
    __tablename__ = "memberships"
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    user_group_id: Mapped[int] = fk("user_groups.id", nullable=False)
    user_id: Mapped[int] = fk("users.id", nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default=GROUP_MEMBER)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    __table_args__ = (
        UniqueConstraint("user_group_id", "user_id", name="uq_memberships_group_user"),
        Index("ix_memberships_order", "user_group_id", "id"),
        CheckConstraint(f"role in ('{GROUP_ADMIN}', '{GROUP_MEMBER}')", name="role"),
    )


class Token(db.Model):
    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = fk("users.id", nullable=False, index=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    user = relationship(User, lazy="joined")


class OwnerName(db.Model):
    """One namespace for user logins and group names (``filter[owner]`` matches either, in any case): a row
    per user and per group, written with it (app/models/owner_names.py), and a unique index on the name."""
    __tablename__ = "owner_names"
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    user_id: Mapped[int | None] = fk("users.id", nullable=True, unique=True)
    user_group_id: Mapped[int | None] = fk("user_groups.id", nullable=True, unique=True)

    __table_args__ = (
        Index("uq_owner_names_name_lower", func.lower(name), unique=True),
        CheckConstraint("(user_id IS NULL) <> (user_group_id IS NULL)", name="one_owner"),
    )
