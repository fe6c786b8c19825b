"""images, image_sets (nested in collections), languages and publications (API §7.2)."""
from sqlalchemy import func, select

from app.engine.body import resolve_targets, Input
from app.engine.errors import invalid
from app.engine.filters import Equals
from app.engine.nesting import Parent
from app.engine.relations import ToMany, ToOne
from app.engine.resource import Resource
from app.operations import CREATE, UPDATE
from app.extensions import db
from app.models.image_sets import Image, ImageSet, ImageSetImage, ImageSetLanguage, Language, Publication
from app.policies import forbidden
from app.policies.image_sets import ImagePolicy, ImageSetPolicy, PublicationPolicy, image_set_policies
from app.policies import PublicReadPolicy
from app.services.iiif import thumbnail_url
from app.services.iiif_export import MANIFEST_PATH
from schemas.image_sets import ImageSchema, ImageSetSchema, LanguageSchema, PublicationSchema

ISI = ImageSetImage
def thumbnails(ids, caller):
    """The first image in the set's own order (its link rows' ids) of each image set of a page, in one
    statement; an image's weight orders the images list, not a set."""
    first = (
        select(ISI.image_id).where(ISI.image_set_id == ImageSet.id).order_by(ISI.id).limit(1).scalar_subquery()
    )
    rows = db.session.execute(
        select(ImageSet.id, Image.kind, Image.uri, Image.iiif_url, Image.api_version, Image.service_level,
               Image.width)
        .join(Image, Image.id == first)
        .where(ImageSet.id.in_(list(ids)))
    )
    return {row[0]: thumbnail_url(*row[1:]) for row in rows}


def image_counts(ids, caller):
    rows = db.session.execute(
        select(ISI.image_set_id, func.count()).where(ISI.image_set_id.in_(list(ids))).group_by(ISI.image_set_id)
    )
    counts = dict(rows.all())
    return {i: counts.get(i, 0) for i in ids}


def languages_by_code(value, pointer):
    """``allowed_languages`` given as a list of codes → language linkage; unknown codes → 422."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(pointer, "allowed_languages: must be a list of language codes.")
    codes = list(dict.fromkeys(v.strip().lower() for v in value))
    found = dict(db.session.execute(select(Language.code, Language.id).where(Language.code.in_(codes))).all())
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise invalid(pointer, f"allowed_languages: unknown language codes: {', '.join(unknown)}.",
                      code="unknown_language")
    return [("languages", found[c]) for c in codes]


publication_id = (
    select(Publication.id).where(Publication.image_set_id == ImageSet.id).scalar_subquery().label("publication_id")
)


class Images(Resource):
    type = "images"
    model = Image
    schema = ImageSchema
    policy = ImagePolicy()
    relations = {"owner": ToOne(Image.creator_id)}
    filters = {"kind": Equals(Image.kind)}
    sorts = ("weight", "name", "created_at", "updated_at")

    def prepare(self, write):
        obj, values = write.obj, write.values
        if write.creating:
            obj.creator_id = write.caller.user_id
        if write.kind not in (CREATE, UPDATE):
            return
        image = {k: values.get(k, getattr(obj, k)) for k in ("kind", "uri", "iiif_url")}
        kind = image["kind"] or "image"
        if kind == "iiif" and not image["iiif_url"]:
            raise invalid(write.pointer("iiif_url"), "iiif_url: an iiif image needs its service URL.")
        if kind == "image" and not image["uri"]:
            raise invalid(write.pointer("uri"), "uri: an image needs the URL of its file.")


class ImageSets(Resource):
    type = "image_sets"
    model = ImageSet
    schema = ImageSetSchema
    policy = ImageSetPolicy()
    relations = {
        "collection": ToOne(ImageSet.collection_id),
        "owner": ToOne(ImageSet.creator_id),
        "images": ToMany(ISI.image_set_id, ISI.image_id, ISI.id, param="image_set_id",
                         add_action="link", remove_action="unlink"),
        "allowed_languages": ToMany(ImageSetLanguage.image_set_id, ImageSetLanguage.language_id,
                                    ImageSetLanguage.id, param="image_set_id"),
        "publication": ToOne(publication_id),
    }
    filters = {"collection_id": Equals(ImageSet.collection_id, "id")}
    sorts = ("name", "created_at", "updated_at")
    computed = {"thumbnail": thumbnails, "image_count": image_counts, "policies": image_set_policies}
    attribute_relations = {"allowed_languages": languages_by_code}
    delete_answers_document = True
    document_links = {"manifest": (MANIFEST_PATH, "iiif_manifests")}

    parent = Parent("collections", ImageSet.collection_id, "image-sets", flat="image_sets")

    def visible_collection(self, collection_id, caller):
        """The collection of a nested URL if the caller may see it, else 404."""
        return self.parent.visible(collection_id, caller)

    def prepare(self, write):
        if write.creating:
            write.obj.creator_id = write.caller.user_id

    def finish(self, write):
        obj, inputs, caller = write.obj, write.inputs, write.caller
        if inputs.get("image_ids"):
            add_images(obj.id, inputs["image_ids"], caller, write.pointer("image_ids"))
        if "published" in inputs:
            if inputs["published"] and "publish" not in self.policy.actions(caller, obj):
                raise forbidden("publish", detail="Only the image set's creator may publish it.")
            if not inputs["published"] and "unpublish" not in self.policy.actions(caller, obj):
                raise forbidden("unpublish", detail="Only the image set's creator and the collection's owners "
                                "may unpublish it.")
            set_published(obj.id, inputs["published"])


def add_images(image_set_id, ids, caller, pointer):
    """``image_ids``: add these images (each must be visible), keeping ones already in the set."""
    inp = Input(relations={"image_ids": [("images", i) for i in ids]}, pointers={"image_ids": pointer})
    resolve_targets(inp, caller)
    relation = ImageSets.relations["images"]
    present = relation.present(image_set_id, ids)
    relation.add(image_set_id, [i for i in dict.fromkeys(ids) if i not in present])


def set_published(image_set_id, published):
    """Publish (create or re-activate the one publication) or unpublish (deactivate it)."""
    existing = db.session.execute(select(Publication).where(Publication.image_set_id == image_set_id)).scalar()
    if existing is None:
        if published:
            db.session.add(Publication(image_set_id=image_set_id, active=True))
            db.session.flush()
    elif existing.active != published:
        existing.active = published


class Languages(Resource):
    type = "languages"
    model = Language
    schema = LanguageSchema
    policy = PublicReadPolicy()
    relations = {}
    filters = {"code": Equals(Language.code, ignore_case=True)}
    sorts = ("code", "name")
    creatable = False
    deletable = False


class Publications(Resource):
    type = "publications"
    model = Publication
    schema = PublicationSchema
    policy = PublicationPolicy()
    relations = {"image_set": ToOne(Publication.image_set_id)}
    filters = {"active": Equals(Publication.active, "bool")}
    sorts = ("created_at", "updated_at")
    creatable = False
    deletable = False
