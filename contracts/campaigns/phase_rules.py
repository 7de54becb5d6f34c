"""When each campaign action is allowed, and to whom: the one table of campaign rules.

For every action a user can take on a campaign, the part she must have in it (who may), the
phases and steps in which it is allowed, and the words of its refusal (409 naming the phase). The
workflow's Update validators, the database guard on teachers' actions, the application layer and
the console's buttons all ask this table; no other module lists phases for an action, nor which
part takes which action. The actions still decide each request (actions/policy.py, and beside
each action whether this user has that part); tests/test_phase_rules.py holds them to the table."""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from contracts.campaigns.history import CYCLE, Phase, PhaseStep
from contracts.errors import Conflict


class Part(StrEnum):
    """A user's part in a campaign: what she may do in it follows from it."""

    steers = "steers"  # the campaign's creator, a co-organiser she added, an admin
    reads = "reads"  # every staff member, every admin, a member
    member = "member"  # a teacher in the scope the campaign froze at launch
    author = "author"  # a member, on a problem she submitted
    lead = "lead"  # a topic's lead (a teacher or a staff member)
    assignee = "assignee"  # a teacher, on a task of an approved plan given to her


class CampaignAction(StrEnum):
    # teachers in scope
    submit_problem = "submit_problem"
    edit_problem = "edit_problem"
    withdraw_problem = "withdraw_problem"
    vote = "vote"
    second = "second"  # 附议: a vote and optionally her words, instead of writing the problem again
    unvote = "unvote"
    check_in = "check_in"
    deliver_task = "deliver_task"
    reflect = "reflect"
    # topic leads
    submit_plan = "submit_plan"
    mark_stage_done = "mark_stage_done"
    write_summary = "write_summary"
    # staff
    close_phase = "close_phase"
    extend_phase = "extend_phase"
    cancel = "cancel"
    confirm_topics = "confirm_topics"
    merge_proposals = "merge_proposals"
    move_problem = "move_problem"  # from one topic proposal to another
    split_proposal = "split_proposal"
    schedule_training = "schedule_training"
    decide_plan = "decide_plan"  # approve or return
    name_themes = "name_themes"  # the themes staff expect, before collection closes
    # readers
    find_similar = "find_similar"  # the live problems like the one being written


@dataclass(frozen=True)
class Rule:
    who: Part
    phases: tuple[Phase, ...]
    steps: tuple[PhaseStep, ...]
    doing: str  # completes "不能…" in the refusal


STEERS, MEMBER, AUTHOR, LEAD, ASSIGNEE, READS = (Part.steers, Part.member, Part.author, Part.lead, Part.assignee,
                                                 Part.reads)
OPEN = (PhaseStep.open,)
DECIDING = (PhaseStep.deciding,)
RULES: dict[CampaignAction, Rule] = {
    CampaignAction.submit_problem: Rule(MEMBER, (Phase.collect_topics,), OPEN, "提交问题 (submit problems)"),
    CampaignAction.edit_problem: Rule(AUTHOR, (Phase.collect_topics,), OPEN, "修改问题 (edit problems)"),
    CampaignAction.withdraw_problem: Rule(AUTHOR, (Phase.collect_topics,), OPEN, "撤回问题 (withdraw problems)"),
    CampaignAction.vote: Rule(MEMBER, (Phase.collect_topics,), OPEN, "投票 (vote)"),
    CampaignAction.second: Rule(MEMBER, (Phase.collect_topics,), OPEN, "附议 (second a problem)"),
    CampaignAction.unvote: Rule(MEMBER, (Phase.collect_topics,), OPEN, "撤回投票 (take back a vote)"),
    CampaignAction.check_in: Rule(MEMBER, (Phase.train, Phase.design_plan, Phase.practise), OPEN, "签到 (check in)"),
    CampaignAction.deliver_task: Rule(ASSIGNEE, (Phase.design_plan, Phase.practise), OPEN, "提交成果 (deliver)"),
    CampaignAction.reflect: Rule(MEMBER, (Phase.reflect,), OPEN, "提交反思 (reflect)"),
    CampaignAction.submit_plan: Rule(LEAD, (Phase.design_plan,), OPEN, "提交研究方案 (submit a plan)"),
    CampaignAction.mark_stage_done: Rule(LEAD, (Phase.design_plan, Phase.practise), OPEN, "完成阶段 (mark stage done)"),
    CampaignAction.write_summary: Rule(LEAD, (Phase.practise, Phase.reflect), OPEN, "填写专题总结 (write the summary)"),
    CampaignAction.close_phase: Rule(STEERS, tuple(CYCLE), OPEN, "提前结束阶段 (close the phase)"),
    CampaignAction.extend_phase: Rule(STEERS, tuple(CYCLE), OPEN, "延长截止时间 (extend the deadline)"),
    # Staff may cancel at any moment of a running campaign, deciding included.
    CampaignAction.cancel: Rule(STEERS, tuple(CYCLE), (PhaseStep.open, PhaseStep.deciding), "取消活动 (cancel)"),
    CampaignAction.confirm_topics: Rule(STEERS, (Phase.collect_topics,), DECIDING,
                                        "确认专题，请先结束问题征集 (confirm topics: close the collection first)"),
    # Proposals exist once collection has closed, and stop mattering once topics are confirmed.
    CampaignAction.merge_proposals: Rule(STEERS, (Phase.collect_topics,), DECIDING, "合并专题建议 (merge proposals)"),
    CampaignAction.move_problem: Rule(STEERS, (Phase.collect_topics,), DECIDING, "调整问题归属 (move a problem)"),
    CampaignAction.split_proposal: Rule(STEERS, (Phase.collect_topics,), DECIDING, "拆分专题建议 (split a proposal)"),
    CampaignAction.schedule_training: Rule(STEERS, (Phase.train,), OPEN, "安排培训 (schedule a training)"),
    CampaignAction.decide_plan: Rule(STEERS, (Phase.design_plan, Phase.practise), OPEN, "审核研究方案 (decide on a plan)"),
    # The grouping reads them when collection closes: named later, they would name nothing.
    CampaignAction.name_themes: Rule(STEERS, (Phase.collect_topics,), OPEN, "设定预期主题 (name expected themes)"),
    CampaignAction.find_similar: Rule(READS, (Phase.collect_topics,), OPEN, "查找相似问题 (look up similar problems)"),
}


def allows(action: CampaignAction, phase: Phase | str, step: PhaseStep | str) -> bool:
    rule = RULES[action]
    return Phase(phase) in rule.phases and PhaseStep(step) in rule.steps


def refusal(action: CampaignAction, phase: Phase | str, step: PhaseStep | str) -> Conflict:
    """The 409 for doing `action` now: names the phase (and the step) the campaign is in."""
    phase, step = Phase(phase), PhaseStep(step)
    where = f"「{phase.label}」" + ("（已截止，待确认）" if step == PhaseStep.deciding else "")
    return Conflict(f"活动当前处于{where}阶段，不能{RULES[action].doing} (campaign is in phase {phase.value})",
                    phase=phase.value, step=step.value)


def require(action: CampaignAction, phase: Phase | str, step: PhaseStep | str) -> None:
    if not allows(action, phase, step):
        raise refusal(action, phase, step)


def allowed_now(phase: Phase | str, step: PhaseStep | str, parts: Iterable[Part] = tuple(Part)
                ) -> frozenset[CampaignAction]:
    """Every action the table allows in this phase and step to one with these parts (by default
    any part): what a page may offer her."""
    parts = frozenset(parts)
    return frozenset(action for action in CampaignAction
                     if RULES[action].who in parts and allows(action, phase, step))
