"""API §3 (reading) in both dialects, through HTTP only."""
import pytest

from tests.conftest import JSONAPI, PANOPTES
from tests.reading_seed import grant_role, ids, make_collection, make_subject, query_of

ROOT = "http://localhost/api"


def get(client, url, person=None, panoptes=False, **headers):
    if person is not None:
        base = person.panoptes() if panoptes else person.jsonapi()
    else:
        base = {"Accept": PANOPTES if panoptes else JSONAPI}
    base.update(headers)
    return client.get(url, headers=base)


def ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    doc = response.get_json()
    assert "data" not in doc
    return doc["errors"]


@pytest.fixture
def world(client, people):
    """alice owns two public collections (one of them through the group "gardeners") and one private one."""
    alice = people.user("alice")
    bob = people.user("bob")
    team = people.group("gardeners", alice, bob)
    s1 = make_subject(client, alice, "https://img.example.org/1.jpg")
    s2 = make_subject(client, alice, "https://img.example.org/2.jpg")
    s3 = make_subject(client, bob, "https://img.example.org/3.jpg", group_id=team)
    flowers = make_collection(client, alice, "Flowers", subjects=[s1, s2, s3], default_subject=s2)
    trees = make_collection(client, alice, "Trees", group_id=team, subjects=[s3])
    secret = make_collection(client, alice, "Secret", private=True, subjects=[s1])
    return dict(alice=alice, bob=bob, team=team, s1=s1, s2=s2, s3=s3, flowers=flowers, trees=trees, secret=secret)


# -- include ----------------------------------------------------------------------------------------


def test_include_dot_paths_jsonapi(client, world):
    doc = ok(get(client, f"/api/collections/{world['flowers']}?include=subjects.owner", world["alice"]))
    included = {(r["type"], r["id"]) for r in doc["included"]}
    # the intermediate subjects are included as well as their owners (users and groups)
    assert {("subjects", world["s1"]), ("subjects", world["s2"]), ("subjects", world["s3"])} <= included
    assert ("users", str(world["alice"].id)) in included
    assert ("user_groups", str(world["team"])) in included
    # the collection's own owner was not asked for (alice owns subjects too, so she is there; bob is not)
    assert ("users", str(world["bob"].id)) not in included
    # the subjects' linkage is complete, so every included subject is reachable
    assert len(doc["data"]["relationships"]["subjects"]["data"]) == 3


def test_include_several_paths_and_no_duplicates(client, world):
    doc = ok(get(client, "/api/collections?include=owner,subjects,subjects.owner", world["alice"]))
    keys = [(r["type"], r["id"]) for r in doc["included"]]
    assert len(keys) == len(set(keys))
    assert doc["meta"]["collections"]["include"] == ["owner", "subjects", "subjects.owner"]


def test_include_dot_paths_panoptes(client, world):
    doc = ok(get(client, f"/api/collections/{world['flowers']}?include=subjects.owner", world["alice"], True))
    assert set(doc["linked"]) >= {"subjects", "owners"}
    assert sorted(ids(doc["linked"], "subjects")) == sorted([world["s1"], world["s2"], world["s3"]])
    owners = {(o["href"]) for o in doc["linked"]["owners"]}
    assert owners == {f"/users/{world['alice'].id}", f"/user_groups/{world['team']}"}
    assert doc["meta"]["collections"]["include"] == ["subjects.owner"]


def test_included_present_even_when_empty(client, people):
    alice = people.user("alice")
    make_collection(client, alice, "Empty")
    doc = ok(get(client, "/api/collections?include=subjects", alice))
    assert doc["included"] == []
    doc = ok(get(client, "/api/collections?include=subjects,default_subject", alice))
    assert doc["included"] == []
    doc = ok(get(client, "/api/collections?filter[display_name]=nothing&include=subjects", alice))
    assert doc["data"] == [] and doc["included"] == []
    # without include, no included member at all
    assert "included" not in ok(get(client, "/api/collections", alice))
    doc = ok(get(client, "/api/collections?include=subjects", alice, True))
    assert doc["linked"] == {"subjects": []}
    assert "linked" not in ok(get(client, "/api/collections", alice, True))


def test_panoptes_linked_keyed_by_template_type(client, world):
    doc = ok(get(client, "/api/collections?include=owner", world["alice"], True))
    assert list(doc["linked"]) == ["owners"]
    types = {(o["href"].split("/")[1], o["id"]) for o in doc["linked"]["owners"]}
    assert types == {("users", str(world["alice"].id)), ("user_groups", str(world["team"]))}
    assert doc["links"]["collections.owner"]["type"] == "owners"
    # JSON:API keeps the real types in included
    doc = ok(get(client, "/api/collections?include=owner", world["alice"]))
    assert {(r["type"], r["id"]) for r in doc["included"]} == {("users", str(world["alice"].id)),
                                                                 ("user_groups", str(world["team"]))}


@pytest.mark.parametrize("include", ["nope", "subjects.nope", "owner.nope", "subjects..owner", "Subjects"])
def test_unknown_include(client, world, include):
    [error] = error_of(get(client, f"/api/collections?include={include}"), 400)
    assert error["source"] == {"parameter": "include"}
    assert error["status"] == "400"
    errors = error_of(get(client, f"/api/collections?include={include}", panoptes=True), 422)
    assert errors == [{"message": errors[0]["message"]}] and errors[0]["message"]


def test_unknown_include_on_show_names_the_relation(client, world):
    [error] = error_of(get(client, f"/api/collections/{world['flowers']}?include=subjects.nope"), 400)
    assert "nope" in error["detail"]
    [error] = error_of(get(client, f"/api/collections/{world['flowers']}?include=nope", panoptes=True), 422)
    assert "nope" in error["message"]


