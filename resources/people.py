"""users and user_groups."""
from sqlalchemy import select, update

from app.engine.errors import ApiError
from app.engine.filters import Equals
from app.engine.relations import ToMany
from app.engine.resource import Resource
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

    def before_update(self, obj, values, relations, caller):
        if "login" in values:
            refuse_taken_name(self.type, "login", values["login"], user_id=obj.id)

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

    def before_create(self, obj, values, relations, caller, **parents):
        refuse_taken_name(self.type, "name", obj.name)
        if not obj.display_name:
            obj.display_name = obj.name

    def before_update(self, obj, values, relations, caller):
        if "name" in values:
            refuse_taken_name(self.type, "name", values["name"], user_group_id=obj.id)

    def after_create(self, obj, caller):
        """The creator administers the new group."""
        existing = db.session.execute(
            select(Membership.id).where(Membership.user_group_id == obj.id, Membership.user_id == caller.user_id)
        ).first()
        if existing:
            db.session.execute(update(Membership).where(Membership.id == existing[0]).values(role=GROUP_ADMIN))
        else:
            db.session.add(Membership(user_group_id=obj.id, user_id=caller.user_id, role=GROUP_ADMIN))


def refuse_taken_name(resource_type, attribute, name, **owner):
    """Logins and group names share one namespace (owner_names): a taken one is a 409 with a pointer; the
    database's unique index catches what a concurrent write slips past this check."""
    from resources.image_sets import attribute_pointer

    holder = name_taken(name or "", **owner) if isinstance(name, str) else None
    if holder is not None:
        kind = "user's login" if holder == "user" else "group's name"
        raise ApiError(409, f"{attribute}: '{name}' is already a {kind}; logins and group names are one "
                       "namespace, in any case.", code="name_taken",
                       pointer=attribute_pointer(resource_type, attribute))
