"""marshmallow-jsonapi schemas: the one statement of each type's fields, relations and validation."""
