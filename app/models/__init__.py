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
from app.models.jobs import Job  # noqa: F401,E402
from app.models.activities import Activity  # noqa: F401,E402
from app.models import list_indexes  # noqa: F401,E402 - the indexes behind list orders, on the tables above
