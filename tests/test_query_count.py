"""The number of SQL statements a read runs depends on the request's shape, never on how many rows
it returns or how many rows are related to them (X-Query-Count, QUERY_COUNT_HEADER=True in tests)."""
import pytest

from tests.conftest import JSONAPI, PANOPTES
from tests.reading_seed import make_collection, make_subject


def count(client, url, accept, person=None):
    headers = {"Accept": accept}
    if person is not None:
        headers["Authorization"] = f"Bearer {person.token}"
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.headers["X-Query-Count"]), response.get_json()


@pytest.fixture
def seeded(client, people):
    """105 collections owned by two users and two groups, each with 0-4 subjects of mixed owners."""
    alice = people.user("alice")
    bob = people.user("bob")
    team = people.group("team", alice, bob)
    crew = people.group("crew", bob)
    subjects = []
    for i in range(12):
        if i % 3 == 0:
            subjects.append(make_subject(client, alice, f"https://img.example.org/{i}.jpg", group_id=team))
        elif i % 3 == 1:
            subjects.append(make_subject(client, bob, f"https://img.example.org/{i}.jpg"))
        else:
            subjects.append(make_subject(client, alice, f"https://img.example.org/{i}.jpg"))
    owners = [(alice, None), (bob, None), (alice, team), (bob, crew)]
    collections = []
    for i in range(105):
        person, group = owners[i % 4]
        linked = [subjects[(i + k) % len(subjects)] for k in range(i % 5)]
        collections.append(make_collection(client, person, f"Collection {i}", subjects=linked, group_id=group,
                                           default_subject=linked[0] if linked and i % 2 else None))
    # one with none of anything, one with many subjects
    empty = make_collection(client, alice, "Empty")
    full = make_collection(client, bob, "Full", subjects=subjects, group_id=crew, default_subject=subjects[3])
    return dict(alice=alice, bob=bob, collections=collections, empty=empty, full=full, subjects=subjects)


LIST_URLS = [
    "/api/collections?include=owner,subjects&page_size={n}",
    "/api/collections?include=owner,subjects&page[size]={n}",
    "/api/collections?include=subjects.owner&page_size={n}",
    "/api/collections?include=owner,subjects.owner,subjects.collections&page_size={n}",
    "/api/collections?include=default_subject.owner,owner&page_size={n}&sort=-display_name",
    "/api/collections?page_size={n}",
    "/api/subjects?include=collections.owner&page_size={n}",
]


def _check_lists(client, accept, person):
    for template in LIST_URLS:
        one, doc_one = count(client, template.format(n=1), accept, person)
        hundred, doc_hundred = count(client, template.format(n=100), accept, person)
        key = "data" if accept == JSONAPI else template.split("?")[0].rsplit("/", 1)[1]
        assert len(doc_one[key]) == 1
        assert len(doc_hundred[key]) == (100 if template.startswith("/api/collections") else 12)
        assert one == hundred, f"{template}: {one} statements for 1 row, {hundred} for 100"
        # and neither changes on a later page, nor past the end
        for page in (50, 1000):
            later, _ = count(client, template.format(n=1) + f"&page={page}", accept, person)
            assert later == one, (template, page)


def _check_show(client, accept, empty, full):
    for include in ("owner,subjects", "subjects.owner", "owner,subjects.owner,subjects.collections.owner",
                    "default_subject.owner", None):
        query = f"?include={include}" if include else ""
        small, _ = count(client, f"/api/collections/{empty}{query}", accept)
        large, doc = count(client, f"/api/collections/{full}{query}", accept)
        assert small == large, f"{include}: {small} statements for an empty collection, {large} for a full one"


def _check_related(client, accept, full):
    one, _ = count(client, f"/api/collections/{full}/subjects?include=owner&page_size=1", accept)
    many, _ = count(client, f"/api/collections/{full}/subjects?include=owner&page_size=100", accept)
    assert one == many
    url = f"/api/subjects?collection_id={full}&include=owner,collections"
    one, _ = count(client, url + "&page_size=1", accept)
    many, _ = count(client, url + "&page_size=100", accept)
    assert one == many
    if accept == JSONAPI:
        one, _ = count(client, f"/api/collections/{full}/relationships/subjects?page[size]=1", accept)
        many, _ = count(client, f"/api/collections/{full}/relationships/subjects?page[size]=100", accept)
        assert one == many


