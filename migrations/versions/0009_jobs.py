"""jobs: long writes run off the request path and polled by their creator

Revision ID: 0009_jobs
Revises: 0008_activities

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_jobs'
down_revision = '0008_activities'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TIME = sa.DateTime(timezone=True)


def upgrade():
    op.create_table('jobs',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('creator_id', ID, nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('errors', sa.JSON(), nullable=True),
    sa.Column('result_type', sa.String(length=40), nullable=True),
    sa.Column('result_id', ID, nullable=True),
    sa.Column('result_path', sa.String(length=200), nullable=True),
    sa.Column('result_meta', sa.JSON(), nullable=True),
    sa.Column('started_at', TIME, nullable=True),
    sa.Column('finished_at', TIME, nullable=True),
    sa.Column('heartbeat_at', TIME, nullable=True),
    sa.Column('created_at', TIME, nullable=False),
    sa.Column('updated_at', TIME, nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'running', 'completed', 'failed')", name=op.f('ck_jobs_status')),
    sa.ForeignKeyConstraint(['creator_id'], ['users.id'], name=op.f('fk_jobs_creator_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    op.create_index('ix_jobs_creator', 'jobs', ['creator_id', 'id'])
    op.create_index('ix_jobs_status_heartbeat', 'jobs', ['status', 'heartbeat_at'])
    op.create_index('ix_jobs_finished', 'jobs', ['finished_at'])
    for column in ('created_at', 'updated_at'):  # the list orders, each direction ending in the id
        op.create_index(f'ix_jobs_{column}_id', 'jobs', [column, 'id'])
        op.create_index(f'ix_jobs_{column}_desc_id', 'jobs', [sa.text(f'{column} DESC'), 'id'])


def downgrade():
    op.drop_index('ix_jobs_finished', table_name='jobs')
    op.drop_index('ix_jobs_status_heartbeat', table_name='jobs')
    op.drop_index('ix_jobs_creator', table_name='jobs')
    op.drop_table('jobs')
