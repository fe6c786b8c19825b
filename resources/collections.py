"""collections, subjects and collection_roles (API §7.1)."""
import re

from sqlalchemy import and_, false, func, or_, select, update

from app.engine.errors import ApiError
from app.engine.filters import Custom, Equals
from app.engine.relations import ToMany, ToOne
from app.engine.resource import Resource, SqlAttribute
from app.extensions import db
from app.models import Collection, CollectionRole, CollectionSubject, Subject
from app.policies import OwnedPolicy
from app.policies.collections import CollectionPolicy, CollectionRolePolicy, collection_policies
from app.services.iiif_export import COLLECTION_PATH
from resources.owners import default_owner, owner_filter, owner_name, owner_relation
from schemas.collections import CollectionRoleSchema, CollectionSchema, SubjectSchema

CS = CollectionSubject


def default_name(display_name):
    """"Spring flowers x!" → "spring_flowers_x"."""
    return re.sub(r"[\W_]+", "_", display_name.lower()).strip("_")


def first_location_url(locations):
    if locations and isinstance(locations[0], dict) and locations[0]:
        return next(iter(locations[0].values()))
    return None


def default_subject_locations():
    """The default subject's locations, else the first linked subject's, as a column of the collection's row
    (its first location is the ``default_subject_src``). Correlated to ``collections`` alone, so that a list
    joined to the link table (``?subject_id=``) still reads the collection's own first link."""
    first_linked = (
        select(CS.subject_id).where(CS.collection_id == Collection.id).order_by(CS.id).limit(1)
        .correlate(Collection).scalar_subquery()
    )
    return (select(Subject.locations).where(Subject.id == func.coalesce(Collection.default_subject_id, first_linked))
            .correlate(Collection).scalar_subquery())


def collection_slug():
    """``<owner login or group name>/<name>``, read with the row (one more column, not one more statement),
    from the current rows so renames show at once."""
    return owner_name(Collection).concat("/").concat(Collection.name)


def slug_filter(values, caller):
    """``slug=alice/spring_flowers`` (case-insensitive, comma lists allowed); a value without '/' matches
    nothing."""
    wanted = [value.lower().split("/", 1) for value in values if "/" in value]
    if not wanted:
        return false()
    return or_(*(and_(func.lower(owner_name(Collection)) == owner, func.lower(Collection.name) == name)
                 for owner, name in wanted))


class Collections(Resource):
    type = "collections"
    model = Collection
    schema = CollectionSchema
    policy = CollectionPolicy()
    document_links = {"iiif_collection": (COLLECTION_PATH, "iiif_collections")}
    relations = {
        "owner": owner_relation(Collection),
        "subjects": ToMany(CS.collection_id, CS.subject_id, CS.id, param="collection_id",
                           add_action="link", remove_action="unlink"),
        "default_subject": ToOne(Collection.default_subject_id, add_action="link", remove_action="unlink"),
    }
    filters = {
        "display_name": Equals(Collection.display_name),
        "favorite": Equals(Collection.favorite, "bool"),
        "owner": owner_filter(Collection),
        "slug": Custom(slug_filter),
    }
    sorts = ("display_name", "created_at", "updated_at")
    computed = {"default_subject_src": SqlAttribute(default_subject_locations(), first_location_url),
                "policies": collection_policies,
                "slug": collection_slug()}

    def prepare(self, write):
        if write.creating:
            default_owner(write)
            if not write.values.get("name"):
                write.obj.name = default_name(write.obj.display_name)
        elif "favorite" in write.values and write.values["favorite"] != write.obj.favorite:
            raise ApiError(422, "favorite: is set when the collection is created and cannot be changed.",
                           code="read_only", pointer=write.pointer("favorite"))

    def finish(self, write):
        """The default subject stays one of the subjects."""
        if "subjects" not in write.unlinked:
            return
        parent_id = write.obj.id
        members = select(CS.subject_id).where(CS.collection_id == parent_id)
        db.session.execute(
            update(Collection)
            .where(and_(Collection.id == parent_id, Collection.default_subject_id.is_not(None),
                        Collection.default_subject_id.not_in(members)))
            .values(default_subject_id=None)
        )


class Subjects(Resource):
    type = "subjects"
    model = Subject
    schema = SubjectSchema
    policy = OwnedPolicy()
    relations = {
        "owner": owner_relation(Subject),
        "collections": ToMany(CS.subject_id, CS.collection_id, CS.id, param="subject_id"),
    }
    filters = {"owner": owner_filter(Subject)}
    sorts = ("created_at", "updated_at")

    def prepare(self, write):
        if write.creating:
            default_owner(write)


class CollectionRoles(Resource):
    type = "collection_roles"
    model = CollectionRole
    schema = CollectionRoleSchema
    policy = CollectionRolePolicy()
    create_needs = ("collection", "user")  # a role is one user's on one collection (else 422)
    relations = {
        "collection": ToOne(CollectionRole.collection_id),
        "user": ToOne(CollectionRole.user_id),
    }
    filters = {
        "collection_id": Equals(CollectionRole.collection_id, "id"),
        "user_id": Equals(CollectionRole.user_id, "id"),
    }
    sorts = ("created_at", "updated_at")
