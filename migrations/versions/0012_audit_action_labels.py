"""audit action labels: each audit row keeps what was done, in words, as its route declared it

Until now the run timeline labelled audit rows by matching their route against a table of URL
patterns kept in engine/timeline.py. The table below is that one, frozen as it was, to label the
rows written before this revision once; new rows carry their route's own label (api/audit.py).

Revision ID: 0012
Revises: 0011
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (methods, end of the route template without /api/v1 or /console, label). First match wins.
OLD_LABELS = [
    ("POST", r"^/campaigns(/new)?$", "发起订单式教研"),
    ("POST", r"/problems$", "提交教学问题"),
    ("PATCH", r"/problems/\{problem_id\}$", "修改教学问题"),
    ("DELETE", r"/problems/\{problem_id\}$", "撤回教学问题"),
    ("POST", r"/problems/\{problem_id\}/votes?$", "投票"),
    ("DELETE POST", r"/problems/\{problem_id\}/(votes|unvote)$", "撤回投票"),
    ("POST", r"/campaigns/\{campaign_id\}/topics$", "确认专题"),
    ("POST", r"/campaigns/\{campaign_id\}/trainings$", "安排培训"),
    ("POST", r"/trainings/\{training_id\}/checkin$", "培训签到"),
    ("POST", r"/plan/approve$", "批准研究方案"),
    ("POST", r"/plan/return$", "退回研究方案"),
    ("PUT POST", r"/plan$", "提交研究方案"),
    ("POST", r"/stages/\{stage_id\}/done$", "标记阶段完成"),
    ("PUT", r"/summary$", "撰写专题总结"),
    ("POST", r"/reflections$", "提交反思"),
    ("POST", r"/phase/close$", "提前结束当前阶段"),
    ("POST", r"/phase/extend$", "延长截止时间"),
    ("POST", r"^/campaigns/\{campaign_id\}/cancel$", "取消活动"),
    ("POST", r"/tasks/\{task_id\}/deliver$", "提交任务成果"),
    ("POST", r"/clusters/\{cluster_id\}/series$", "安排学期联片教研"),
    ("POST", r"/series/\{series_id\}/pause$", "暂停联片教研"),
    ("POST", r"/series/\{series_id\}/resume$", "恢复联片教研"),
    ("POST", r"/series/\{series_id\}/end$", "提前结束本学期联片教研"),
    ("POST", r"/series/\{series_id\}/participants$", "添加参与教师"),
    ("DELETE", r"/participants/\{teacher_id\}$", "移除参与教师"),
    ("PATCH", r"/sessions/\{session_id\}$", "修改本次活动"),
    ("POST", r"/sessions/\{session_id\}/skip$", "取消本次活动"),
    ("POST", r"/sessions/\{session_id\}/reschedule$", "调整活动时间"),
    ("POST", r"/sessions/\{session_id\}/checkin$", "活动签到"),
    ("PUT POST", r"/minutes$", "提交纪要"),
    ("POST", r"^/runs/\{workflow_id\}/cancel$", "取消运行"),
]
ROUTE_PREFIX = re.compile(r"^/(api/v1|console)")


def old_label(method: str, route: str) -> str | None:
    path = ROUTE_PREFIX.sub("", route)
    return next((label for methods, pattern, label in OLD_LABELS
                 if method in methods.split() and re.search(pattern, path)), None)


def upgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("action", sa.String(length=100), nullable=True))
    # One update per distinct route (a few dozen), however many rows there are. Rows the old table
    # did not know keep no label: the timeline shows their method and route.
    audit = sa.table("audit_entries", sa.column("method", sa.String), sa.column("route", sa.String),
                     sa.column("action", sa.String))
    connection = op.get_bind()
    for method, route in connection.execute(sa.select(audit.c.method, audit.c.route).distinct()).all():
        if label := old_label(method, route):
            connection.execute(audit.update().where(audit.c.method == method, audit.c.route == route)
                               .values(action=label))


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("action")