def test_include_depth_cap(app, client, world):
    app.config["INCLUDE_MAX_DEPTH"] = 1
    for panoptes in (False, True):
        response = get(client, "/api/collections?include=subjects.owner", panoptes=panoptes)
        [error] = error_of(response, 400)
        text = error["message"] if panoptes else error["detail"]
        assert "subjects.owner" in text and "1" in text
        if not panoptes:
            assert error["source"] == {"parameter": "include"}
    assert ok(get(client, "/api/collections?include=subjects"))["included"]
    app.config["INCLUDE_MAX_DEPTH"] = 2
    assert ok(get(client, "/api/collections?include=subjects.owner"))["included"]
    [error] = error_of(get(client, "/api/collections?include=subjects.owner.user_groups"), 400)


def test_include_total_cap(app, client, world):
    # Flowers alone includes three subjects; the public list includes three subjects in all
    app.config["INCLUDE_MAX_RESOURCES"] = 3
    assert len(ok(get(client, f"/api/collections/{world['flowers']}?include=subjects"))["included"]) == 3
    assert len(ok(get(client, "/api/collections?include=subjects"))["included"]) == 3
    app.config["INCLUDE_MAX_RESOURCES"] = 2
    for url in (f"/api/collections/{world['flowers']}?include=subjects", "/api/collections?include=subjects",
                "/api/collections?include=owner,subjects"):
        for panoptes in (False, True):
            [error] = error_of(get(client, url, panoptes=panoptes), 400)
            text = error["message"] if panoptes else error["detail"]
            assert "2" in text and "include" in text.lower()
    # the cap counts resources across paths: 2 owners fit, 2 owners + 3 subjects do not
    assert len(ok(get(client, "/api/collections?include=owner"))["included"]) == 2
    app.config["INCLUDE_MAX_RESOURCES"] = 4
    error_of(get(client, f"/api/collections/{world['flowers']}?include=subjects.owner"), 400)


# -- sparse fieldsets -------------------------------------------------------------------------------


def test_sparse_fieldsets_jsonapi(client, world):
    doc = ok(get(client, f"/api/collections/{world['flowers']}?fields[collections]=display_name", world["alice"]))
    assert doc["data"]["attributes"] == {"display_name": "Flowers"}
    assert "relationships" not in doc["data"]
    doc = ok(get(client, "/api/collections?fields[collections]=display_name,owner&include=owner"
                         "&fields[users]=login&fields[user_groups]=name", world["alice"]))
    for item in doc["data"]:
        assert set(item["attributes"]) == {"display_name"}
        assert set(item["relationships"]) == {"owner"}
    for item in doc["included"]:
        expected = {"users": {"login"}, "user_groups": {"name"}}[item["type"]]
        assert set(item["attributes"]) == expected
        assert "relationships" not in item
    # an empty fieldset means no fields
    doc = ok(get(client, f"/api/collections/{world['flowers']}?fields[collections]=", world["alice"]))
    assert doc["data"].get("attributes", {}) == {} and "relationships" not in doc["data"]


def test_sparse_fieldsets_panoptes(client, world):
    doc = ok(get(client, f"/api/collections/{world['flowers']}?fields[collections]=display_name,subjects",
                 world["alice"], True))
    [item] = doc["collections"]
    assert set(item) == {"id", "href", "display_name", "links"}
    assert set(item["links"]) == {"subjects"}


# -- sorting ----------------------------------------------------------------------------------------


def test_sort_whitelist(client, world):
    for bad in ("name", "-description", "owner", "display_name,nope", "private"):
        [error] = error_of(get(client, f"/api/collections?sort={bad}"), 400)
        assert error["source"] == {"parameter": "sort"}
        [error] = error_of(get(client, f"/api/collections?sort={bad}", panoptes=True), 400)
        assert error["message"]
    for good in ("display_name", "-display_name", "created_at", "-updated_at", "id", "-id",
                 "-created_at,display_name"):
        ok(get(client, f"/api/collections?sort={good}"))
        ok(get(client, f"/api/collections?sort={good}", panoptes=True))


def test_sort_orders(client, people):
    alice = people.user("alice")
    made = {name: make_collection(client, alice, name) for name in ("b", "c", "a", "d")}
    doc = ok(get(client, "/api/collections?sort=display_name", alice))
    assert [c["attributes"]["display_name"] for c in doc["data"]] == ["a", "b", "c", "d"]
    doc = ok(get(client, "/api/collections?sort=-display_name", alice, True))
    assert [c["display_name"] for c in doc["collections"]] == ["d", "c", "b", "a"]
    doc = ok(get(client, "/api/collections?sort=-id", alice))
    assert ids(doc) == sorted(made.values(), key=int, reverse=True)
    doc = ok(get(client, "/api/collections", alice))
    assert ids(doc) == sorted(made.values(), key=int)


@pytest.mark.parametrize("sort", ["display_name", "-display_name", "-created_at,display_name",
                                  "display_name,-created_at"])
@pytest.mark.parametrize("panoptes", [False, True])
def test_ties_broken_by_id_so_pages_never_repeat_or_skip(client, people, sort, panoptes):
    alice = people.user("alice")
    made = [make_collection(client, alice, ["Same", "Other"][i % 3 == 0]) for i in range(9)]
    seen = []
    for page in range(1, 6):
        doc = ok(get(client, f"/api/collections?sort={sort}&page={page}&page_size=2", alice, panoptes))
        seen.extend(ids(doc, "collections" if panoptes else "data"))
    assert sorted(seen, key=int) == sorted(made, key=int)
    assert len(seen) == len(set(seen))
    # within a tie, ids ascend
    desc = sort.startswith("-display_name")
    names = {cid: ("Same", "Other")[made.index(cid) % 3 == 0] for cid in made}
    groups = ["Same", "Other"] if desc else ["Other", "Same"]
    if "created_at" in sort:
        return  # creation times decide first; only the no-repeat/no-skip property is checked
    expected = [cid for group in groups for cid in sorted((c for c in made if names[c] == group), key=int)]
    assert seen == expected


# -- paging -----------------------------------------------------------------------------------------


@pytest.fixture
def many(client, people):
    alice = people.user("alice")
    made = [make_collection(client, alice, f"C{i:03d}") for i in range(23)]
    return alice, made


