"""users and user_groups."""
from sqlalchemy import select, update

from app.auth import revoke_other_credentials
from app.engine.errors import ApiError
from app.engine.filters import Equals
from app.engine.relations import ToMany
from app.engine.resource import Resource
from app.operations import UPDATE
from app.extensions import db
from app.models import Membership, User, UserGroup
from app.models.owner_names import name_taken
from app.models.people import GROUP_ADMIN
from app.policies import UserGroupPolicy, UserPolicy
from schemas.people import UserGroupSchema, UserSchema


class Users(Resource):
    type = "users"
    model = User
    schema = UserSchema
    policy = UserPolicy()
    relations = {
        "user_groups": ToMany(Membership.user_id, Membership.user_group_id, Membership.id, param="user_id"),
    }
    filters = {"login": Equals(User.login, ignore_case=True)}
    sorts = ("login", "display_name", "created_at", "updated_at")

    def prepare(self, write):
        if write.kind != UPDATE:
            return
        if "login" in write.values:
            refuse_taken_name("login", write.values["login"], write.pointer("login"), user_id=write.obj.id)
        if "password" in write.values:
            # a new password ends every other way in: tokens and browser sessions, but the caller's own
            caller = write.caller
            keep = caller.token_id if caller.user_id == write.obj.id else None
            revoke_other_credentials(write.obj.id, keep)

    def redact(self, attributes, row, caller):
        if not (caller.admin or caller.user_id == row[0]):
            attributes.pop("email", None)
        return attributes


class UserGroups(Resource):
    type = "user_groups"
    model = UserGroup
    schema = UserGroupSchema
    policy = UserGroupPolicy()
    relations = {
        "users": ToMany(Membership.user_group_id, Membership.user_id, Membership.id, param="user_group_id",
                        add_action="link", remove_action="unlink"),
    }
    filters = {"name": Equals(UserGroup.name, ignore_case=True)}
    sorts = ("name", "display_name", "created_at", "updated_at")

    def prepare(self, write):
        if write.creating:
            refuse_taken_name("name", write.obj.name, write.pointer("name"))
            if not write.obj.display_name:
                write.obj.display_name = write.obj.name
        elif write.kind == UPDATE and "name" in write.values:
            refuse_taken_name("name", write.values["name"], write.pointer("name"), user_group_id=write.obj.id)

    def finish(self, write):
        """The creator administers the new group."""
        if not write.creating:
            return
        obj, caller = write.obj, write.caller
        existing = db.session.execute(
            select(Membership.id).where(Membership.user_group_id == obj.id, Membership.user_id == caller.user_id)
        ).first()
        if existing:
            db.session.execute(update(Membership).where(Membership.id == existing[0]).values(role=GROUP_ADMIN))
        else:
            db.session.add(Membership(user_group_id=obj.id, user_id=caller.user_id, role=GROUP_ADMIN))


def refuse_taken_name(attribute, name, pointer, **owner):
    """Logins and group names share one namespace (owner_names): a taken one is a 409 with a pointer; the
    database's unique index catches what a concurrent write slips past this check."""
    holder = name_taken(name or "", **owner) if isinstance(name, str) else None
    if holder is not None:
        kind = "user's login" if holder == "user" else "group's name"
        raise ApiError(409, f"{attribute}: '{name}' is already a {kind}; logins and group names are one "
                       "namespace, in any case.", code="name_taken",
                       pointer=pointer)
