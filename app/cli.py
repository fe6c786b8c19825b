"""Flask CLI commands: users, groups, tokens, client applications and demo data (API §1)."""
import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth import find_user_by_login, issue_token
from app.extensions import db
from app.models import (
    Collection, CollectionRole, CollectionSubject, Membership, OAuthClient, Subject, User, UserGroup,
)
from app.models.owner_names import name_taken
from app.models.people import GROUP_ADMIN, GROUP_MEMBER
from app.models.sets import DataTable, Document, Layer, Set, SetItem, SetPermission, SetVersionItem
from app.services import set_content
from app.services.markdown import render_markdown

users_cli = AppGroup("users", help="Manage users.")
groups_cli = AppGroup("groups", help="Manage user groups.")
tokens_cli = AppGroup("tokens", help="Issue bearer tokens.")
clients_cli = AppGroup("clients", help="Register OAuth client applications.")

# a token meant to outlive a year is a mistake (and past some size no date can hold its expiry)
MAX_TOKEN_LIFETIME = 366 * 24 * 3600
DEMO_CLIENT_ID = "hyperapi-demo-web"


def _fail(message):
    raise click.ClickException(message)


@users_cli.command("create")
@click.argument("login")
@click.option("--password", required=True, help="The user's password (stored hashed).")
@click.option("--display-name", default=None)
@click.option("--email", default=None)
@click.option("--admin", is_flag=True, default=False, help="Give the user every right.")
def create_user(login, password, display_name, email, admin):
    """Create a user; prints its id on the last line."""
    if find_user_by_login(login) is not None:
        _fail(f"A user with the login '{login}' exists already.")
    if name_taken(login) == "group":
        _fail(f"A group is named '{login}': logins and group names are one namespace, in any case.")
    user = User(login=login, display_name=display_name or login, email=email, admin=admin)
    user.password = password
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created user {login}")
    click.echo(user.id)


@groups_cli.command("create")
@click.argument("name")
@click.option("--display-name", default=None)
@click.option("--member", "members", multiple=True, help="Login of a member (repeat for more).")
def create_group(name, display_name, members):
    """Create a user group; prints its id on the last line. The first member administers it."""
    if db.session.execute(select(UserGroup).where(func.lower(UserGroup.name) == name.lower())).first():
        _fail(f"A group named '{name}' exists already.")
    if name_taken(name) == "user":
        _fail(f"A user has the login '{name}': logins and group names are one namespace, in any case.")
    group = UserGroup(name=name, display_name=display_name or name)
    db.session.add(group)
    db.session.flush()
    for position, login in enumerate(dict.fromkeys(members)):
        user = find_user_by_login(login)
        if user is None:
            db.session.rollback()
            _fail(f"No user with the login '{login}'.")
        db.session.add(Membership(user_group_id=group.id, user_id=user.id,
                                  role=GROUP_ADMIN if position == 0 else GROUP_MEMBER))
    db.session.commit()
    click.echo(f"Created group {name}")
    click.echo(group.id)


@tokens_cli.command("create")
@click.argument("login")
@click.option("--expires-in", type=click.IntRange(min=1, max=MAX_TOKEN_LIFETIME), default=None,
              help=f"Lifetime in seconds (at most {MAX_TOKEN_LIFETIME}, a year).")
def create_token(login, expires_in):
    """Issue a bearer token; prints the token alone on the last line."""
    user = find_user_by_login(login)
    if user is None:
        _fail(f"No user with the login '{login}'.")
    token, lifetime = issue_token(user, expires_in)
    click.echo(f"Token for {login}, valid for {lifetime} seconds:")
    click.echo(token)


@clients_cli.command("create")
@click.argument("name")
@click.option("--client-id", default=None,
              help="The public id to register (e.g. the one existing front-ends were built with); default: a new one.")