@pytest.mark.parametrize("accept", [JSONAPI, PANOPTES], ids=["jsonapi", "panoptes"])
def test_query_count_does_not_depend_on_rows(client, seeded, accept):
    """One seeded database per dialect (seeding is the slow part): lists at page sizes 1 and 100, anonymous
    and signed in; show of an empty and of a full collection; related lists and relationship linkage."""
    _check_lists(client, accept, None)
    _check_lists(client, accept, seeded["alice"])
    _check_show(client, accept, seeded["empty"], seeded["full"])
    _check_related(client, accept, seeded["full"])
    if accept == JSONAPI:
        # a fixed shape means a small number too: count, page (computed attributes are columns of it), the
        # subjects' linkage (the member counters joined to the links of parents small enough to list), then
        # users, user groups and subjects
        statements, _ = count(client, "/api/collections?include=owner,subjects&page_size=100", accept)
        assert statements == 6


@pytest.fixture
def seeded_sets(app, people):
    """105 published public sets with 0-5 items of mixed types (some with a pending draft), and one with 40."""
    from app.extensions import db
    from app.models.sets import DataTable, Document, Layer, Set, SetItem, SetPermission
    from app.services import set_content

    alice = people.user("alice")
    with app.app_context():
        items = []
        for i in range(40):
            model, column = [(Layer, "layer_id"), (DataTable, "table_id"), (Document, "document_id")][i % 3]
            item = model(title=f"Item {i}", owner_user_id=alice.id)
            db.session.add(item)
            items.append((item, column))
        db.session.flush()
        ids = []
        for i in range(106):
            count_ = 40 if i == 105 else i % 6
            row = Set(title=f"Set {i:03}", description="d", owner_user_id=alice.id)
            db.session.add(row)
            db.session.flush()
            for item, column in items[:count_]:
                db.session.add(SetItem(set_id=row.id, **{column: item.id}))
            set_content.publish(row, set_content.new_draft(row, alice.id))
            if i % 4 == 0:
                set_content.new_draft(row, alice.id)
            db.session.add(SetPermission(set_id=row.id, principal="group.everyone", permission="view"))
            ids.append(row.id)
        db.session.commit()
    return dict(alice=alice, full=ids[-1], empty=ids[0])


SET_URLS = [
    "/api/sets?include=owner,items&page_size={n}",
    "/api/sets?include=items.owner,published_version&page[size]={n}",
    "/api/sets?page_size={n}&sort=-title",
    "/api/sets/drafts?include=items,latest_version&page_size={n}",
]


@pytest.mark.parametrize("accept", [JSONAPI, PANOPTES], ids=["jsonapi", "panoptes"])
def test_sets_query_count_does_not_depend_on_rows(client, seeded_sets, accept):
    """Sets, their polymorphic items and versions: the same statements for 1 row or 100, an empty set or a full
    one, anonymous or signed in."""
    for person in (None, seeded_sets["alice"]):
        for template in SET_URLS:
            if "drafts" in template and person is None:
                continue
            one, _ = count(client, template.format(n=1), accept, person)
            hundred, doc = count(client, template.format(n=100), accept, person)
            key = "data" if accept == JSONAPI else "sets"
            assert len(doc[key]) == (27 if "drafts" in template else 100)
            assert one == hundred, f"{template}: {one} statements for 1 row, {hundred} for 100"
        for suffix in ("/?include=items.owner,versions", "/items?include=owner&page_size=100", "/versions/"):
            small, _ = count(client, f"/api/sets/{seeded_sets['empty']}{suffix}", accept, person)
            large, _ = count(client, f"/api/sets/{seeded_sets['full']}{suffix}", accept, person)
            assert small == large, (suffix, small, large)