@pytest.mark.parametrize("panoptes", [False, True])
def test_both_paging_forms(client, many, panoptes):
    alice, made = many
    key = "collections" if panoptes else "data"
    a = ok(get(client, "/api/collections?page=2&page_size=5", alice, panoptes))
    b = ok(get(client, "/api/collections?page[number]=2&page[size]=5", alice, panoptes))
    assert ids(a, key) == ids(b, key) == made[5:10]
    for doc in (a, b):
        meta = doc["meta"]["collections"]
        assert (meta["page"], meta["page_size"], meta["count"], meta["page_count"]) == (2, 5, 23, 5)
        assert (meta["previous_page"], meta["next_page"]) == (1, 3)


@pytest.mark.parametrize("panoptes", [False, True])
def test_default_and_maximum_page_size(client, many, panoptes):
    alice, made = many
    key = "collections" if panoptes else "data"
    doc = ok(get(client, "/api/collections", alice, panoptes))
    assert len(doc[key]) == 20
    assert doc["meta"]["collections"]["page_size"] == 20
    assert doc["meta"]["collections"]["page_count"] == 2
    doc = ok(get(client, "/api/collections?page_size=1000", alice, panoptes))
    assert len(doc[key]) == 23
    assert doc["meta"]["collections"]["page_size"] == 100  # the clamp shows
    doc = ok(get(client, "/api/collections?page[size]=101", alice, panoptes))
    assert doc["meta"]["collections"]["page_size"] == 100


def test_page_size_settings_are_read(app, client, many):
    alice, made = many
    app.config["PAGE_SIZE_DEFAULT"] = 4
    app.config["PAGE_SIZE_MAX"] = 6
    doc = ok(get(client, "/api/collections", alice))
    assert len(doc["data"]) == 4 and doc["meta"]["collections"]["page_size"] == 4
    doc = ok(get(client, "/api/collections?page[size]=50", alice))
    assert len(doc["data"]) == 6 and doc["meta"]["collections"]["page_size"] == 6
    assert query_of(doc["links"]["next"])["page[size]"] == ["6"]


@pytest.mark.parametrize("panoptes", [False, True])
def test_out_of_range_page_is_empty(client, many, panoptes):
    alice, made = many
    key = "collections" if panoptes else "data"
    doc = ok(get(client, "/api/collections?page=99&page_size=10", alice, panoptes))
    assert doc[key] == []
    meta = doc["meta"]["collections"]
    assert meta["page"] == 99 and meta["count"] == 23 and meta["page_count"] == 3
    assert meta["next_page"] is None and meta["next_href"] is None
    assert meta["last_href"]


@pytest.mark.parametrize("value", ["0", "-1", "x", "1.5", ""])
def test_bad_page_numbers(client, value):
    for key in ("page", "page[number]", "page_size", "page[size]"):
        [error] = error_of(get(client, f"/api/collections?{key}={value}"), 400)
        assert error["source"] == {"parameter": key}


def test_jsonapi_page_links_are_absolute_and_keep_the_query(client, people):
    alice = people.user("alice")
    for i in range(7):
        make_collection(client, alice, f"Tulip {i}")
    make_collection(client, people.user("bob"), "Not alice's")
    url = "/api/collections?filter[owner]=alice&sort=-display_name&include=owner&page=2&page_size=2"
    doc = ok(get(client, url, alice))
    assert doc["links"]["self"] == ROOT + url[len("/api"):]
    meta = doc["meta"]["collections"]
    assert meta["count"] == 7 and meta["page_count"] == 4
    expected_links = {"first": "1", "prev": "1", "next": "3", "last": "4"}
    for name, number in expected_links.items():
        link = doc["links"][name]
        href = meta[{"prev": "previous"}.get(name, name) + "_href"]
        assert link == href
        assert link.startswith(ROOT + "/collections?")
        query = query_of(link)
        assert query["page[number]"] == [number]
        assert query["page[size]"] == ["2"]
        assert query["filter[owner]"] == ["alice"]
        assert query["sort"] == ["-display_name"]
        assert query["include"] == ["owner"]
        assert "page" not in query and "page_size" not in query and "owner" not in query
        # every page link answers
        assert ok(client.get(link, headers=alice.jsonapi()))["meta"]["collections"]["page"] == int(number)
    last = ok(client.get(doc["links"]["last"], headers=alice.jsonapi()))
    assert "next" not in last["links"] or last["links"]["next"] is None
    first = ok(client.get(doc["links"]["first"], headers=alice.jsonapi()))
    assert "prev" not in first["links"] or first["links"]["prev"] is None
    assert first["meta"]["collections"]["previous_href"] is None


def test_panoptes_page_hrefs_are_root_relative_and_keep_the_query(client, people):
    alice = people.user("alice")
    for i in range(7):
        make_collection(client, alice, f"Tulip {i}")
    doc = ok(get(client, "/api/collections?owner=alice&sort=-display_name&include=owner&page=2&page_size=2",
                 alice, True))
    assert set(doc) == {"collections", "links", "linked", "meta"}
    meta = doc["meta"]["collections"]
    for name, number in {"first": None, "previous": None, "next": "3", "last": "4"}.items():
        href = meta[name + "_href"]
        assert href.startswith("/collections?") and not href.startswith("/api")
        query = query_of(href)
        assert query.get("page") == ([number] if number else None)
        assert query["page_size"] == ["2"]
        assert query["owner"] == ["alice"]
        assert query["sort"] == ["-display_name"]
        assert query["include"] == ["owner"]
        followed = ok(client.get("/api" + href, headers=alice.panoptes()))
        assert followed["meta"]["collections"]["page"] == int(number or 1)
    assert meta["previous_page"] == 1 and meta["next_page"] == 3


def test_panoptes_hrefs_keep_filter_family_form(client, people):
    alice = people.user("alice")
    for i in range(3):
        make_collection(client, alice, f"Tulip {i}")
    doc = ok(get(client, "/api/collections?filter[owner]=alice&page_size=1", alice, True))
    href = doc["meta"]["collections"]["next_href"]
    assert query_of(href).get("filter[owner]") == ["alice"] or query_of(href).get("owner") == ["alice"]
    assert ids(ok(client.get("/api" + href, headers=alice.panoptes())), "collections")