def create_client(name, client_id):
    """Register a first-party client application; prints its client_id alone on the last line."""
    import secrets

    client_id = client_id if client_id is not None else secrets.token_hex(16)
    if not client_id.strip() or len(client_id) > 255:
        _fail("The client id must be 1-255 characters.")
    if db.session.execute(select(OAuthClient.id).where(OAuthClient.client_id == client_id)).first():
        _fail(f"A client application with the id '{client_id}' exists already.")
    db.session.add(OAuthClient(client_id=client_id, name=name))
    db.session.commit()
    click.echo(f"Registered client application {name}")
    click.echo(client_id)


DEMO_PASSWORD = "demo-password"


@click.command("demo")
@with_appcontext
def demo():
    """Load demo data (safe to run again: existing demo rows are kept)."""
    people = {}
    for login, name, admin in [("alice", "Alice", False), ("bob", "Bob", False), ("admin", "Admin", True)]:
        user = find_user_by_login(login)
        if user is None:
            user = User(login=login, display_name=name, email=f"{login}@example.org", admin=admin)
            user.password = DEMO_PASSWORD
            db.session.add(user)
            db.session.flush()
        people[login] = user
    group = db.session.execute(select(UserGroup).where(UserGroup.name == "gardeners")).scalar_one_or_none()
    if group is None:
        group = UserGroup(name="gardeners", display_name="The Gardeners")
        db.session.add(group)
        db.session.flush()
        db.session.add(Membership(user_group_id=group.id, user_id=people["alice"].id, role=GROUP_ADMIN))
        db.session.add(Membership(user_group_id=group.id, user_id=people["bob"].id, role=GROUP_MEMBER))
    if db.session.execute(select(Collection.id).where(Collection.name == "spring_flowers")).first() is None:
        subjects = []
        for i in range(1, 7):
            subject = Subject(owner_user_id=people["alice"].id,
                              locations=[{"image/jpeg": f"https://images.example.org/flowers/{i}.jpg"}],
                              metadata_={"#id": i, "caption": f"Flower {i}"})
            db.session.add(subject)
            subjects.append(subject)
        db.session.flush()
        spring = Collection(display_name="Spring flowers", name="spring_flowers", owner_user_id=people["alice"].id,
                            description="Early bloomers.", default_subject_id=subjects[0].id)
        secret = Collection(display_name="Alice's drafts", name="alice_s_drafts", owner_user_id=people["alice"].id,
                            private=True)
        shared = Collection(display_name="Garden plans", name="garden_plans", owner_group_id=group.id)
        favorites = Collection(display_name="Bob's favourites", name="bob_s_favourites",
                               owner_user_id=people["bob"].id, favorite=True)
        db.session.add_all([spring, secret, shared, favorites])
        db.session.flush()
        for collection, members in [(spring, subjects[:4]), (secret, subjects[4:]), (shared, subjects[2:5]),
                                    (favorites, subjects[:1])]:
            for subject in members:
                db.session.add(CollectionSubject(collection_id=collection.id, subject_id=subject.id))
        db.session.add(CollectionRole(collection_id=secret.id, user_id=people["bob"].id, roles=["viewer"]))
    if db.session.execute(select(Set.id).where(Set.title == "Transport of the north")).first() is None:
        _demo_sets(people, group)
    if db.session.execute(select(OAuthClient.id).where(OAuthClient.client_id == DEMO_CLIENT_ID)).first() is None:
        db.session.add(OAuthClient(client_id=DEMO_CLIENT_ID, name="Demo web front-end"))
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        _fail(f"Could not load the demo data: {exc.orig}")
    click.echo(f"Demo data loaded. Users alice, bob and admin (password '{DEMO_PASSWORD}'); "
               f"client application id '{DEMO_CLIENT_ID}'.")
    click.echo(f"Try: curl {current_app.config.get('PUBLIC_URL') or 'http://127.0.0.1:5000'}/api/collections")


