"""annotations on the images of an image set

Revision ID: 0010_annotations
Revises: 0009_jobs

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_annotations'
down_revision = '0009_jobs'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
MOTIVATIONS = ("assessing", "bookmarking", "classifying", "commenting", "describing", "editing", "highlighting",
               "identifying", "linking", "moderating", "questioning", "replying", "tagging")


def upgrade():
    op.create_table('annotations',
    sa.Column('image_set_id', ID, nullable=False),
    sa.Column('image_id', ID, nullable=False),
    sa.Column('creator_id', ID, nullable=False),
    sa.Column('motivation', sa.String(length=20), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('selector', sa.String(length=100), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("motivation in (" + ", ".join(f"'{m}'" for m in MOTIVATIONS) + ")",
                       name=op.f('ck_annotations_motivation')),
    sa.ForeignKeyConstraint(['image_set_id'], ['image_sets.id'], name=op.f('fk_annotations_image_set_id_image_sets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['image_id'], ['images.id'], name=op.f('fk_annotations_image_id_images'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['creator_id'], ['users.id'], name=op.f('fk_annotations_creator_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annotations')),
    sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_annotations_image_id'), 'annotations', ['image_id'], unique=False)
    op.create_index(op.f('ix_annotations_creator_id'), 'annotations', ['creator_id'], unique=False)
    op.create_index('ix_annotations_set_order', 'annotations', ['image_set_id', 'id'], unique=False)
    for column in ('created_at', 'updated_at'):  # the list orders, each direction ending in the id
        op.create_index(f'ix_annotations_{column}_id', 'annotations', [column, 'id'], unique=False)
        op.create_index(f'ix_annotations_{column}_desc_id', 'annotations', [sa.text(f'{column} DESC'), 'id'],
                        unique=False)


def downgrade():
    for column in ('created_at', 'updated_at'):
        op.drop_index(f'ix_annotations_{column}_desc_id', table_name='annotations')
        op.drop_index(f'ix_annotations_{column}_id', table_name='annotations')
    op.drop_index('ix_annotations_set_order', table_name='annotations')
    op.drop_index(op.f('ix_annotations_creator_id'), table_name='annotations')
    op.drop_index(op.f('ix_annotations_image_id'), table_name='annotations')
    op.drop_table('annotations')
