"""`flask --app wsgi import-manifest COLLECTION_ID URL_OR_FILE --as LOGIN [--language xx]` (API §1, §7.3).

Run through the ``runner`` fixture (the command gets the test app's context). Sources: a local fixture file,
or a URL served by the loopback fixture server (tests/iiif_server.py), allow-listed per test.
"""
import os
import sqlite3

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.image_sets import Image, ImageSet, ImageSetImage
from tests.iiif_server import FIXTURES, _manifest_server, server  # noqa: F401 - fixtures
from tests.reading_seed import grant_role
from tests.writing_helpers import create_collection


@pytest.fixture
def owner(people):
    return people.user("owner")


@pytest.fixture
def collection(client, owner):
    return create_collection(client, owner, "Manuscripts")


def fixture_file(name):
    return os.path.join(FIXTURES, name)


def run(runner, collection_id, source, login, *extra):
    return runner.invoke(args=["import-manifest", str(collection_id), source, "--as", login, *extra])


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (ImageSet, Image, ImageSetImage))


def new_set(app, result):
    """The image set whose id is alone on the last line of the output: (name, creator, collection, images)."""
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.isdigit(), result.output
    with app.app_context():
        image_set = db.session.get(ImageSet, int(last))
        assert image_set is not None
        images = db.session.scalar(select(func.count()).select_from(ImageSetImage)
                                   .where(ImageSetImage.image_set_id == image_set.id))
        return image_set.name, image_set.creator_id, image_set.collection_id, images


@pytest.mark.parametrize("name,images,title", [
    ("v2-harvard-art-299843.json", 6, "Self-Portrait Dedicated to Paul Gauguin"),
    ("v2-florus-empty-canvases.json", 238, "Codex Florus dispersus"),
    ("v3-cookbook-0283-missing-image.json", 3, "Ethiopic Ms 10"),
])
def test_local_file(app, runner, owner, collection, name, images, title):
    before = counts(app)
    result = run(runner, collection, fixture_file(name), owner.login)
    assert new_set(app, result) == (title, owner.id, int(collection), images)
    assert counts(app) == (before[0] + 1, before[1] + images, before[2] + images)
    assert "Importing images" in result.output  # the progress bar's label


def test_allow_listed_url(app, runner, server, owner, collection):
    result = run(runner, collection, server.url("v2-dlcs-body-choice.json"), owner.login)
    assert new_set(app, result) == ("Codex Xolotl", owner.id, int(collection), 19)
    assert server.seen == ["/iiif/v2-dlcs-body-choice.json"]


def test_language_option(app, runner, owner, collection):
    result = run(runner, collection, fixture_file("v2-fixture62-label-languages.json"), owner.login,
                 "--language", "fr")
    assert new_set(app, result)[0] == "62: quelque titre"
    result = run(runner, collection, fixture_file("v3-cookbook-0006-text-language.json"), owner.login)
    assert new_set(app, result)[0] == "Whistler's Mother"


def test_collection_role_holder(app, runner, client, people, owner):
    holder = people.user("holder")
    private = create_collection(client, owner, "Shared", private=True)
    grant_role(client, owner, private, holder, ["contributor"])
    result = run(runner, private, fixture_file("v2-fixture01-minimal.json"), holder.login)
    assert new_set(app, result) == ("Test 1 Manifest: Minimum Required Fields", holder.id, int(private), 1)


def assert_refused(app, result, before, *reasons):
    assert result.exit_code != 0, result.output
    assert any(reason in result.output for reason in reasons), result.output
    assert counts(app) == before


def test_unknown_login(app, runner, collection):
    before = counts(app)
    result = run(runner, collection, fixture_file("v2-fixture01-minimal.json"), "nobody")
    assert_refused(app, result, before, "nobody")


def test_invisible_and_unknown_collections(app, runner, client, people, owner):
    stranger = people.user("stranger")
    private = create_collection(client, owner, "Hidden", private=True)
    before = counts(app)
    for collection_id in (private, 999999):
        result = run(runner, collection_id, fixture_file("v2-fixture01-minimal.json"), stranger.login)
        assert_refused(app, result, before, "Could not find collections")


def test_stranger_on_public_collection(app, runner, people, collection):
    stranger = people.user("stranger")
    before = counts(app)
    result = run(runner, collection, fixture_file("v2-fixture01-minimal.json"), stranger.login)
    assert_refused(app, result, before, "may add image sets")


@pytest.mark.parametrize("name,reason", [
    ("v2-fixtures-collection.json", "Collection"),
    ("v3-cookbook-0032-collection.json", "Collection"),
    ("v2-fixture27-no-image.json", "image"),
    ("SOURCES.md", "JSON"),
])
def test_not_a_manifest_file(app, runner, owner, collection, name, reason):
    before = counts(app)
    result = run(runner, collection, fixture_file(name), owner.login)
    assert_refused(app, result, before, reason)


def test_refused_urls(app, runner, server, owner, collection):
    before = counts(app)
    other_port = server.port + 1 if server.port < 65535 else server.port - 1
    for url, code in [
        (f"http://localhost:{server.port}/iiif/v2-fixture01-minimal.json", "address_not_allowed"),
        (f"http://127.0.0.1:{other_port}/iiif/v2-fixture01-minimal.json", "address_not_allowed"),
        ("http://10.1.2.3/manifest.json", "address_not_allowed"),
        ("ftp://example.org/manifest.json", "scheme_not_allowed"),
        (server.url("no-such-file.json"), "http_error"),
        (server.route("/moved", b"", status=302, Location="http://169.254.169.254/latest/"), "address_not_allowed"),
    ]:
        result = run(runner, collection, url, owner.login)
        assert_refused(app, result, before, code)
    assert server.seen == ["/iiif/no-such-file.json", "/moved"]


def test_another_process_writing_during_the_fetch(app, runner, server, owner, collection):
    """No read snapshot is kept across the fetch, so a write committed meanwhile does not fail the import."""
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    if not database.startswith("sqlite:///"):
        pytest.skip("SQLite snapshots")
    outcome = []

    def another_writer():
        connection = sqlite3.connect(database[len("sqlite:///"):], timeout=2, isolation_level=None)
        try:
            connection.execute("UPDATE users SET display_name = 'Renamed meanwhile' WHERE login = 'owner'")
            outcome.append("wrote")
        finally:
            connection.close()

    with open(fixture_file("v2-harvard-art-299843.json"), "rb") as f:
        url = server.route("/watched.json", f.read(), before=another_writer)
    result = run(runner, collection, url, owner.login)
    assert outcome == ["wrote"]
    assert new_set(app, result)[3] == 6