def _demo_sets(people, group):
    """A public published set with a pending draft, and a group's set never published."""
    alice = people["alice"].id
    highways = Layer(title="State highways", description="Centre lines of state highways.", owner_user_id=alice)
    rail = Layer(title="Rail network", owner_user_id=alice)
    counts = DataTable(title="Traffic counts", description="Daily vehicle counts by site.", owner_user_id=alice)
    method = Document(title="Counting method", owner_group_id=group.id)
    db.session.add_all([highways, rail, counts, method])
    db.session.flush()
    transport = Set(title="Transport of the north", description="Roads, rail and **traffic counts**.",
                    description_html=render_markdown("Roads, rail and **traffic counts**."),
                    tags=["transport", "roads"], categories=["infrastructure/transport"], owner_user_id=alice)
    plans = Set(title="Garden plans", description="Beds and paths.", description_html=render_markdown(
        "Beds and paths."), owner_group_id=group.id)
    db.session.add_all([transport, plans])
    db.session.flush()
    db.session.add_all([SetItem(set_id=transport.id, layer_id=highways.id), SetItem(set_id=transport.id,
                        table_id=counts.id), SetItem(set_id=plans.id, document_id=method.id)])
    first = set_content.new_draft(transport, alice)
    set_content.publish(transport, first)
    draft = set_content.new_draft(transport, alice)
    draft.title = "Transport of the north (with rail)"
    db.session.add(SetVersionItem(version_id=draft.id, layer_id=rail.id))
    set_content.new_draft(plans, alice)
    db.session.add(SetPermission(set_id=transport.id, principal="group.everyone", permission="view"))
    db.session.add(SetPermission(set_id=transport.id, principal=f"user.{people['bob'].id}", permission="edit"))


@click.command("import-manifest")
@click.argument("collection_id", type=click.IntRange(min=1))
@click.argument("source")
@click.option("--as", "login", required=True, help="Login of the user the image set is created for.")
@click.option("--language", "languages", multiple=True, help="Preferred label language (repeat; default en).")
@with_appcontext
def import_manifest_command(collection_id, source, login, languages):
    """Import a IIIF manifest (a URL, fetched safely, or a local file) as a new image set."""
    import os

    from app.auth import Caller
    from app.engine.errors import ApiError
    from app.engine.registry import RESOURCES
    from app.models.image_sets import ImageSet
    from app.services import safe_fetch
    from app.services.iiif import ManifestError, loads_manifest, read_manifest
    from app.services.importer import store_manifest

    user = find_user_by_login(login)
    if user is None:
        _fail(f"No user with the login '{login}'.")
    caller = Caller(user_id=user.id, login=user.login, admin=user.admin)
    image_sets = RESOURCES["image_sets"]
    try:
        collection = image_sets.visible_collection(collection_id, caller)
        image_sets.policy.may_create(caller, ImageSet(collection_id=collection.id, creator_id=user.id), None)
    except ApiError as error:
        _fail(error.detail)
    # no transaction stays open across the fetch: with SQLite a read snapshot kept that long makes the
    # write below fail ("database is locked") as soon as another process has written meanwhile
    collection_id, user_id = collection.id, user.id
    db.session.rollback()
    try:
        if os.path.isfile(source):
            with open(source, "rb") as handle:
                doc = loads_manifest(handle.read())
        else:
            doc, _result = safe_fetch.fetch_json(source, **safe_fetch.options_from_settings(current_app.config))
        manifest = read_manifest(doc, languages or ("en",))
    except safe_fetch.FetchRefused as refused:
        _fail(f"Could not fetch the manifest ({refused.code}): {refused.message}")
    except ManifestError as error:
        _fail(error.message)
    with click.progressbar(length=len(manifest.images), label="Importing images", file=None) as bar:
        new_id = store_manifest(manifest, collection_id, user_id, progress=bar.update)
    db.session.commit()
    counts = manifest.counts
    click.echo(f"Imported '{manifest.name}': {counts['images']} images from {counts['canvases']} canvases "
               f"({counts['skipped_canvases']} skipped).")
    click.echo(new_id)


def init_app(app):
    from app.jobs import cli as jobs_cli

    jobs_cli.init_app(app)
    app.cli.add_command(import_manifest_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(groups_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(clients_cli)
    app.cli.add_command(demo)
