"""series

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_calendar_tokens_cluster_id_clusters')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_tokens')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_calendar_tokens_token_sha256'))
    )
    with op.batch_alter_table('calendar_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('term', sa.String(length=32), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('skip_dates', sa.JSON(), nullable=False),
    sa.Column('host_rotation', sa.JSON(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=50), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('organiser_user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('announce_days_before', sa.Integer(), nullable=False),
    sa.Column('reminder_minutes_before', sa.JSON(), nullable=False),
    sa.Column('checkin_opens_minutes_before', sa.Integer(), nullable=False),
    sa.Column('checkin_closes_minutes_after', sa.Integer(), nullable=False),
    sa.Column('minutes_due_days', sa.Integer(), nullable=False),
    sa.Column('escalate_after_days', sa.Integer(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_series_cluster_id_clusters')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_series_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['organiser_user_id'], ['users.id'], name=op.f('fk_series_organiser_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series'))
    )
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_series_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_series_status'), ['status'], unique=False)

    op.create_table('series_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('week', sa.Integer(), nullable=False),
    sa.Column('starts_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('host_school_id', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('theme', sa.String(length=200), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('recorder_user_id', sa.Integer(), nullable=True),
    sa.Column('skip_reason', sa.String(length=500), nullable=False),
    sa.Column('uid', sa.String(length=64), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['host_school_id'], ['schools.id'], name=op.f('fk_series_sessions_host_school_id_schools')),
    sa.ForeignKeyConstraint(['recorder_user_id'], ['users.id'], name=op.f('fk_series_sessions_recorder_user_id_users')),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_series_sessions_series_id_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series_sessions')),
    sa.UniqueConstraint('uid', name=op.f('uq_series_sessions_uid'))
    )
    with op.batch_alter_table('series_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_sessions_series_id'), ['series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_series_sessions_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_series_sessions_status'), ['status'], unique=False)

    op.create_table('series_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_series_changes_actor_user_id_users')),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_series_changes_series_id_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['series_sessions.id'], name=op.f('fk_series_changes_session_id_series_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series_changes'))
    )
    with op.batch_alter_table('series_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_changes_series_id'), ['series_id'], unique=False)

    op.create_table('series_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('left_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('added_by_user_id', sa.Integer(), nullable=True),
    sa.Column('removed_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_user_id'], ['users.id'], name=op.f('fk_series_participants_added_by_user_id_users')),
    sa.ForeignKeyConstraint(['removed_by_user_id'], ['users.id'], name=op.f('fk_series_participants_removed_by_user_id_users')),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_series_participants_series_id_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['teachers.id'], name=op.f('fk_series_participants_teacher_id_teachers')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_series_participants_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series_participants'))
    )
    with op.batch_alter_table('series_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_participants_series_id'), ['series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_series_participants_teacher_id'), ['teacher_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_series_participants_user_id'), ['user_id'], unique=False)

    op.create_table('session_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['series_sessions.id'], name=op.f('fk_session_checkins_session_id_series_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_checkins_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_checkins')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_session_checkins_session_id'))
    )
    with op.batch_alter_table('session_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_checkins_session_id'), ['session_id'], unique=False)

    op.create_table('session_minutes',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('links', sa.JSON(), nullable=False),
    sa.Column('submitted_by_user_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['series_sessions.id'], name=op.f('fk_session_minutes_session_id_series_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_user_id'], ['users.id'], name=op.f('fk_session_minutes_submitted_by_user_id_users')),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_session_minutes'))
    )


def downgrade() -> None:
    op.drop_table('session_minutes')
    with op.batch_alter_table('session_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_checkins_session_id'))

    op.drop_table('session_checkins')
    with op.batch_alter_table('series_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_participants_user_id'))
        batch_op.drop_index(batch_op.f('ix_series_participants_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_series_participants_series_id'))

    op.drop_table('series_participants')
    with op.batch_alter_table('series_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_changes_series_id'))

    op.drop_table('series_changes')
    with op.batch_alter_table('series_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_sessions_status'))
        batch_op.drop_index(batch_op.f('ix_series_sessions_starts_at'))
        batch_op.drop_index(batch_op.f('ix_series_sessions_series_id'))

    op.drop_table('series_sessions')
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_status'))
        batch_op.drop_index(batch_op.f('ix_series_cluster_id'))
        batch_op.drop_index(batch_op.f('ix_series_campaign_id'))

    op.drop_table('series')
    with op.batch_alter_table('calendar_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_tokens_user_id'))

    op.drop_table('calendar_tokens')
