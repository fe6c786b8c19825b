"""list_indexes: an index per sortable column and direction, ending in the id tie-breaker

Revision ID: 0007_list_indexes
Revises: 0006_names

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_list_indexes'
down_revision = '0006_names'
branch_labels = None
depends_on = None

# frozen copy of app/models/list_indexes.py's SORTED at this revision
SORTED = {
    "collections": ("display_name", "created_at", "updated_at"),
    "subjects": ("created_at", "updated_at"),
    "collection_roles": ("created_at", "updated_at"),
    "images": ("weight", "name", "created_at", "updated_at"),
    "image_sets": ("name", "created_at", "updated_at"),
    "languages": ("code", "name"),
    "publications": ("created_at", "updated_at"),
    "users": ("login", "display_name", "created_at", "updated_at"),
    "user_groups": ("name", "display_name", "created_at", "updated_at"),
    "layers": ("title", "created_at", "updated_at"),
    "tables": ("title", "created_at", "updated_at"),
    "documents": ("title", "created_at", "updated_at"),
    "sets": ("title", "created_at", "updated_at"),
    "set_versions": ("created_at", "updated_at"),
    "publishes": ("created_at", "updated_at"),
    "set_permissions": ("created_at", "updated_at", "principal"),
}


def upgrade():
    for table, columns in SORTED.items():
        for column in columns:
            op.create_index(f'ix_{table}_{column}_id', table, [column, 'id'])
            op.create_index(f'ix_{table}_{column}_desc_id', table, [sa.text(f'{column} DESC'), 'id'])


def downgrade():
    for table, columns in SORTED.items():
        for column in columns:
            op.drop_index(f'ix_{table}_{column}_desc_id', table_name=table)
            op.drop_index(f'ix_{table}_{column}_id', table_name=table)
