"""Rights in the Image sets family (API §7.2).

Collection: its owners have access, write, manage, delete; a collaborator access and write; any
other collection role access. Image set: its creator has all four; the collection's owners access,
write, delete; others the collection is shared with access. A published image set is readable by
anyone (with no rights beyond reading). Only the creator publishes (manage).
"""
from sqlalchemy import or_, select, true

from app.extensions import db
from app.models import Collection, CollectionRole
from app.models.image_sets import Image, ImageSet, ImageSetImage, Publication
from app.policies import ALL, READ, Policy, forbidden, member_groups
from app.policies.collections import caller_columns, roles_on

IMAGE_SET_RIGHTS = ("access", "write", "manage", "delete")


def collection_people(caller):
    """Condition on collections: the caller owns it (directly or through a group) or holds a role on it."""
    return or_(
        Collection.owner_user_id == caller.user_id,
        Collection.owner_group_id.in_(member_groups(caller.user_id)),
        Collection.id.in_(select(CollectionRole.collection_id).where(CollectionRole.user_id == caller.user_id)),
    )


def published_sets():
    return select(Publication.image_set_id).where(Publication.active == true())


def image_set_scope(caller):
    if caller.admin:
        return None
    if caller.anonymous:
        return ImageSet.id.in_(published_sets())
    return or_(
        ImageSet.creator_id == caller.user_id,
        ImageSet.collection_id.in_(select(Collection.id).where(collection_people(caller))),
        ImageSet.id.in_(published_sets()),
    )


def rights_for(caller, creator_id, owns_collection, has_role):
    if caller.admin or (creator_id is not None and creator_id == caller.user_id):
        return list(IMAGE_SET_RIGHTS)
    if owns_collection:
        return ["access", "write", "delete"]
    if has_role:
        return ["access"]
    return []


def image_set_policies(ids, caller):
    """``policies`` of a page of image sets, in one statement."""
    owns, roles = caller_columns(caller)
    rows = db.session.execute(
        select(ImageSet.id, ImageSet.creator_id, owns, roles)
        .join(Collection, Collection.id == ImageSet.collection_id)
        .where(ImageSet.id.in_(list(ids)))
    )
    # an `owner` collection role gives the owner's rights, as ImageSetPolicy.rights (roles_on) does
    return {i: rights_for(caller, creator, bool(own) or "owner" in (held or []), held is not None)
            for i, creator, own, held in rows}


def actions_from_rights(rights):
    actions = set(READ)  # whoever sees an image set may read it
    if "write" in rights:
        actions |= {"update", "link", "unlink"}
    if "delete" in rights:
        actions.add("destroy")
    return actions


class ImageSetPolicy(Policy):
    def scope(self, caller, resource):
        return image_set_scope(caller)

    def rights(self, caller, obj):
        if caller.admin:
            return list(IMAGE_SET_RIGHTS)
        collection = db.session.get(Collection, obj.collection_id)
        roles = roles_on(caller, collection) if collection is not None else set()
        return rights_for(caller, obj.creator_id, "owner" in roles, bool(roles))

    def actions(self, caller, obj):
        return ALL if caller.admin else actions_from_rights(self.rights(caller, obj))

    def may_create(self, caller, obj, inp):
        collection = db.session.get(Collection, obj.collection_id)
        if not caller.admin and not roles_on(caller, collection):
            raise forbidden("create", detail="Only the collection's owners and the people it is shared with "
                            "may add image sets to it.")


class ImagePolicy(Policy):
    """Images are seen by their creator and by whoever may see an image set holding them."""

    def scope(self, caller, resource):
        if caller.admin:
            return None
        in_visible_sets = Image.id.in_(
            select(ImageSetImage.image_id).join(ImageSet, ImageSet.id == ImageSetImage.image_set_id)
            .where(image_set_scope(caller))
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