# -- filters ----------------------------------------------------------------------------------------


def _names(doc, panoptes=False):
    if panoptes:
        return sorted(c["display_name"] for c in doc["collections"])
    return sorted(c["attributes"]["display_name"] for c in doc["data"])


def test_filters_jsonapi(client, world):
    alice = world["alice"]
    make_collection(client, world["bob"], "Bob's favourite", favorite=True)
    assert _names(ok(get(client, "/api/collections?filter[owner]=alice", alice))) == ["Flowers", "Secret"]
    assert _names(ok(get(client, "/api/collections?filter[owner]=ALICE", alice))) == ["Flowers", "Secret"]
    assert _names(ok(get(client, "/api/collections?filter[owner]=gardeners", alice))) == ["Trees"]
    assert _names(ok(get(client, "/api/collections?filter[owner]=bob,gardeners", alice))) == \
        ["Bob's favourite", "Trees"]
    assert _names(ok(get(client, "/api/collections?filter[display_name]=Trees", alice))) == ["Trees"]
    assert _names(ok(get(client, f"/api/collections?filter[id]={world['flowers']},{world['trees']}", alice))) \
        == ["Flowers", "Trees"]
    assert _names(ok(get(client, "/api/collections?filter[favorite]=true", alice))) == ["Bob's favourite"]
    assert _names(ok(get(client, "/api/collections?filter[favorite]=false&filter[owner]=alice", alice))) == \
        ["Flowers", "Secret"]
    # the related-list filter of the subjects template, in either spelling
    doc = ok(get(client, f"/api/subjects?filter[collection_id]={world['trees']}", alice))
    assert ids(doc) == [world["s3"]]
    doc = ok(get(client, f"/api/subjects?collection_id={world['flowers']}", alice))
    assert ids(doc) == [world["s1"], world["s2"], world["s3"]]
    # links of this dialect use the filter family even when the request used the bare legal name
    doc = ok(get(client, f"/api/subjects?collection_id={world['flowers']}&page_size=1", alice))
    assert ids(doc) == [world["s1"]]
    query = query_of(doc["links"]["next"])
    assert query["filter[collection_id]"] == [world["flowers"]] and "collection_id" not in query
    assert query["page[number]"] == ["2"] and query["page[size]"] == ["1"]
    assert ids(ok(client.get(doc["links"]["next"], headers=alice.jsonapi()))) == [world["s2"]]


def test_filters_panoptes_bare_forms(client, world):
    alice = world["alice"]
    make_collection(client, world["bob"], "Bob's favourite", favorite=True)
    assert _names(ok(get(client, "/api/collections?owner=alice", alice, True)), True) == ["Flowers", "Secret"]
    assert _names(ok(get(client, "/api/collections?owner=gardeners", alice, True)), True) == ["Trees"]
    url = f"/api/collections?id={world['flowers']}%2C{world['trees']}"
    assert _names(ok(get(client, url, alice, True)), True) == ["Flowers", "Trees"]
    url = f"/api/collections?id={world['flowers']},{world['trees']}"
    assert _names(ok(get(client, url, alice, True)), True) == ["Flowers", "Trees"]
    assert _names(ok(get(client, "/api/collections?display_name=Flowers", alice, True)), True) == ["Flowers"]
    assert _names(ok(get(client, "/api/collections?favorite=true", alice, True)), True) == ["Bob's favourite"]
    assert _names(ok(get(client, "/api/collections?favorite=true&owner=alice", alice, True)), True) == []
    doc = ok(get(client, f"/api/subjects?collection_id={world['trees']}", alice, True))
    assert ids(doc, "subjects") == [world["s3"]]
    # the filter family works in the Panoptes dialect too
    assert _names(ok(get(client, "/api/collections?filter[owner]=gardeners", alice, True)), True) == ["Trees"]
    # and panoptes-client's http_cache is ignored
    assert _names(ok(get(client, "/api/collections?owner=gardeners&http_cache=true", alice, True)), True) == \
        ["Trees"]


@pytest.mark.parametrize("param", ["owner=alice", "favorite=true", "display_name=Flowers", "id=1"])
def test_jsonapi_naming_rule_refuses_bare_lowercase_filters(client, world, param):
    name = param.split("=")[0]
    if name == "display_name":
        # has a non a-z character, so it is a legal implementation-specific name and is known
        ok(get(client, f"/api/collections?{param}"))
        return
    [error] = error_of(get(client, f"/api/collections?{param}"), 400)
    assert error["source"] == {"parameter": name}
    assert name in error["detail"]


@pytest.mark.parametrize("param", ["foo=1", "q=x", "filter=1", "unknownParam=1", "Owner=alice"])
def test_jsonapi_unknown_parameters_are_400(client, param):
    name = param.split("=")[0]
    [error] = error_of(get(client, f"/api/collections?{param}"), 400)
    assert error["source"] == {"parameter": name}


def test_jsonapi_accepts_known_parameters_with_non_lowercase_characters(client, world):
    ok(get(client, "/api/collections?http_cache=true"))
    ok(get(client, "/api/collections?page_size=2"))
    ok(get(client, f"/api/subjects?collection_id={world['flowers']}"))


def test_bad_filter_values(client, world):
    [error] = error_of(get(client, "/api/collections?filter[id]=abc"), 400)
    assert error["source"] == {"parameter": "filter[id]"}
    [error] = error_of(get(client, "/api/collections?filter[favorite]=maybe"), 400)
    assert error["source"] == {"parameter": "filter[favorite]"}
    [error] = error_of(get(client, "/api/collections?filter[nope]=1"), 400)
    assert error["source"] == {"parameter": "filter[nope]"}
    error_of(get(client, "/api/collections?id=abc", panoptes=True), 400)


