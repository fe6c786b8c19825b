"""flask-rest-jsonapi 0.31 serving the benchmark's collections (its own venv and pinned stack, made by
bench/outside_bench.py): ``GET /collections?include=owner,subjects&page[size]=N``.

A minimal, idiomatic flask-rest-jsonapi app over the same SQLite tables: owners are users only (the
library has no polymorphic relation), so group-owned collections show no owner.
"""
import os

from flask import Flask
from flask_rest_jsonapi import Api, ResourceList
from flask_sqlalchemy import SQLAlchemy
from marshmallow_jsonapi import fields
from marshmallow_jsonapi.flask import Relationship, Schema

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
db = SQLAlchemy(app)

links = db.Table("collection_subjects", db.Column("id", db.Integer, primary_key=True),
                 db.Column("collection_id", db.Integer, db.ForeignKey("collections.id")),
                 db.Column("subject_id", db.Integer, db.ForeignKey("subjects.id")))


class User(db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    login = db.Column(db.String)
    display_name = db.Column(db.String)
    created_at = db.Column(db.DateTime)
    updated_at = db.Column(db.DateTime)


class Subject(db.Model):
    __tablename__ = "subjects"
    id = db.Column(db.Integer, primary_key=True)
    locations = db.Column(db.JSON)
    metadata_ = db.Column("metadata", db.JSON)
    created_at = db.Column(db.DateTime)
    updated_at = db.Column(db.DateTime)


class Collection(db.Model):
    __tablename__ = "collections"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String)
    display_name = db.Column(db.String)
    description = db.Column(db.Text)
    private = db.Column(db.Boolean)
    favorite = db.Column(db.Boolean)
    created_at = db.Column(db.DateTime)
    updated_at = db.Column(db.DateTime)
    owner_user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    owner = db.relationship(User)
    subjects = db.relationship(Subject, secondary=links, order_by=links.c.id)


class UserSchema(Schema):
    class Meta:
        type_ = "users"
        self_view = "user_detail"
        self_view_kwargs = {"id": "<id>"}
    id = fields.Str(dump_only=True)
    login = fields.Str()
    display_name = fields.Str()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class SubjectSchema(Schema):
    class Meta:
        type_ = "subjects"
        self_view = "subject_detail"
        self_view_kwargs = {"id": "<id>"}
    id = fields.Str(dump_only=True)
    locations = fields.Raw()
    metadata = fields.Raw(attribute="metadata_")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CollectionSchema(Schema):
    class Meta:
        type_ = "collections"
        self_view = "collection_detail"
        self_view_kwargs = {"id": "<id>"}
        self_view_many = "collection_list"
    id = fields.Str(dump_only=True)
    name = fields.Str()
    display_name = fields.Str()
    description = fields.Str()
    private = fields.Bool()
    favorite = fields.Bool()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    owner = Relationship(schema="UserSchema", type_="users", include_resource_linkage=True)
    subjects = Relationship(schema="SubjectSchema", type_="subjects", many=True, include_resource_linkage=True)


class CollectionList(ResourceList):
    schema = CollectionSchema
    data_layer = {"session": db.session, "model": Collection}


api = Api(app)
api.route(CollectionList, "collection_list", "/collections")
# detail views exist only so that self links can be built
app.add_url_rule("/collections/<int:id>", "collection_detail", lambda id: "")
app.add_url_rule("/users/<int:id>", "user_detail", lambda id: "")
app.add_url_rule("/subjects/<int:id>", "subject_detail", lambda id: "")
