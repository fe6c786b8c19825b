"""Rights on annotations, read off the image set's rule (app/policies/image_sets.py): whoever may see the
image set sees its annotations; whoever has ``access`` on it annotates; an annotation's creator changes and
deletes it while they keep ``access``; whoever has ``write`` on the set deletes any of its annotations."""
from sqlalchemy import and_, select

from app.models.annotations import Annotation
from app.models.image_sets import ImageSet
from app.policies import ALL, READ, Policy, Rights, forbidden
from app.policies.image_sets import IMAGE_SETS


def set_rights(caller, image_set_id):
    """The caller's rights on one image set, from the family's rule."""
    return IMAGE_SETS.rights_of([image_set_id], caller).get(image_set_id) or Rights(READ)


class AnnotationPolicy(Policy):
    def scope(self, caller, resource):
        live = Annotation.deleted_at.is_(None)
        sets = IMAGE_SETS.visible(caller)
        if sets is None:
            return live
        return and_(live, Annotation.image_set_id.in_(select(ImageSet.id).where(sets)))

    def actions(self, caller, obj):
        on_set = set_rights(caller, obj.image_set_id).policies
        if caller.admin or ("access" in on_set and obj.creator_id == caller.user_id):
            return ALL
        if "write" in on_set:
            return READ | {"destroy"}
        return READ

    def may_create(self, caller, obj, inp):
        if "access" not in set_rights(caller, obj.image_set_id).policies:
            raise forbidden("create", detail="Only the people the image set's collection is shared with may "
                            "annotate its images.")
