"""Cursor paging (the JSON:API cursor pagination profile) on lists, relationship and related endpoints, in
both dialects, through HTTP only."""
from urllib.parse import urlsplit

import pytest

from tests.conftest import JSONAPI, PANOPTES
from tests.reading_seed import make_collection, make_subject, query_of
from tests.sets_helpers import create_item, create_set

PROFILE = "https://jsonapi.org/profiles/ethanresnick/cursor-pagination/"


def get(client, url, person, panoptes=False, **headers):
    return client.get(url, headers={**(person.panoptes() if panoptes else person.jsonapi()), **headers})


def ok(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def relative(url):
    """A page link as the test client takes it (JSON:API links are absolute, Panoptes hrefs root-relative)."""
    parts = urlsplit(url)
    path = parts.path if parts.netloc or parts.path.startswith("/api/") else "/api" + parts.path
    return path + ("?" + parts.query if parts.query else "")


def walk(client, url, person, key="data", link="next", panoptes=False, meta_key="collections"):
    """Ids of every page reached from ``url`` through ``link``, and the pages' documents."""
    seen, docs = [], []
    while url is not None:
        doc = ok(get(client, relative(url), person, panoptes))
        docs.append(doc)
        seen.extend(item["id"] for item in doc[key])
        if panoptes:
            url = doc["meta"][meta_key]["next_href" if link == "next" else "previous_href"]
        else:
            url = doc["links"][link]
        assert len(docs) < 20
    return seen, docs


@pytest.fixture
def shelf(client, people):
    """alice's 7 collections, display names with ties; the first holds 5 subjects."""
    alice = people.user("alice")
    subjects = [make_subject(client, alice, f"https://img.example.org/{i}.jpg") for i in range(5)]
    names = ["b", "a", "b", "c", "a", "b", "a"]
    made = [make_collection(client, alice, name, subjects=subjects if i == 0 else ()) for i, name in enumerate(names)]
    return alice, made, subjects


@pytest.mark.parametrize("sort", [None, "display_name", "-display_name", "-created_at", "display_name,-id"])
def test_walks_forward_and_back_without_repeats_or_gaps(client, shelf, sort):
    alice, made, _ = shelf
    order = f"&sort={sort}" if sort else ""
    expected = [c["id"] for c in ok(get(client, f"/api/collections?page[size]=100{order}", alice))["data"]]
    assert sorted(expected, key=int) == sorted(made, key=int)
    forward, docs = walk(client, f"/api/collections?page[size]=2&page[after]={order}", alice)
    assert forward == expected and len(docs) == 4
    assert docs[0]["links"]["prev"] is None and docs[-1]["links"]["next"] is None
    back, docs = walk(client, f"/api/collections?page[size]=2&page[before]={order}", alice, link="prev")
    # pages come last first; each page is in list order
    assert [i for doc in reversed(docs) for i in (c["id"] for c in doc["data"])] == expected
    assert docs[0]["links"]["next"] is None and docs[-1]["links"]["prev"] is None
    meta = docs[0]["meta"]["collections"]
    assert meta["count"] is None and meta["page"] is None and meta["page_size"] == 2
    for name in ("self", "first", "last"):
        assert docs[0]["links"][name].startswith("http://localhost/api/collections?")
    if sort:
        assert query_of(docs[0]["links"]["prev"])["sort"] == [sort]


def test_profile_in_content_type_and_accept(client, shelf):
    alice, made, _ = shelf
    response = get(client, "/api/collections?page[after]=&page[size]=3", alice)
    assert response.headers["Content-Type"] == f'{JSONAPI}; profile="{PROFILE}"'
    assert "Accept" in response.headers["Vary"]
    # asked for through Accept: the first page is a cursor page
    asked = get(client, "/api/collections?page[size]=3", alice, Accept=f'{JSONAPI}; profile="{PROFILE}"')
    assert asked.headers["Content-Type"] == response.headers["Content-Type"]
    assert ok(asked)["data"] == ok(response)["data"] and "page[after]" in query_of(ok(asked)["links"]["next"])
    # an unknown profile is ignored: numbered pages, as without it
    plain = get(client, "/api/collections?page[size]=3", alice, Accept=f'{JSONAPI}; profile="https://example.org/p"')
    assert plain.headers["Content-Type"] == JSONAPI and ok(plain)["meta"]["collections"]["page"] == 1


def test_cursor_survives_deleting_its_row(client, shelf):
    alice, made, _ = shelf
    first = ok(get(client, "/api/collections?page[size]=3&page[after]=", alice))
    assert [c["id"] for c in first["data"]] == made[:3]
    assert client.delete(f"/api/collections/{made[2]}", headers=alice.jsonapi()).status_code == 204
    following = ok(get(client, relative(first["links"]["next"]), alice))
    assert [c["id"] for c in following["data"]] == made[3:6]
    before = ok(get(client, relative(following["links"]["prev"]), alice))
    assert [c["id"] for c in before["data"]] == made[:2]


def test_empty_page_and_the_last_page(client, shelf):
    alice, made, _ = shelf
    last = ok(get(client, "/api/collections?page[size]=2&page[before]=", alice))
    assert [c["id"] for c in last["data"]] == made[-2:] and last["links"]["next"] is None
    page = ok(get(client, "/api/collections?page[size]=6&page[after]=", alice))
    assert client.delete(f"/api/collections/{made[6]}", headers=alice.jsonapi()).status_code == 204
    # nothing after the cursor any more: 200 with no data, and a way back
    empty = ok(get(client, relative(page["links"]["next"]), alice))
    assert empty["data"] == [] and empty["links"]["next"] is None
    back = ok(get(client, relative(empty["links"]["prev"]), alice))
    assert [c["id"] for c in back["data"]] == made[:6]


@pytest.mark.parametrize("panoptes", [False, True])
def test_bad_sizes_and_cursors(client, shelf, panoptes):
    alice, made, _ = shelf
    page = ok(get(client, "/api/collections?page[size]=2&page[after]=&sort=display_name", alice))
    cursor = query_of(page["links"]["next"])["page[after]"][0]

    def refused(query, parameter, type_link=None):
        response = get(client, "/api/collections?" + query, alice, panoptes)
        assert response.status_code == 400, (query, response.get_data(as_text=True))
        error = response.get_json()["errors"][0]
        if panoptes:
            assert parameter in error["message"] or "cursor" in error["message"] or "range" in error["message"]
            return error
        assert error["status"] == "400" and error["source"] == {"parameter": parameter}
        assert error.get("links", {}).get("type") == type_link
        return error

    for size in ("0", "-1", "x", "1.5", ""):
        refused(f"page[after]=&page[size]={size}", "page[size]")
    error = refused("page[after]=&page[size]=101", "page[size]", PROFILE + "max-size-exceeded")
    if not panoptes:
        assert error["meta"] == {"page": {"maxSize": 100}}
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    refused(f"page[after]={tampered}&sort=display_name", "page[after]")
    refused("page[before]=not-a-cursor", "page[before]")
    refused(f"page[after]={cursor}", "page[after]")                                # another order
    refused(f"page[after]={cursor}&sort=display_name&filter[display_name]=a", "page[after]")  # another filter
    refused(f"page[after]={cursor}&page[before]={cursor}&sort=display_name", "page[before]",
            PROFILE + "range-pagination-not-supported")
    refused(f"page[after]={cursor}&page[number]=2&sort=display_name", "page[number]")
    refused("page[after]=&sort=colour", "sort", PROFILE + "unsupported-sort")
    # a cursor of one list is refused by another
    refused_elsewhere = get(client, f"/api/subjects?page[after]={cursor}&sort=display_name", alice, panoptes)
    assert refused_elsewhere.status_code == 400


def test_panoptes_dialect_pages_by_cursor_in_its_meta(client, shelf):
    alice, made, _ = shelf
    first = get(client, "/api/collections?page[size]=3&page[after]=&sort=-display_name", alice, True)
    assert first.headers["Content-Type"] == PANOPTES
    meta = ok(first)["meta"]["collections"]
    assert meta["previous_href"] is None and meta["next_href"].startswith("/collections?")
    assert query_of(meta["next_href"])["sort"] == ["-display_name"]
    seen, docs = walk(client, "/collections?page[size]=3&page[after]=&sort=-display_name", alice, key="collections",
                      panoptes=True)
    expected = [c["id"] for c in ok(get(client, "/api/collections?sort=-display_name", alice, True))["collections"]]
    assert seen == expected and len(docs) == 3
    assert docs[-1]["meta"]["collections"]["next_href"] is None


def test_relationship_and_related_endpoints(client, shelf):
    alice, made, subjects = shelf
    base = f"/api/collections/{made[0]}"
    ids, docs = walk(client, f"{base}/relationships/subjects?page[size]=2&page[after]=", alice)
    assert ids == subjects and docs[0]["links"]["prev"] is None and docs[-1]["links"]["next"] is None
    assert docs[0]["data"][0] == {"type": "subjects", "id": subjects[0]}
    back, _docs = walk(client, f"{base}/relationships/subjects?page[size]=2&page[before]=", alice, link="prev")
    assert sorted(back, key=int) == sorted(subjects, key=int)
    related, _docs = walk(client, f"{base}/subjects?page[size]=2&page[after]=", alice)
    assert related == subjects
    # the template's filter form, in the Panoptes dialect
    panoptes, _docs = walk(client, f"/subjects?collection_id={made[0]}&page[size]=2&page[after]=", alice,
                           key="subjects", panoptes=True, meta_key="subjects")
    assert panoptes == subjects


def test_polymorphic_members(client, people):
    alice = people.user("alice")
    items = [("layers", create_item(client, alice, "layers", f"L{i}")) for i in range(2)]
    items += [("documents", create_item(client, alice, "documents", f"D{i}")) for i in range(2)]
    made = create_set(client, alice, items=items)
    base = f"/api/sets/{made['id']}/relationships/items?page[size]=3&page[after]="
    seen, docs = walk(client, base, alice)
    assert [(d["type"], d["id"]) for doc in docs for d in doc["data"]] == items and len(docs) == 2


def test_statements_do_not_grow_with_depth(client, shelf):
    alice, made, subjects = shelf
    for url in ("/api/collections?page[size]=2&include=owner,subjects&sort=-display_name",
                f"/api/collections/{made[0]}/relationships/subjects?page[size]=2",
                f"/api/collections/{made[0]}/subjects?page[size]=2"):
        counts = []
        response = get(client, url + "&page[after]=", alice)
        while True:
            counts.append(int(response.headers["X-Query-Count"]))
            following = ok(response)["links"]["next"]
            if following is None:
                break
            response = get(client, relative(following), alice)
        assert len(counts) >= 3 and len(set(counts)) == 1, (url, counts)


@pytest.mark.parametrize("dense", [2, 10**9])
def test_sorted_member_lists_walk_either_index_alike(client, shelf, monkeypatch, dense):
    """A sorted list of one collection's subjects reads along the link table (few members) or along the
    subjects' sort index (many; here from 2 on): the same rows, in the same order, both ways."""
    from app.engine import fetch

    alice, made, subjects = shelf
    monkeypatch.setattr(fetch, "DENSE_MEMBERS", dense)
    for sort in ("-created_at", "updated_at"):
        base = f"/api/subjects?collection_id={made[0]}&sort={sort}"
        expected = [s["id"] for s in ok(get(client, base, alice))["data"]]
        assert sorted(expected, key=int) == sorted(subjects, key=int)
        seen, _docs = walk(client, base + "&page[size]=2&page[after]=", alice)
        assert seen == expected
