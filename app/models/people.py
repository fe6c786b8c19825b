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


ACCESS = "access"
REFRESH = "refresh"


class OAuthClient(db.Model):
    """A registered client application; the password and refresh grants name one by its public id."""

    __tablename__ = "oauth_clients"
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class Token(db.Model):
    """An access or refresh token (only its digest). Tokens issued together share a family, so reusing a
    rotated refresh token can revoke everything that grant produced."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = fk("users.id", nullable=False, index=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=ACCESS, server_default=ACCESS)
    family: Mapped[str | None] = mapped_column(String(64), index=True)
    client_id: Mapped[int | None] = fk("oauth_clients.id", ondelete="CASCADE", index=True)
    # set when a refresh token has been exchanged; a second exchange is a replay
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user = relationship(User, lazy="joined")

    __table_args__ = (CheckConstraint(f"kind in ('{ACCESS}', '{REFRESH}')", name="kind"),)


class UserSession(db.Model):
    """A browser sign-in; the session cookie holds the id whose digest is stored, so signing out ends
    it on the server and not only in the browser."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = fk("users.id", nullable=False, index=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


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
