"""exchanges and school locality: teacher exchanges (交流轮岗) with their dates, return report and
assessment; each school's locality (城区 / 乡镇 / 农村), existing schools counted as 城区 until staff say

Revision ID: 0013
Revises: 0018 (re-chained after mentor pairs and named themes)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0013'
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('exchanges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_key', sa.String(length=120), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('home_school_id', sa.Integer(), nullable=False),
    sa.Column('host_school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=True),
    sa.Column('planned_start', sa.Date(), nullable=False),
    sa.Column('planned_end', sa.Date(), nullable=False),
    sa.Column('actual_start', sa.Date(), nullable=True),
    sa.Column('actual_end', sa.Date(), nullable=True),
    sa.Column('duties', sa.Text(), nullable=False),
    sa.Column('selection_criteria', sa.Text(), nullable=False),
    sa.Column('assessment_mechanism', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('steps_done', sa.JSON(), nullable=False),
    sa.Column('report', sa.Text(), nullable=True),
    sa.Column('report_submitted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('teaching_results', sa.String(length=8), nullable=True),
    sa.Column('local_influence', sa.String(length=8), nullable=True),
    sa.Column('collaboration', sa.String(length=8), nullable=True),
    sa.Column('outcome', sa.String(length=8), nullable=True),
    sa.Column('assessment_comment', sa.Text(), nullable=True),
    sa.Column('assessed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('assessed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessed_by_user_id'], ['users.id'], name=op.f('fk_exchanges_assessed_by_user_id_users')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_exchanges_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['home_school_id'], ['schools.id'], name=op.f('fk_exchanges_home_school_id_schools')),
    sa.ForeignKeyConstraint(['host_school_id'], ['schools.id'], name=op.f('fk_exchanges_host_school_id_schools')),
    sa.ForeignKeyConstraint(['teacher_id'], ['teachers.id'], name=op.f('fk_exchanges_teacher_id_teachers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchanges')),
    sa.UniqueConstraint('import_key', name=op.f('uq_exchanges_import_key'))
    )
    with op.batch_alter_table('exchanges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchanges_home_school_id'), ['home_school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchanges_host_school_id'), ['host_school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchanges_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchanges_teacher_id'), ['teacher_id'], unique=False)

    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locality', sa.String(length=8), server_default='城区', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('locality')

    with op.batch_alter_table('exchanges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchanges_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_exchanges_status'))
        batch_op.drop_index(batch_op.f('ix_exchanges_host_school_id'))
        batch_op.drop_index(batch_op.f('ix_exchanges_home_school_id'))

    op.drop_table('exchanges')