# -- ETags ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("panoptes", [False, True])
def test_etag_and_if_none_match(client, world, panoptes):
    alice = world["alice"]
    for url in (f"/api/collections/{world['flowers']}", "/api/collections", "/api/collections?include=owner"):
        first = get(client, url, alice, panoptes)
        etag = first.headers["ETag"]
        assert etag.startswith('"') and etag.endswith('"')
        again = get(client, url, alice, panoptes)
        assert again.headers["ETag"] == etag
        cached = get(client, url, alice, panoptes, **{"If-None-Match": etag})
        assert cached.status_code == 304
        assert cached.get_data() == b""
        assert cached.headers["ETag"] == etag
        weak = get(client, url, alice, panoptes, **{"If-None-Match": f'"other", W/{etag}'})
        assert weak.status_code == 304
        stale = get(client, url, alice, panoptes, **{"If-None-Match": '"not-it"'})
        assert stale.status_code == 200 and stale.get_json()


def test_etag_changes_with_the_resource_and_the_dialect(client, world):
    alice = world["alice"]
    url = f"/api/collections/{world['flowers']}"
    before = get(client, url, alice).headers["ETag"]
    assert get(client, url, alice, True).headers["ETag"] != before
    response = client.patch(url, headers=alice.jsonapi(), content_type=JSONAPI,
                            json={"data": {"type": "collections", "id": world["flowers"],
                                           "attributes": {"description": "changed"}}})
    assert response.status_code == 200
    assert get(client, url, alice, **{"If-None-Match": before}).status_code == 200
    list_before = get(client, "/api/collections", alice).headers["ETag"]
    make_collection(client, alice, "Another")
    assert get(client, "/api/collections", alice, **{"If-None-Match": list_before}).status_code == 200


# -- visibility -------------------------------------------------------------------------------------


def _missing_like(client, url_hidden, url_missing, person, panoptes, hidden_id, missing_id):
    hidden = get(client, url_hidden, person, panoptes)
    missing = get(client, url_missing, person, panoptes)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.headers["Content-Type"] == missing.headers["Content-Type"]
    assert hidden.get_data(as_text=True).replace(hidden_id, "N") == missing.get_data(as_text=True).replace(
        missing_id, "N")


@pytest.mark.parametrize("panoptes", [False, True])
def test_private_collection_is_404_like_a_missing_one(client, people, world, panoptes):
    stranger = people.user("stranger")
    secret, missing = world["secret"], "987654"
    for caller in (stranger, None):
        for suffix in ("", "/subjects", "/owner", "/default_subject", "/links/subjects",
                       "/relationships/subjects", "/relationships/owner"):
            if panoptes and suffix.startswith("/relationships"):
                continue
            _missing_like(client, f"/api/collections/{secret}{suffix}", f"/api/collections/{missing}{suffix}",
                          caller, panoptes, secret, missing)
    # lists, filters and includes leave it out too
    for caller in (stranger, None):
        key = "collections" if panoptes else "data"
        assert secret not in ids(ok(get(client, "/api/collections", caller, panoptes)), key)
        assert ok(get(client, f"/api/collections?filter[id]={secret}", caller, panoptes))[key] == []
        assert ok(get(client, f"/api/subjects?collection_id={secret}", caller, panoptes))[
            "subjects" if panoptes else "data"] == []
        doc = ok(get(client, f"/api/subjects/{world['s1']}?include=collections", caller, panoptes))
        if panoptes:
            assert ids(doc["linked"], "collections") == [world["flowers"]]
            assert doc["subjects"][0]["links"]["collections"] == [world["flowers"]]
        else:
            assert [r["id"] for r in doc["included"]] == [world["flowers"]]
            assert doc["data"]["relationships"]["collections"]["data"] == [
                {"type": "collections", "id": world["flowers"]}]


def test_collection_roles_make_private_collections_visible(client, people, world):
    viewer = people.user("viewer")
    stranger = people.user("stranger")
    admin = people.user("root", admin=True)
    secret = world["secret"]
    assert get(client, f"/api/collections/{secret}", viewer).status_code == 404
    grant_role(client, world["alice"], secret, viewer, ["viewer"])
    for panoptes in (False, True):
        assert get(client, f"/api/collections/{secret}", viewer, panoptes).status_code == 200
        assert get(client, f"/api/collections/{secret}/subjects", viewer, panoptes).status_code == 200
        assert get(client, f"/api/collections/{secret}", admin, panoptes).status_code == 200
        assert get(client, f"/api/collections/{secret}", stranger, panoptes).status_code == 404
    assert secret in ids(ok(get(client, "/api/collections", viewer)))
    assert secret not in ids(ok(get(client, "/api/collections", stranger)))
    assert secret in ids(ok(get(client, "/api/collections", admin)))
    # group members see what the group owns; the owner sees her own
    bob = world["bob"]
    private_of_group = make_collection(client, world["alice"], "Group secret", private=True, group_id=world["team"])
    assert get(client, f"/api/collections/{private_of_group}", bob).status_code == 200
    assert get(client, f"/api/collections/{private_of_group}", stranger).status_code == 404
    assert get(client, f"/api/collections/{private_of_group}", viewer).status_code == 404


# -- people -----------------------------------------------------------------------------------------


def test_me(client, world):
    alice = world["alice"]
    doc = ok(get(client, "/api/me", alice))
    assert doc["data"]["type"] == "users" and doc["data"]["id"] == str(alice.id)
    assert doc["data"]["attributes"]["login"] == "alice"
    assert doc["data"]["attributes"]["email"] == "alice@example.org"
    assert doc["data"]["links"]["self"] == f"{ROOT}/users/{alice.id}"
    doc = ok(get(client, "/api/me", alice, True))
    assert doc["users"][0]["id"] == str(alice.id) and doc["users"][0]["href"] == f"/users/{alice.id}"
    [error] = error_of(get(client, "/api/me"), 401)
    assert error["status"] == "401"
    error_of(get(client, "/api/me", panoptes=True), 401)
    error_of(client.get("/api/me", headers={"Accept": JSONAPI, "Authorization": "Bearer nonsense"}), 401)


