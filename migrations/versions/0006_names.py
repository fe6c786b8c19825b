"""owner_names: one case-insensitive namespace for user logins and group names

Revision ID: 0006_names
Revises: 0005_auth

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_names'
down_revision = '0005_auth'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('owner_names',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('user_id', ID, nullable=True),
    sa.Column('user_group_id', ID, nullable=True),
    sa.CheckConstraint('(user_id IS NULL) <> (user_group_id IS NULL)', name=op.f('ck_owner_names_one_owner')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_owner_names_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_group_id'], ['user_groups.id'], name=op.f('fk_owner_names_user_group_id_user_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_owner_names')),
    sa.UniqueConstraint('user_id', name=op.f('uq_owner_names_user_id')),
    sa.UniqueConstraint('user_group_id', name=op.f('uq_owner_names_user_group_id')),
    )
    # existing names; a database already holding a login equal to a group name stops here, to be renamed
    op.execute("INSERT INTO owner_names (name, user_id) SELECT login, id FROM users")
    op.execute("INSERT INTO owner_names (name, user_group_id) SELECT name, id FROM user_groups")
    op.create_index('uq_owner_names_name_lower', 'owner_names', [sa.text('lower(name)')], unique=True)


def downgrade():
    op.drop_index('uq_owner_names_name_lower', table_name='owner_names')
    op.drop_table('owner_names')
