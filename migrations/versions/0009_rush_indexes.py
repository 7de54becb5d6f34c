"""indexes for the deadline rush: the timeline reads audit rows by subject in time order; a
teacher's campaigns are found by her user id

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch_op:
        batch_op.drop_index("ix_audit_entries_subject")
        batch_op.create_index("ix_audit_entries_subject_at", ["subject_type", "subject_id", "at"])
    with op.batch_alter_table("campaign_members") as batch_op:
        batch_op.create_index("ix_campaign_members_user_id", ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("campaign_members") as batch_op:
        batch_op.drop_index("ix_campaign_members_user_id")
    with op.batch_alter_table("audit_entries") as batch_op:
        batch_op.drop_index("ix_audit_entries_subject_at")
        batch_op.create_index("ix_audit_entries_subject", ["subject_type", "subject_id"])