def test_find_people_by_name(client, world, people):
    alice = world["alice"]
    doc = ok(get(client, "/api/users?filter[login]=bob", alice))
    assert ids(doc) == [str(world["bob"].id)]
    doc = ok(get(client, "/api/users?filter[login]=BOB", alice))
    assert ids(doc) == [str(world["bob"].id)]
    doc = ok(get(client, "/api/users?filter[login]=bob,alice", alice))
    assert sorted(ids(doc), key=int) == sorted([str(world["bob"].id), str(alice.id)], key=int)
    assert ok(get(client, "/api/users?filter[login]=nobody", alice))["data"] == []
    doc = ok(get(client, "/api/user_groups?filter[name]=gardeners", alice))
    assert ids(doc) == [str(world["team"])]
    assert doc["data"][0]["attributes"]["name"] == "gardeners"
    doc = ok(get(client, "/api/user_groups?filter[name]=Gardeners", None, True))
    assert ids(doc, "user_groups") == [str(world["team"])]
    doc = ok(get(client, "/api/users?login=alice", None, True))
    assert ids(doc, "users") == [str(alice.id)]
    error_of(get(client, "/api/users?login=alice"), 400)


def test_email_only_for_the_user_and_admins(client, world, people):
    alice, bob = world["alice"], world["bob"]
    admin = people.user("root", admin=True)
    url = f"/api/users/{alice.id}"
    assert ok(get(client, url, alice))["data"]["attributes"]["email"] == "alice@example.org"
    assert ok(get(client, url, admin))["data"]["attributes"]["email"] == "alice@example.org"
    assert ok(get(client, url, alice, True))["users"][0]["email"] == "alice@example.org"
    for caller in (bob, None):
        assert "email" not in ok(get(client, url, caller))["data"]["attributes"]
        assert "email" not in ok(get(client, url, caller, True))["users"][0]
        for user in ok(get(client, "/api/users", caller))["data"]:
            if caller is None or user["id"] != str(caller.id):
                assert "email" not in user["attributes"]
        doc = ok(get(client, "/api/collections?include=owner", caller))
        for item in doc["included"]:
            assert "email" not in item["attributes"]
        doc = ok(get(client, "/api/collections?include=owner", caller, True))
        for item in doc["linked"]["owners"]:
            assert "email" not in item
        doc = ok(get(client, f"/api/collections/{world['flowers']}/owner", caller))
        assert "email" not in doc["data"]["attributes"]
    # in a list, each caller sees only their own address
    emails = {u["id"]: u["attributes"].get("email") for u in ok(get(client, "/api/users", bob))["data"]}
    assert emails[str(bob.id)] == "bob@example.org" and emails[str(alice.id)] is None


# -- related and relationship endpoints -------------------------------------------------------------


def test_related_endpoints_jsonapi(client, world):
    alice = world["alice"]
    flowers = world["flowers"]
    doc = ok(get(client, f"/api/collections/{flowers}/subjects", alice))
    assert ids(doc) == [world["s1"], world["s2"], world["s3"]]
    assert doc["meta"]["subjects"]["count"] == 3
    doc = ok(get(client, f"/api/collections/{flowers}/subjects?page[size]=2&page[number]=2", alice))
    assert ids(doc) == [world["s3"]]
    assert doc["links"]["first"].startswith(f"{ROOT}/collections/{flowers}/subjects?")
    doc = ok(get(client, f"/api/collections/{flowers}/owner", alice))
    assert (doc["data"]["type"], doc["data"]["id"]) == ("users", str(alice.id))
    doc = ok(get(client, f"/api/collections/{world['trees']}/owner", alice))
    assert (doc["data"]["type"], doc["data"]["id"]) == ("user_groups", str(world["team"]))
    doc = ok(get(client, f"/api/collections/{flowers}/default_subject", alice))
    assert (doc["data"]["type"], doc["data"]["id"]) == ("subjects", world["s2"])
    doc = ok(get(client, f"/api/collections/{world['trees']}/default_subject", alice))
    assert doc["data"] is None
    doc = ok(get(client, f"/api/collections/{flowers}/subjects?include=owner", alice))
    assert {(r["type"], r["id"]) for r in doc["included"]} == {("users", str(alice.id)),
                                                                ("user_groups", str(world["team"]))}
    # every relationship's related link answers
    shown = ok(get(client, f"/api/collections/{flowers}", alice))
    for name, rel in shown["data"]["relationships"].items():
        ok(client.get(rel["links"]["related"], headers=alice.jsonapi()))
        ok(client.get(rel["links"]["self"], headers=alice.jsonapi()))


def test_related_endpoints_panoptes(client, world):
    alice = world["alice"]
    doc = ok(get(client, f"/api/collections/{world['flowers']}/subjects", alice, True))
    assert ids(doc, "subjects") == [world["s1"], world["s2"], world["s3"]]
    assert doc["meta"]["subjects"]["count"] == 3
    doc = ok(get(client, f"/api/collections/{world['trees']}/owner", alice, True))
    assert ids(doc, "user_groups") == [str(world["team"])]
    doc = ok(get(client, f"/api/collections/{world['trees']}/default_subject", alice, True))
    assert all(value == [] for key, value in doc.items() if key not in ("links", "meta", "linked"))


def test_relationship_endpoints_page_linkage(client, people):
    alice = people.user("alice")
    subjects = [make_subject(client, alice, f"https://img.example.org/{i}.jpg") for i in range(5)]
    cid = make_collection(client, alice, "Five", subjects=subjects)
    for base in ("relationships", "links"):
        doc = ok(get(client, f"/api/collections/{cid}/{base}/subjects?page[size]=2", alice))
        assert doc["data"] == [{"type": "subjects", "id": s} for s in subjects[:2]]
        assert doc["links"]["related"] == f"{ROOT}/collections/{cid}/subjects"
        assert doc["links"]["self"].startswith(f"{ROOT}/collections/{cid}/{base}/subjects")
        assert doc["meta"]["subjects"]["count"] == 5
        assert doc["meta"]["subjects"]["page_count"] == 3
        nxt = ok(client.get(doc["links"]["next"], headers=alice.jsonapi()))
        assert nxt["data"] == [{"type": "subjects", "id": s} for s in subjects[2:4]]
        last = ok(client.get(doc["links"]["last"], headers=alice.jsonapi()))
        assert last["data"] == [{"type": "subjects", "id": subjects[4]}]
        doc = ok(get(client, f"/api/collections/{cid}/{base}/owner", alice))
        assert doc["data"] == {"type": "users", "id": str(alice.id)}
        doc = ok(get(client, f"/api/collections/{cid}/{base}/default_subject", alice))
        assert doc["data"] is None
    error_of(get(client, "/api/collections/987654/relationships/subjects", alice), 404)
    error_of(get(client, f"/api/collections/{cid}/relationships/nope", alice), 404)


