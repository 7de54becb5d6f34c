"""problem embeddings: a stored sentence vector per problem, nearest neighbours per proposal

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_problem_vectors",
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["problem_id"], ["campaign_problems.id"],
                                name=op.f("fk_campaign_problem_vectors_problem_id_campaign_problems"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("problem_id", name=op.f("pk_campaign_problem_vectors")),
    )
    # Proposals stored before this revision have no neighbours to show: an empty list each.
    with op.batch_alter_table("campaign_topic_proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("neighbours", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("campaign_topic_proposals", schema=None) as batch_op:
        batch_op.drop_column("neighbours")
    op.drop_table("campaign_problem_vectors")
