"""auth: OAuth client applications, refresh tokens (kind, family, client, use) and browser sessions

Revision ID: 0005_auth
Revises: 0004
Create Date: 2026-12-02 13:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_auth'
down_revision = '0004'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('oauth_clients',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_clients')),
    sa.UniqueConstraint('client_id', name=op.f('uq_oauth_clients_client_id'))
    )
    op.create_table('user_sessions',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('user_id', ID, nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('digest', name=op.f('uq_user_sessions_digest'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='access', nullable=False))
        batch_op.add_column(sa.Column('family', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('client_id', ID, nullable=True))
        batch_op.add_column(sa.Column('used_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_tokens_family'), ['family'], unique=False)
        batch_op.create_index(batch_op.f('ix_tokens_client_id'), ['client_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tokens_client_id_oauth_clients'), 'oauth_clients',
                                    ['client_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(batch_op.f('ck_tokens_kind'), "kind in ('access', 'refresh')")


def downgrade():
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_tokens_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_tokens_client_id_oauth_clients'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tokens_client_id'))
        batch_op.drop_index(batch_op.f('ix_tokens_family'))
        batch_op.drop_column('used_at')
        batch_op.drop_column('client_id')
        batch_op.drop_column('family')
        batch_op.drop_column('kind')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
    op.drop_table('oauth_clients')