def test_relationship_linkage_in_resources_is_capped(app, client, people):
    """A to-many too long to list points at the paged endpoint instead of being cut silently."""
    alice = people.user("alice")
    subjects = [make_subject(client, alice, f"https://img.example.org/{i}.jpg") for i in range(4)]
    cid = make_collection(client, alice, "Four", subjects=subjects)
    app.config["LINKAGE_MAX"] = 3
    doc = ok(get(client, f"/api/collections/{cid}", alice))
    rel = doc["data"]["relationships"]["subjects"]
    assert "data" not in rel and rel["meta"]["count"] == 4
    doc = ok(get(client, f"/api/collections/{cid}", alice, True))
    link = doc["collections"][0]["links"]["subjects"]
    assert link["count"] == 4 and link["type"] == "subjects"
    assert ids(ok(client.get("/api" + link["href"], headers=alice.panoptes())), "subjects") == subjects
    # an include still lists every member
    doc = ok(get(client, f"/api/collections/{cid}?include=subjects", alice, True))
    assert doc["collections"][0]["links"]["subjects"] == subjects


# -- Panoptes documents, templates and per-resource links ------------------------------------------


def _expand(template, resource, type_name):
    """RFC 6570 simple expansion the way json-api-client does it."""
    import re

    def value(match):
        path = match.group(1).split(".")
        assert path[0] == type_name
        node = resource
        for part in path[1:]:
            node = node[part] if part in node else node["links"][part]
        return ",".join(node) if isinstance(node, list) else node

    return re.sub(r"\{([^}]+)\}", value, template)


def test_default_subject_src_in_lists_narrowed_to_a_subject(client, world):
    """The first linked subject's location, also where the list is joined to the link table (?subject_id=)."""
    alice = world["alice"]
    mixed = make_collection(client, alice, "Mixed", subjects=[world["s1"], world["s3"]])
    bare = make_collection(client, alice, "Bare")
    doc = ok(get(client, f"/api/collections?subject_id={world['s3']}&sort=display_name", alice))
    src = {item["id"]: item["attributes"]["default_subject_src"] for item in doc["data"]}
    assert src == {world["flowers"]: "https://img.example.org/2.jpg", mixed: "https://img.example.org/1.jpg",
                   world["trees"]: "https://img.example.org/3.jpg"}
    doc = ok(get(client, f"/api/collections/{bare}", alice, True))
    assert doc["collections"][0]["default_subject_src"] is None


def test_panoptes_show_document(client, world):
    alice = world["alice"]
    doc = ok(get(client, f"/api/collections/{world['flowers']}", alice, True))
    assert set(doc) == {"collections", "links", "meta"}
    [item] = doc["collections"]
    assert item["id"] == world["flowers"] and item["href"] == f"/collections/{world['flowers']}"
    assert item["display_name"] == "Flowers" and item["name"] == "flowers" and item["private"] is False
    assert item["default_subject_src"] == "https://img.example.org/2.jpg"
    assert item["links"]["owner"] == {"id": str(alice.id), "type": "users", "href": f"/users/{alice.id}",
                                      "display_name": "Alice"}
    assert item["links"]["subjects"] == [world["s1"], world["s2"], world["s3"]]
    assert item["links"]["default_subject"] == world["s2"]
    assert doc["links"] == {
        "collections.owner": {"href": "/{collections.owner.href}", "type": "owners"},
        "collections.subjects": {"href": "/subjects?collection_id={collections.id}", "type": "subjects"},
        "collections.default_subject": {"href": "/subjects/{collections.default_subject}", "type": "subjects"},
        "collections.iiif_collection": {"href": "/iiif/collections/{collections.id}", "type": "iiif_collections"},
    }
    meta = doc["meta"]["collections"]
    assert meta["page"] == 1 and meta["count"] == 1 and meta["first_href"] == f"/collections/{world['flowers']}"
    group_owned = ok(get(client, f"/api/collections/{world['trees']}", alice, True))["collections"][0]
    assert group_owned["links"]["owner"] == {"id": str(world["team"]), "type": "user_groups",
                                             "href": f"/user_groups/{world['team']}", "display_name": "Gardeners"}


def test_panoptes_templates_resolve(client, world):
    alice = world["alice"]
    doc = ok(get(client, "/api/collections?include=subjects", alice, True))
    templates = doc["links"]
    # a template for every relation that appears in a resource's links, included ones too
    for type_name in ("collections", "subjects"):
        items = doc[type_name] if type_name in doc else doc["linked"][type_name]
        for item in items:
            for rel in item["links"]:
                assert f"{type_name}.{rel}" in templates
    flowers = next(c for c in doc["collections"] if c["id"] == world["flowers"])
    href = _expand(templates["collections.subjects"]["href"], flowers, "collections")
    assert href == f"/subjects?collection_id={world['flowers']}"
    assert ids(ok(client.get("/api" + href, headers=alice.panoptes())), "subjects") == flowers["links"]["subjects"]
    href = _expand(templates["collections.default_subject"]["href"], flowers, "collections")
    assert ids(ok(client.get("/api" + href, headers=alice.panoptes())), "subjects") == [world["s2"]]
    owner_href = _expand(templates["collections.owner"]["href"], flowers, "collections")
    assert owner_href.endswith(f"/users/{alice.id}")
    assert ok(client.get("/api" + flowers["links"]["owner"]["href"], headers=alice.panoptes()))["users"]
    assert ok(client.get("/api" + flowers["href"], headers=alice.panoptes()))["collections"][0]["id"] == \
        world["flowers"]


