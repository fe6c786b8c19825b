"""Database models. Importing this package registers every table on the metadata."""
from app.models.collections import Collection, CollectionRole, CollectionSubject, Subject  # noqa: F401
from app.models.people import Membership, OAuthClient, OwnerName, Token, User, UserGroup, UserSession  # noqa: F401
from app.models import owner_names  # noqa: F401,E402 - registers the name-keeping events
from app.models.image_sets import (  # noqa: F401
    Image, ImageSet, ImageSetImage, ImageSetLanguage, Language, Publication,
)
from app.models.sets import (  # noqa: F401
    DataTable, Document, Layer, Publish, Set, SetItem, SetPermission, SetVersion, SetVersionItem,
)


def _import_every_model_module():
    """A family's model module registers its tables by being here: none is listed by hand. The list indexes
    are declared on the tables, so their module comes last."""
    import importlib
    import pkgutil

    names = sorted(m.name for m in pkgutil.iter_modules(__path__))
    for name in [n for n in names if n != "list_indexes"] + ["list_indexes"]:
        importlib.import_module(f"{__name__}.{name}")


_import_every_model_module()
