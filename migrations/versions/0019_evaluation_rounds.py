"""evaluation rounds (教联体考评): scheme versions, rounds, values with the records behind them,
schools' reviews, the anonymous survey (invitations apart from responses)

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('evaluation_schemes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_evaluation_schemes_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_schemes')),
    sa.UniqueConstraint('version', name=op.f('uq_evaluation_schemes_version'))
    )
    op.create_table('evaluation_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=32), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('collect_until', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('review_until', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminder_days', sa.JSON(), nullable=False),
    sa.Column('reminders_sent', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_evaluation_rounds_cluster_id_clusters')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_evaluation_rounds_created_by_users')),
    sa.ForeignKeyConstraint(['published_by'], ['users.id'], name=op.f('fk_evaluation_rounds_published_by_users')),
    sa.ForeignKeyConstraint(['scheme_id'], ['evaluation_schemes.id'], name=op.f('fk_evaluation_rounds_scheme_id_evaluation_schemes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_rounds')),
    sa.UniqueConstraint('cluster_id', 'term', name=op.f('uq_evaluation_rounds_cluster_id'))
    )
    with op.batch_alter_table('evaluation_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_rounds_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_rounds_stage'), ['stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_rounds_term'), ['term'], unique=False)

    op.create_table('evaluation_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('dispute_notified_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer_notified_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['users.id'], name=op.f('fk_evaluation_reviews_answered_by_users')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_evaluation_reviews_decided_by_users')),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], name=op.f('fk_evaluation_reviews_round_id_evaluation_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_evaluation_reviews_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_reviews')),
    sa.UniqueConstraint('round_id', 'school_id', name=op.f('uq_evaluation_reviews_round_id'))
    )
    with op.batch_alter_table('evaluation_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_reviews_round_id'), ['round_id'], unique=False)

    op.create_table('evaluation_survey_invitations',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], name=op.f('fk_evaluation_survey_invitations_round_id_evaluation_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_evaluation_survey_invitations_user_id_users')),
    sa.PrimaryKeyConstraint('round_id', 'user_id', name=op.f('pk_evaluation_survey_invitations'))
    )
    op.create_table('evaluation_survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('partners', sa.Integer(), nullable=False),
    sa.Column('activities', sa.Integer(), nullable=False),
    sa.Column('feedback', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], name=op.f('fk_evaluation_survey_responses_round_id_evaluation_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_survey_responses'))
    )
    with op.batch_alter_table('evaluation_survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_survey_responses_round_id'), ['round_id'], unique=False)

    op.create_table('evaluation_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=40), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('records', sa.JSON(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('override_score', sa.Float(), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.Column('overridden_by', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('entered_by', sa.Integer(), nullable=True),
    sa.Column('entered_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['entered_by'], ['users.id'], name=op.f('fk_evaluation_values_entered_by_users')),
    sa.ForeignKeyConstraint(['overridden_by'], ['users.id'], name=op.f('fk_evaluation_values_overridden_by_users')),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], name=op.f('fk_evaluation_values_round_id_evaluation_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_evaluation_values_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_values'))
    )
    with op.batch_alter_table('evaluation_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_values_round_id'), ['round_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('evaluation_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_values_round_id'))

    op.drop_table('evaluation_values')
    with op.batch_alter_table('evaluation_survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_survey_responses_round_id'))

    op.drop_table('evaluation_survey_responses')
    op.drop_table('evaluation_survey_invitations')
    with op.batch_alter_table('evaluation_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_reviews_round_id'))

    op.drop_table('evaluation_reviews')
    with op.batch_alter_table('evaluation_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_rounds_term'))
        batch_op.drop_index(batch_op.f('ix_evaluation_rounds_stage'))
        batch_op.drop_index(batch_op.f('ix_evaluation_rounds_cluster_id'))

    op.drop_table('evaluation_rounds')
    op.drop_table('evaluation_schemes')