def test_jsonapi_link_templates_in_meta(client, world):
    alice = world["alice"]
    doc = ok(get(client, f"/api/collections/{world['flowers']}?include=subjects", alice))
    templates = doc["meta"]["link_templates"]
    assert templates["collections"]["subjects"] == {"href": f"{ROOT}/subjects?collection_id={{collections.id}}",
                                                    "type": "subjects"}
    # every relation, and the IIIF Collection the collection is also served as
    assert set(templates["collections"]) == {"owner", "subjects", "default_subject", "iiif_collection"}
    assert "subjects" in templates  # included types get theirs too
    assert set(doc["links"]) == {"self", "describedby"}
    assert doc["links"]["describedby"] == f"{ROOT}/openapi.json"
    assert doc["links"]["self"] == f"{ROOT}/collections/{world['flowers']}?include=subjects"
    item = doc["data"]
    assert item["links"] == {"self": f"{ROOT}/collections/{world['flowers']}",
                             "iiif_collection": f"{ROOT}/iiif/collections/{world['flowers']}"}
    rels = item["relationships"]
    assert rels["subjects"]["links"] == {"self": f"{ROOT}/collections/{world['flowers']}/links/subjects",
                                         "related": f"{ROOT}/collections/{world['flowers']}/subjects"}
    assert rels["owner"]["data"] == {"type": "users", "id": str(alice.id)}
    assert rels["default_subject"]["data"] == {"type": "subjects", "id": world["s2"]}
    href = templates["collections"]["subjects"]["href"].replace("{collections.id}", world["flowers"])
    assert ids(ok(client.get(href, headers=alice.jsonapi()))) == [world["s1"], world["s2"], world["s3"]]


# -- entry point and health -------------------------------------------------------------------------


def test_entry_point_jsonapi(client):
    doc = ok(get(client, "/api"))
    assert "data" not in doc and doc["jsonapi"] == {"version": "1.1"}
    endpoints = doc["meta"]["endpoints"]
    for type_name in ("collections", "subjects", "collection_roles", "users", "user_groups"):
        assert endpoints[type_name] == f"{ROOT}/{type_name}"
        assert client.get(endpoints[type_name], headers={"Accept": JSONAPI}).status_code == 200
    assert set(doc["links"]) <= {"self", "describedby"} and doc["links"]["self"] == ROOT
    templates = doc["meta"]["link_templates"]
    assert templates["collections"]["owner"]["type"] == "owners"
    assert all(t["href"].startswith(ROOT + "/") for rels in templates.values() for t in rels.values())


def test_entry_point_panoptes(client):
    doc = ok(get(client, "/api", panoptes=True))
    assert doc["collections"] == "/collections"
    assert doc["users"] == "/users" and doc["user_groups"] == "/user_groups"
    assert doc["collections.subjects"] == "/subjects?collection_id={collections.id}"
    assert all(isinstance(v, str) and v.startswith("/") and not v.startswith("/api") for v in doc.values())


def test_health(client):
    for panoptes in (False, True):
        response = get(client, "/api/health", panoptes=panoptes)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == (PANOPTES if panoptes else JSONAPI)


def test_sparse_fieldset_may_drop_linkage_of_an_included_relation(client, people):
    """JSON:API's one exception to full linkage: the relationship was left out by fields[]."""
    alice = people.user("alice")
    made = client.post("/api/collections", headers=alice.jsonapi(), content_type=JSONAPI,
                       json={"data": {"type": "collections", "attributes": {"display_name": "Sparse"}}})
    assert made.status_code == 201
    response = client.get("/api/collections?fields[collections]=display_name&include=owner",
                          headers=alice.jsonapi())
    assert response.status_code == 200
    doc = response.get_json()
    assert set(doc["data"][0]) >= {"type", "id", "attributes"}
    assert "relationships" not in doc["data"][0] or "owner" not in doc["data"][0]["relationships"]
    assert [r["type"] for r in doc["included"]] == ["users"]


def test_nul_in_a_query_parameter_is_a_400(client):
    response = client.get("/api/collections?filter[display_name]=a%00b", headers={"Accept": JSONAPI})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["source"]["parameter"] == "filter[display_name]"


@pytest.mark.parametrize("query, status", [
    ("page=99999999999999999999", 400),
    ("page[number]=9007199254740992", 400),
    ("page[number]=9007199254740991&page[size]=100", 200),
    ("page_size=99999999999999999999999", 200),
])
def test_enormous_page_numbers_never_overflow(client, query, status):
    response = client.get("/api/collections?" + query, headers={"Accept": JSONAPI})
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["data"] == []
    else:
        assert response.get_json()["errors"][0]["source"]["parameter"] in ("page", "page[number]")
    linkage = client.get("/api/collections/1/relationships/subjects?" + query, headers={"Accept": JSONAPI})
    assert linkage.status_code in (400, 404)


def test_nested_include_reads_full_linkage_past_linkage_max(app, client, people):
    """A relation listed only up to LINKAGE_MAX at the top is read in full when an include path needs it."""
    alice = people.user("nested_alice")
    app.config["LINKAGE_MAX"] = 2
    subjects = [make_subject(client, alice) for _ in range(3)]
    cid = make_collection(client, alice, "Nested", subjects=subjects)
    client.post(f"/api/collections/{cid}/links/default_subject", headers=alice.panoptes(),
                json={"default_subject": subjects[0]}, content_type="application/json")
    response = client.get(f"/api/collections/{cid}?include=default_subject.collections.subjects",
                          headers=alice.jsonapi())
    assert response.status_code == 200, response.get_json()
    doc = response.get_json()
    assert doc["data"]["relationships"]["subjects"]["meta"]["count"] == 3
    assert sorted(r["id"] for r in doc["included"] if r["type"] == "subjects") == sorted(subjects)
