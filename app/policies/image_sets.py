"""Rights in the Image sets family (API §7.2, with the extension below).

Collection: its owners have access, write, manage, delete; a collaborator access and write; any
other collection role access. Image set: its creator has all four while they may still access its
collection (as its owner or with a collection role); the collection's owners access, write, delete,
and they may unpublish any image set in it; others the collection is shared with access. A published
image set is readable by anyone (with no rights beyond reading). Only the creator publishes (manage).
"""
from sqlalchemy import false, null, or_, select, true

from app.extensions import db
from app.models import Collection
from app.models.image_sets import Image, ImageSet, ImageSetImage, Publication
from app.policies import ALL, READ, FamilyRule, Policy, Rights, RulePolicy, forbidden
from app.policies.collections import collection_access, held_roles, owns_collection, with_role

IMAGE_SET_RIGHTS = ("access", "write", "manage", "delete")
WRITING = READ | {"update", "link", "unlink"}
STANDINGS = {
    "creator": Rights(ALL | {"publish", "unpublish"}, IMAGE_SET_RIGHTS),
    "owner": Rights(WRITING | {"destroy", "unpublish"}, ("access", "write", "delete")),
    "shared": Rights(READ, ("access",)),
    None: Rights(READ),   # a published set, no standing
}


def published_sets():
    return select(Publication.image_set_id).where(Publication.active == true())


def standing(caller, creates, owns, roles, shared):
    """The caller's standing on an image set from the facts: it made it, it owns the collection, the roles it
    holds there, it may access the collection."""
    if caller.admin or (creates and shared):
        return "creator"
    if owns or "owner" in (roles or []):
        return "owner"
    return "shared" if shared else None


class ImageSetRule(FamilyRule):
    model = ImageSet
    joins = ((Collection, Collection.id == ImageSet.collection_id),)

    def facts(self, caller):
        if caller.anonymous:
            return false().label("creates"), false().label("owns"), null().label("roles"), false().label("shared")
        return ((ImageSet.creator_id == caller.user_id).label("creates"), owns_collection(caller).label("owns"),
                held_roles(caller).label("roles"), collection_access(caller).label("shared"))

    def grant(self, caller, creates, owns, roles, shared):
        return STANDINGS[standing(caller, creates, owns, roles, shared)]

    def visible(self, caller):
        if caller.admin:
            return None
        if caller.anonymous:
            return ImageSet.id.in_(published_sets())
        shared = select(Collection.id).where(or_(owns_collection(caller), with_role(caller)))
        return or_(ImageSet.collection_id.in_(shared), ImageSet.id.in_(published_sets()))


IMAGE_SETS = ImageSetRule()


def image_set_scope(caller):
    return IMAGE_SETS.visible(caller)


def image_set_policies(ids, caller):
    """``policies`` of a page of image sets, in one statement."""
    return IMAGE_SETS.policies_of(ids, caller)


class ImageSetPolicy(RulePolicy):
    rule = IMAGE_SETS

    def may_create(self, caller, obj, inp):
        collection = db.session.get(Collection, obj.collection_id)
        if not caller.admin and not db.session.scalar(
                select(collection_access(caller)).where(Collection.id == collection.id)):
            raise forbidden("create", detail="Only the collection's owners and the people it is shared with "
                            "may add image sets to it.")


class ImagePolicy(Policy):
    """Images are seen by their creator and by whoever may see an image set holding them."""

    def sees_members_of(self, relation):
        # an image set's images: the set is one the caller sees, so each is in a visible set
        return relation.member_column is ImageSetImage.__table__.c.image_id

    def scope(self, caller, resource):
        if caller.admin:
            return None
        # a correlated EXISTS, not an IN over every visible image: a page read along an index stops early
        in_visible_sets = (
            select(ImageSetImage.id).join(ImageSet, ImageSet.id == ImageSetImage.image_set_id)
            .where(ImageSetImage.image_id == Image.id, image_set_scope(caller)).exists()
        )
        if caller.anonymous:
            return in_visible_sets
        return or_(Image.creator_id == caller.user_id, in_visible_sets)

    def actions(self, caller, obj):
        return ALL if caller.admin or obj.creator_id == caller.user_id else READ

    def may_create(self, caller, obj, inp):
        return None  # any signed-in caller; they become its creator


class PublicationPolicy(Policy):
    """Active publications are public; inactive ones are seen by whoever sees the image set."""

    def scope(self, caller, resource):
        scope = image_set_scope(caller)
        if scope is None:
            return None
        return or_(Publication.active == true(), Publication.image_set_id.in_(select(ImageSet.id).where(scope)))

    def actions(self, caller, obj):
        return READ
