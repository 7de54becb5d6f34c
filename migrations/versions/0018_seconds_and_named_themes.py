"""seconds and named themes: a teacher's seconding (附议) with her comment, the themes staff expect,
and which named theme a proposal came from

Revision ID: 0018
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_problem_seconds",
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"],
                                name=op.f("fk_campaign_problem_seconds_campaign_id_campaigns"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["problem_id"], ["campaign_problems.id"],
                                name=op.f("fk_campaign_problem_seconds_problem_id_campaign_problems"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_campaign_problem_seconds_user_id_users")),
        sa.PrimaryKeyConstraint("problem_id", "user_id", name=op.f("pk_campaign_problem_seconds")),
    )
    with op.batch_alter_table("campaign_problem_seconds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_problem_seconds_campaign_id"), ["campaign_id"], unique=False)
    op.create_table(
        "campaign_themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("line", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"],
                                name=op.f("fk_campaign_themes_campaign_id_campaigns"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_campaign_themes_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_themes")),
        sa.UniqueConstraint("campaign_id", "title", name=op.f("uq_campaign_themes_campaign_id")),
    )
    with op.batch_alter_table("campaign_topic_proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("theme_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_campaign_topic_proposals_theme_id_campaign_themes"),
                                    "campaign_themes", ["theme_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("campaign_topic_proposals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_campaign_topic_proposals_theme_id_campaign_themes"), type_="foreignkey")
        batch_op.drop_column("theme_id")
    op.drop_table("campaign_themes")
    with op.batch_alter_table("campaign_problem_seconds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_problem_seconds_campaign_id"))
    op.drop_table("campaign_problem_seconds")
