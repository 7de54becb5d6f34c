"""mentor pairs (青蓝工程): programmes per alliance and school year, pairs, logs, stage forms, verdicts

Revision ID: 0014
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("mentoring_programmes",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("cluster_id", sa.Integer(), nullable=False),
    sa.Column("school_year", sa.String(length=9), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("stage_dates", sa.JSON(), nullable=False),
    sa.Column("monthly_log_quota", sa.Integer(), nullable=False),
    sa.Column("created_by_user_id", sa.Integer(), nullable=True),
    sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"], name=op.f("fk_mentoring_programmes_cluster_id_clusters")),
    sa.ForeignKeyConstraint(["created_by_user_id"], ["users.id"], name=op.f("fk_mentoring_programmes_created_by_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_programmes")),
    sa.UniqueConstraint("cluster_id", "school_year", name=op.f("uq_mentoring_programmes_cluster_id"))
    )
    with op.batch_alter_table("mentoring_programmes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_programmes_cluster_id"), ["cluster_id"], unique=False)

    op.create_table("mentoring_pairs",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("programme_id", sa.Integer(), nullable=False),
    sa.Column("mentor_teacher_id", sa.Integer(), nullable=False),
    sa.Column("previous_mentor_teacher_id", sa.Integer(), nullable=True),
    sa.Column("mentee_teacher_id", sa.Integer(), nullable=False),
    sa.Column("subject", sa.String(length=30), nullable=False),
    sa.Column("starts_on", sa.Date(), nullable=False),
    sa.Column("ends_on", sa.Date(), nullable=False),
    sa.Column("goals", sa.Text(), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("current_stage", sa.Integer(), nullable=False),
    sa.Column("ended_reason", sa.String(length=500), nullable=False),
    sa.Column("created_by_user_id", sa.Integer(), nullable=True),
    sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["created_by_user_id"], ["users.id"], name=op.f("fk_mentoring_pairs_created_by_user_id_users")),
    sa.ForeignKeyConstraint(["mentee_teacher_id"], ["teachers.id"], name=op.f("fk_mentoring_pairs_mentee_teacher_id_teachers")),
    sa.ForeignKeyConstraint(["previous_mentor_teacher_id"], ["teachers.id"], name=op.f("fk_mentoring_pairs_previous_mentor_teacher_id_teachers")),
    sa.ForeignKeyConstraint(["mentor_teacher_id"], ["teachers.id"], name=op.f("fk_mentoring_pairs_mentor_teacher_id_teachers")),
    sa.ForeignKeyConstraint(["programme_id"], ["mentoring_programmes.id"], name=op.f("fk_mentoring_pairs_programme_id_mentoring_programmes")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_pairs")),
    sa.UniqueConstraint("programme_id", "mentee_teacher_id", name=op.f("uq_mentoring_pairs_programme_id"))
    )
    with op.batch_alter_table("mentoring_pairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_pairs_mentee_teacher_id"), ["mentee_teacher_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentoring_pairs_mentor_teacher_id"), ["mentor_teacher_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentoring_pairs_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentoring_pairs_status"), ["status"], unique=False)

    op.create_table("mentoring_logs",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("pair_id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("happened_on", sa.Date(), nullable=False),
    sa.Column("note", sa.String(length=500), nullable=False),
    sa.Column("side", sa.String(length=8), nullable=False),
    sa.Column("author_user_id", sa.Integer(), nullable=False),
    sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("confirmed_at", models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column("confirmed_by_user_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["author_user_id"], ["users.id"], name=op.f("fk_mentoring_logs_author_user_id_users")),
    sa.ForeignKeyConstraint(["confirmed_by_user_id"], ["users.id"], name=op.f("fk_mentoring_logs_confirmed_by_user_id_users")),
    sa.ForeignKeyConstraint(["pair_id"], ["mentoring_pairs.id"], name=op.f("fk_mentoring_logs_pair_id_mentoring_pairs"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_logs"))
    )
    with op.batch_alter_table("mentoring_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_logs_pair_id"), ["pair_id"], unique=False)

    op.create_table("mentoring_stage_forms",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("pair_id", sa.Integer(), nullable=False),
    sa.Column("stage", sa.Integer(), nullable=False),
    sa.Column("side", sa.String(length=8), nullable=False),
    sa.Column("summary", sa.Text(), nullable=False),
    sa.Column("next_goals", sa.Text(), nullable=False),
    sa.Column("submitted_by_user_id", sa.Integer(), nullable=False),
    sa.Column("submitted_at", models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["pair_id"], ["mentoring_pairs.id"], name=op.f("fk_mentoring_stage_forms_pair_id_mentoring_pairs"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["submitted_by_user_id"], ["users.id"], name=op.f("fk_mentoring_stage_forms_submitted_by_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_stage_forms")),
    sa.UniqueConstraint("pair_id", "stage", "side", name=op.f("uq_mentoring_stage_forms_pair_id"))
    )
    with op.batch_alter_table("mentoring_stage_forms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_stage_forms_pair_id"), ["pair_id"], unique=False)

    op.create_table("mentoring_verdicts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("pair_id", sa.Integer(), nullable=False),
    sa.Column("stage", sa.Integer(), nullable=False),
    sa.Column("round", sa.Integer(), nullable=False),
    sa.Column("verdict", sa.String(length=20), nullable=False),
    sa.Column("comment", sa.Text(), nullable=False),
    sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
    sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("improvement_plan", sa.Text(), nullable=False),
    sa.Column("plan_filed_at", models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["decided_by_user_id"], ["users.id"], name=op.f("fk_mentoring_verdicts_decided_by_user_id_users")),
    sa.ForeignKeyConstraint(["pair_id"], ["mentoring_pairs.id"], name=op.f("fk_mentoring_verdicts_pair_id_mentoring_pairs"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_verdicts")),
    sa.UniqueConstraint("pair_id", "stage", "round", name=op.f("uq_mentoring_verdicts_pair_id"))
    )
    with op.batch_alter_table("mentoring_verdicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_verdicts_pair_id"), ["pair_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("mentoring_verdicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentoring_verdicts_pair_id"))

    op.drop_table("mentoring_verdicts")
    with op.batch_alter_table("mentoring_stage_forms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentoring_stage_forms_pair_id"))

    op.drop_table("mentoring_stage_forms")
    with op.batch_alter_table("mentoring_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentoring_logs_pair_id"))

    op.drop_table("mentoring_logs")
    with op.batch_alter_table("mentoring_pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentoring_pairs_status"))
        batch_op.drop_index(batch_op.f("ix_mentoring_pairs_programme_id"))
        batch_op.drop_index(batch_op.f("ix_mentoring_pairs_mentor_teacher_id"))
        batch_op.drop_index(batch_op.f("ix_mentoring_pairs_mentee_teacher_id"))

    op.drop_table("mentoring_pairs")
    with op.batch_alter_table("mentoring_programmes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentoring_programmes_cluster_id"))

    op.drop_table("mentoring_programmes")
