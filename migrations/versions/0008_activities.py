"""activities: the IIIF Change Discovery feed of image-set manifests

Revision ID: 0008_activities
Revises: 0007_list_indexes

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_activities'
down_revision = '0007_list_indexes'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('activities',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('image_set_id', ID, nullable=False),
    sa.Column('collection_id', ID, nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=True),
    sa.Column('end_time', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('Create', 'Update', 'Delete')", name=op.f('ck_activities_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    sa.UniqueConstraint('position', name=op.f('uq_activities_position')),
    )
    op.create_index('ix_activities_image_set', 'activities', ['image_set_id', 'position'], unique=False)
    op.create_index('ix_activities_collection', 'activities', ['collection_id'], unique=False)


def downgrade():
    op.drop_index('ix_activities_collection', table_name='activities')
    op.drop_index('ix_activities_image_set', table_name='activities')
    op.drop_table('activities')
