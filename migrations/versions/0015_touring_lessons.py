"""touring lessons (送教下乡): studios, tours, their stops (UID and SEQUENCE for the calendar feeds),
check-ins, the host school's feedback and the change log each tour's run reads

Revision ID: 0015
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tour_studios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tour_studios')),
    sa.UniqueConstraint('name', name=op.f('uq_tour_studios_name'))
    )
    op.create_table('tour_studio_members',
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id'], ['tour_studios.id'], name=op.f('fk_tour_studio_members_studio_id_tour_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tour_studio_members_user_id_users')),
    sa.PrimaryKeyConstraint('studio_id', 'user_id', name=op.f('pk_tour_studio_members'))
    )
    with op.batch_alter_table('tour_studio_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tour_studio_members_user_id'), ['user_id'], unique=False)

    op.create_table('tours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('presenter_user_id', sa.Integer(), nullable=True),
    sa.Column('studio_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('checklist_items', sa.JSON(), nullable=False),
    sa.Column('checklist_days_before', sa.Integer(), nullable=False),
    sa.Column('checkin_opens_minutes_before', sa.Integer(), nullable=False),
    sa.Column('checkin_closes_minutes_after', sa.Integer(), nullable=False),
    sa.Column('feedback_chase_days', sa.Integer(), nullable=False),
    sa.Column('feedback_chases', sa.Integer(), nullable=False),
    sa.Column('import_key', sa.String(length=300), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('end_reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_tours_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['presenter_user_id'], ['users.id'], name=op.f('fk_tours_presenter_user_id_users')),
    sa.ForeignKeyConstraint(['studio_id'], ['tour_studios.id'], name=op.f('fk_tours_studio_id_tour_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tours')),
    sa.UniqueConstraint('import_key', name=op.f('uq_tours_import_key'))
    )
    with op.batch_alter_table('tours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tours_presenter_user_id'), ['presenter_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tours_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tours_studio_id'), ['studio_id'], unique=False)

    op.create_table('tour_stops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tour_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('host_school_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('skip_reason', sa.String(length=500), nullable=False),
    sa.Column('checklist_ticked', sa.JSON(), nullable=False),
    sa.Column('checklist_done_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recording_link', sa.String(length=500), nullable=True),
    sa.Column('uid', sa.String(length=64), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['host_school_id'], ['schools.id'], name=op.f('fk_tour_stops_host_school_id_schools')),
    sa.ForeignKeyConstraint(['tour_id'], ['tours.id'], name=op.f('fk_tour_stops_tour_id_tours'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tour_stops')),
    sa.UniqueConstraint('uid', name=op.f('uq_tour_stops_uid'))
    )
    with op.batch_alter_table('tour_stops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tour_stops_host_school_id'), ['host_school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tour_stops_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tour_stops_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tour_stops_tour_id'), ['tour_id'], unique=False)

    op.create_table('tour_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tour_id', sa.Integer(), nullable=False),
    sa.Column('stop_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_tour_changes_actor_user_id_users')),
    sa.ForeignKeyConstraint(['stop_id'], ['tour_stops.id'], name=op.f('fk_tour_changes_stop_id_tour_stops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tour_id'], ['tours.id'], name=op.f('fk_tour_changes_tour_id_tours'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tour_changes'))
    )
    with op.batch_alter_table('tour_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tour_changes_tour_id'), ['tour_id'], unique=False)

    op.create_table('tour_feedback',
    sa.Column('stop_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('strengths', sa.Text(), nullable=False),
    sa.Column('suggestions', sa.Text(), nullable=False),
    sa.Column('submitted_by_user_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['stop_id'], ['tour_stops.id'], name=op.f('fk_tour_feedback_stop_id_tour_stops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_user_id'], ['users.id'], name=op.f('fk_tour_feedback_submitted_by_user_id_users')),
    sa.PrimaryKeyConstraint('stop_id', name=op.f('pk_tour_feedback'))
    )
    op.create_table('tour_stop_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stop_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['stop_id'], ['tour_stops.id'], name=op.f('fk_tour_stop_checkins_stop_id_tour_stops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tour_stop_checkins_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tour_stop_checkins')),
    sa.UniqueConstraint('stop_id', 'user_id', name=op.f('uq_tour_stop_checkins_stop_id'))
    )
    with op.batch_alter_table('tour_stop_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tour_stop_checkins_stop_id'), ['stop_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tour_stop_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tour_stop_checkins_stop_id'))

    op.drop_table('tour_stop_checkins')
    op.drop_table('tour_feedback')
    with op.batch_alter_table('tour_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tour_changes_tour_id'))

    op.drop_table('tour_changes')
    with op.batch_alter_table('tour_stops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tour_stops_tour_id'))
        batch_op.drop_index(batch_op.f('ix_tour_stops_status'))
        batch_op.drop_index(batch_op.f('ix_tour_stops_starts_at'))
        batch_op.drop_index(batch_op.f('ix_tour_stops_host_school_id'))

    op.drop_table('tour_stops')
    with op.batch_alter_table('tours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tours_studio_id'))
        batch_op.drop_index(batch_op.f('ix_tours_status'))
        batch_op.drop_index(batch_op.f('ix_tours_presenter_user_id'))

    op.drop_table('tours')
    with op.batch_alter_table('tour_studio_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tour_studio_members_user_id'))

    op.drop_table('tour_studio_members')
    op.drop_table('tour_studios')
