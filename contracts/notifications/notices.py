"""The kinds of notice and what each carries: one payload model per kind, the exact variables its
templates (notifications/templates/<locale>/<kind>.j2) word, in zh-CN and en.

Senders build a payload and never word anything themselves: titles and texts live in the
templates. `EXAMPLES` holds one payload per kind; the template test renders each of them strictly."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal, Union

from pydantic import BaseModel, Field, computed_field, model_validator

from contracts.campaigns.history import Phase


class NotificationKind(StrEnum):
    campaign_opened = "campaign_opened"
    phase_opened = "phase_opened"
    submission_reminder = "submission_reminder"
    topics_pending = "topics_pending"  # staff have not confirmed the topics yet
    topics_confirmed = "topics_confirmed"
    training_invitation = "training_invitation"
    training_reminder = "training_reminder"
    training_absent = "training_absent"
    plan_requested = "plan_requested"
    plan_submitted = "plan_submitted"
    plan_returned = "plan_returned"
    plan_approved = "plan_approved"
    plan_reminder = "plan_reminder"
    task_assigned = "task_assigned"
    task_overdue = "task_overdue"
    task_reminder = "task_reminder"  # a task is due before the practice phase closes
    reflection_reminder = "reflection_reminder"
    report_ready = "report_ready"
    escalation = "escalation"
    campaign_cancelled = "campaign_cancelled"
    session_announcement = "session_announcement"
    session_reminder = "session_reminder"
    session_changed = "session_changed"
    session_cancelled = "session_cancelled"
    minutes_missing = "minutes_missing"
    session_absent = "session_absent"
    run_stalled = "run_stalled"  # to admins: a run's activity keeps failing
    # teacher exchanges (交流轮岗)
    exchange_announced = "exchange_announced"
    exchange_postponed = "exchange_postponed"
    exchange_end_reminder = "exchange_end_reminder"
    exchange_report_requested = "exchange_report_requested"
    exchange_report_late = "exchange_report_late"  # to the home school's contact, then staff
    exchange_assessment_due = "exchange_assessment_due"  # to staff
    exchange_assessed = "exchange_assessed"
    exchange_quota_shortfall = "exchange_quota_shortfall"  # to staff and the alliance's lead school
    exchange_cancelled = "exchange_cancelled"
    notice_rejected = "notice_rejected"  # to admins: a notice could not be stored, so nobody got it
    # the alliance evaluation (教联体考评)
    evaluation_review_requested = "evaluation_review_requested"  # to school contacts: review, enter
    evaluation_reminder = "evaluation_reminder"  # to school contacts who have not reviewed or entered
    evaluation_escalated = "evaluation_escalated"  # to staff: entries still missing at the deadline
    evaluation_disputed = "evaluation_disputed"  # to staff: a school disputes its values
    evaluation_dispute_answered = "evaluation_dispute_answered"  # to the school: staff's answer
    evaluation_survey = "evaluation_survey"  # to the alliance's teachers: the 合作满意度 survey
    evaluation_published = "evaluation_published"
    # mentor pairs (青蓝工程)
    mentoring_pair_started = "mentoring_pair_started"
    mentoring_log_nudge = "mentoring_log_nudge"  # to the side whose month's logs are under the quota
    mentoring_form_due = "mentoring_form_due"  # to the side whose stage form is missing
    mentoring_form_overdue = "mentoring_form_overdue"  # to the school contact, then to staff
    mentoring_verdict = "mentoring_verdict"
    mentoring_pair_changed = "mentoring_pair_changed"  # mentor replaced, extended, ended early
    mentoring_completed = "mentoring_completed"  # with the certificate
    # touring lessons (送教下乡)
    tour_stop_announcement = "tour_stop_announcement"  # to the presenters and the host school's teachers
    tour_checklist_reminder = "tour_checklist_reminder"  # to the presenters: the preparation checklist is due
    tour_stop_changed = "tour_stop_changed"  # a stop rescheduled, called off, or the tour ended
    tour_feedback_requested = "tour_feedback_requested"  # to the host school's contact, then chased
    tour_feedback_overdue = "tour_feedback_overdue"  # to the tour's staff: the chases went unanswered
    library_offer = "library_offer"  # to an author: publish this record of her work to the library?


K = NotificationKind


# ---- what several kinds share -------------------------------------------------------------


class CampaignNotice(BaseModel):
    campaign: str  # the campaign's title


class CampaignDeadline(CampaignNotice):
    due: datetime  # the current phase's deadline


class TopicNotice(CampaignNotice):
    topic: str  # the topic's title


class TrainingNotice(CampaignNotice):
    training: str  # the training's title
    speaker: str
    starts_at: datetime
    place: str


class SessionNotice(BaseModel):
    """One weekly session; the templates label it "<series> 第<number>次：<theme>"."""

    series_title: str
    number: int
    theme: str = ""
    starts_at: datetime
    host_school: str
    place: str


class Absentees(BaseModel):
    absentees: dict[str, list[str]]  # school name → who did not check in

    @computed_field
    @property
    def absent_count(self) -> int:
        return sum(len(names) for names in self.absentees.values())


# ---- campaigns ----------------------------------------------------------------------------


class CampaignOpened(CampaignDeadline):
    kind: Literal[K.campaign_opened] = K.campaign_opened


class PhaseOpened(CampaignDeadline):
    kind: Literal[K.phase_opened] = K.phase_opened
    phase: Literal[Phase.train, Phase.practise, Phase.reflect]  # contracts.campaigns.history.ANNOUNCED_OPENINGS


class SubmissionReminder(CampaignDeadline):
    kind: Literal[K.submission_reminder] = K.submission_reminder


class TopicsPending(CampaignNotice):
    kind: Literal[K.topics_pending] = K.topics_pending
    problems: int
    topics: int  # proposed


class TopicsConfirmed(CampaignNotice):
    kind: Literal[K.topics_confirmed] = K.topics_confirmed
    topics: list[str]


class TrainingInvitation(TrainingNotice):
    kind: Literal[K.training_invitation] = K.training_invitation


class TrainingReminder(TrainingNotice):
    kind: Literal[K.training_reminder] = K.training_reminder


class TrainingAbsent(TrainingNotice, Absentees):
    """To staff: who missed the training."""

    kind: Literal[K.training_absent] = K.training_absent


class PlanRequested(TopicNotice):
    kind: Literal[K.plan_requested] = K.plan_requested
    due: datetime


class PlanSubmitted(TopicNotice):
    kind: Literal[K.plan_submitted] = K.plan_submitted
    author: str


class PlanReturned(TopicNotice):
    kind: Literal[K.plan_returned] = K.plan_returned
    comment: str


class PlanApproved(TopicNotice):
    kind: Literal[K.plan_approved] = K.plan_approved


class PlanReminder(CampaignDeadline):
    """To every lead whose plan is missing; after the deadline, `overdue`."""

    kind: Literal[K.plan_reminder] = K.plan_reminder
    overdue: bool = False


class TaskAssigned(TopicNotice):
    kind: Literal[K.task_assigned] = K.task_assigned
    due: datetime  # the first of the assignee's tasks


class TaskOverdue(CampaignNotice):
    """To the assignees with a task due at `due` not delivered; then to their topics' leads."""

    kind: Literal[K.task_overdue] = K.task_overdue
    due: datetime
    to_lead: bool = False


class TaskReminder(CampaignDeadline):
    kind: Literal[K.task_reminder] = K.task_reminder


class ReflectionReminder(CampaignDeadline):
    kind: Literal[K.reflection_reminder] = K.reflection_reminder


class ReportReady(CampaignNotice):
    kind: Literal[K.report_ready] = K.report_ready


class Escalation(BaseModel):
    """To staff or organisers: something is overdue after the reminders."""

    kind: Literal[K.escalation] = K.escalation
    about: Literal["topics", "plans", "tasks", "minutes"]
    subject: str  # the campaign's or the series' title
    due: datetime
    pending: int | None = None  # how many are not done; None: not counted (minutes, runs started before 2026-11-26)
    names: list[str] = Field(default_factory=list)  # who is overdue, when known


class CampaignCancelled(CampaignNotice):
    kind: Literal[K.campaign_cancelled] = K.campaign_cancelled
    reason: str


class NoticeRejected(BaseModel):
    """To admins: a workflow's notice could not be stored (its recipients or its wording failed),
    so it reached nobody; the run that sent it went on."""

    kind: Literal[K.notice_rejected] = K.notice_rejected
    notice_key: str
    notice_kind: NotificationKind
    reason: str


# ---- weekly sessions ----------------------------------------------------------------------


class SessionAnnouncement(SessionNotice):
    kind: Literal[K.session_announcement] = K.session_announcement
    joined: bool = False  # to teachers just added to the series: a welcome


class SessionReminder(SessionNotice):
    kind: Literal[K.session_reminder] = K.session_reminder


class SessionChanged(SessionNotice):
    """A session rescheduled or edited, or (resumed) the first session of a series resumed."""

    kind: Literal[K.session_changed] = K.session_changed
    action: Literal["rescheduled", "updated", "resumed"]
    previous_starts_at: datetime | None = None  # rescheduled
    changed: list[Literal["host_school_id", "place", "theme", "agenda"]] = Field(default_factory=list)  # updated

    @model_validator(mode="after")
    def _says_when_it_was(self) -> "SessionChanged":
        if self.action == "rescheduled" and self.previous_starts_at is None:
            raise ValueError("a rescheduled session needs previous_starts_at")
        return self


class SessionCancelled(SessionNotice):
    """A session skipped, or (paused, ended) the series called off from this session on."""

    kind: Literal[K.session_cancelled] = K.session_cancelled
    action: Literal["skipped", "paused", "ended"]
    reason: str = ""
    sessions: int = 1  # how many sessions are called off


class MinutesMissing(SessionNotice):
    kind: Literal[K.minutes_missing] = K.minutes_missing


class SessionAbsent(SessionNotice, Absentees):
    """To the absentees' school contacts: who missed the session."""

    kind: Literal[K.session_absent] = K.session_absent


# ---- touring lessons (送教下乡) ---------------------------------------------------------------


class TourStopNotice(BaseModel):
    """One stop of a tour; the templates label it "<tour> 第<number>站（<host school>）"."""

    tour_title: str
    number: int
    topic: str = ""
    starts_at: datetime
    host_school: str
    place: str
    presenters: list[str]


class TourStopAnnouncement(TourStopNotice):
    kind: Literal[K.tour_stop_announcement] = K.tour_stop_announcement
    checklist_due: datetime


class TourChecklistReminder(TourStopNotice):
    kind: Literal[K.tour_checklist_reminder] = K.tour_checklist_reminder
    due: datetime
    missing: list[str]  # the items not ticked yet


class TourStopChanged(TourStopNotice):
    kind: Literal[K.tour_stop_changed] = K.tour_stop_changed
    action: Literal["rescheduled", "skipped", "ended"]
    previous_starts_at: datetime | None = None  # rescheduled
    reason: str = ""

    @model_validator(mode="after")
    def _says_when_it_was(self) -> "TourStopChanged":
        if self.action == "rescheduled" and self.previous_starts_at is None:
            raise ValueError("a rescheduled stop needs previous_starts_at")
        return self


class TourFeedbackRequested(TourStopNotice):
    kind: Literal[K.tour_feedback_requested] = K.tour_feedback_requested
    chase: int = 0  # 0: the request; 1, 2, ...: the chases while it is missing


class TourFeedbackOverdue(TourStopNotice):
    kind: Literal[K.tour_feedback_overdue] = K.tour_feedback_overdue
    chases: int
# ---- teacher exchanges (交流轮岗) -------------------------------------------------------------


class ExchangeNotice(BaseModel):
    """One exchange; the templates label it "<teacher>（<home> → <host>，<kind>）"."""

    teacher: str
    home_school: str
    host_school: str
    exchange_kind: str  # contracts.exchanges.history.ExchangeKind, in Chinese
    starts_on: date
    ends_on: date


class ExchangeAnnounced(ExchangeNotice):
    """Before the start: to the teacher and both schools' contacts."""

    kind: Literal[K.exchange_announced] = K.exchange_announced
    duties: str = ""
    weekday: int | None = None  # 兼职副校长: the day resident each week (1 = Monday)


class ExchangePostponed(ExchangeNotice):
    kind: Literal[K.exchange_postponed] = K.exchange_postponed
    previous_start: date
    reason: str = ""


class ExchangeCancelled(ExchangeNotice):
    kind: Literal[K.exchange_cancelled] = K.exchange_cancelled
    reason: str


class ExchangeEndReminder(ExchangeNotice):
    kind: Literal[K.exchange_end_reminder] = K.exchange_end_reminder
    report_due_days: int


class ExchangeReportRequested(ExchangeNotice):
    kind: Literal[K.exchange_report_requested] = K.exchange_report_requested
    due: date


class ExchangeReportLate(ExchangeNotice):
    kind: Literal[K.exchange_report_late] = K.exchange_report_late
    due: date
    escalated_to: Literal["school", "staff"]


class ExchangeAssessmentDue(ExchangeNotice):
    kind: Literal[K.exchange_assessment_due] = K.exchange_assessment_due


class ExchangeAssessed(ExchangeNotice):
    """To the teacher: the assessment on the three points, a reward or advice to improve."""

    kind: Literal[K.exchange_assessed] = K.exchange_assessed
    teaching_results: str
    local_influence: str
    collaboration: str
    outcome: Literal["reward", "improve"]
    comment: str


class ExchangeQuotaShortfall(BaseModel):
    """To staff and the alliance's lead school, at a checkpoint of the school year: each quota as
    counted (actual dates) and as planned to the year's end, and how many more people it needs."""

    kind: Literal[K.exchange_quota_shortfall] = K.exchange_quota_shortfall
    alliance: str
    checkpoint: Literal["mid_year", "before_end"]
    year_end: date
    long_counted: int
    long_projected: int
    long_target: int
    long_needed: int
    short_percent: int  # counted, rounded down
    short_projected_percent: int
    short_target_percent: int
    short_needed: int


# ---- runs ---------------------------------------------------------------------------------


class RunStalled(BaseModel):
    """To admins: a run has been retrying one step; it carries on by itself once the cause is fixed."""

    kind: Literal[K.run_stalled] = K.run_stalled
    workflow_id: str
    step: str  # the activity that keeps failing
    attempts: int
    since: datetime
    error: str


# ---- the alliance evaluation ---------------------------------------------------------------


class EvaluationNotice(BaseModel):
    alliance: str  # the cluster's name
    term: str  # e.g. 2026-2027-1


class EvaluationReviewRequested(EvaluationNotice):
    kind: Literal[K.evaluation_review_requested] = K.evaluation_review_requested
    school: str
    due: datetime
    entries: list[str] = Field(default_factory=list)  # the indicators the school enters, by label


class EvaluationReminder(EvaluationNotice):
    kind: Literal[K.evaluation_reminder] = K.evaluation_reminder
    due: datetime
    review_pending: bool
    entries: list[str] = Field(default_factory=list)  # still missing, by label


class EvaluationEscalated(EvaluationNotice):
    kind: Literal[K.evaluation_escalated] = K.evaluation_escalated
    due: datetime
    missing: dict[str, list[str]]  # school → indicators still missing, by label


class EvaluationDisputed(EvaluationNotice):
    kind: Literal[K.evaluation_disputed] = K.evaluation_disputed
    school: str
    reason: str


class EvaluationDisputeAnswered(EvaluationNotice):
    kind: Literal[K.evaluation_dispute_answered] = K.evaluation_dispute_answered
    school: str
    answer: str


class EvaluationSurvey(EvaluationNotice):
    kind: Literal[K.evaluation_survey] = K.evaluation_survey
    due: datetime


class EvaluationPublished(EvaluationNotice):
    kind: Literal[K.evaluation_published] = K.evaluation_published
    total: float  # the alliance's score, per cent
# ---- mentor pairs (青蓝工程) ------------------------------------------------------------------


class MentoringNotice(BaseModel):
    """One pair; the templates label it "<programme>：<mentor>—<mentee>"."""

    programme: str  # the programme's title and school year
    mentor: str
    mentee: str


class MentoringPairStarted(MentoringNotice):
    kind: Literal[K.mentoring_pair_started] = K.mentoring_pair_started
    subject: str
    goals: str
    ends_on: date


class MentoringLogNudge(MentoringNotice):
    kind: Literal[K.mentoring_log_nudge] = K.mentoring_log_nudge
    month: str  # "2027-03"
    logged: int
    quota: int


class MentoringFormDue(MentoringNotice):
    kind: Literal[K.mentoring_form_due] = K.mentoring_form_due
    stage: int
    due: datetime


class MentoringFormOverdue(MentoringNotice):
    """To the missing side's school contact, then to the programme's staff."""

    kind: Literal[K.mentoring_form_overdue] = K.mentoring_form_overdue
    stage: int
    due: datetime
    missing: list[str]  # the names of who has not filed her form
    escalated_to: Literal["contact", "staff"]


class MentoringStageVerdict(MentoringNotice):
    kind: Literal[K.mentoring_verdict] = K.mentoring_verdict
    stage: int
    verdict: Literal["passed", "needs_improvement", "failed"]
    comment: str = ""
    next_stage: int | None = None  # passed, with a stage after it


class MentoringPairChanged(MentoringNotice):
    kind: Literal[K.mentoring_pair_changed] = K.mentoring_pair_changed
    action: Literal["mentor_replaced", "extended", "ended"]
    previous_mentor: str = ""  # mentor_replaced
    ends_on: date | None = None  # extended
    reason: str = ""


class MentoringCompleted(MentoringNotice):
    kind: Literal[K.mentoring_completed] = K.mentoring_completed
    stages: int
# ---- the library --------------------------------------------------------------------------


class LibraryOffer(BaseModel):
    """To the author of an approved plan, a reflection or minutes: publish it to the library (one click)?"""

    kind: Literal[K.library_offer] = K.library_offer
    title: str  # as it would be published
    origin: str  # the campaign or series it came from


NoticePayload = Annotated[
    Union[
        CampaignOpened, PhaseOpened, SubmissionReminder, TopicsPending, TopicsConfirmed, TrainingInvitation,
        TrainingReminder, TrainingAbsent, PlanRequested, PlanSubmitted, PlanReturned, PlanApproved, PlanReminder,
        TaskAssigned, TaskOverdue, TaskReminder, ReflectionReminder, ReportReady, Escalation, CampaignCancelled,
        SessionAnnouncement, SessionReminder, SessionChanged, SessionCancelled, MinutesMissing, SessionAbsent,
        RunStalled,
        NoticeRejected,
        EvaluationReviewRequested, EvaluationReminder, EvaluationEscalated, EvaluationDisputed,
        EvaluationDisputeAnswered, EvaluationSurvey, EvaluationPublished,
        MentoringPairStarted, MentoringLogNudge, MentoringFormDue, MentoringFormOverdue, MentoringStageVerdict,
        MentoringPairChanged, MentoringCompleted,
        TourStopAnnouncement, TourChecklistReminder, TourStopChanged, TourFeedbackRequested, TourFeedbackOverdue,
        LibraryOffer,
        ExchangeAnnounced, ExchangePostponed, ExchangeEndReminder, ExchangeReportRequested, ExchangeReportLate,
        ExchangeAssessmentDue, ExchangeAssessed, ExchangeQuotaShortfall, ExchangeCancelled,
    ],
    Field(discriminator="kind"),
]


# ---- one example of each kind -------------------------------------------------------------

_DUE = datetime.fromisoformat("2026-03-20T09:30:00+00:00")
_STARTS = datetime.fromisoformat("2026-03-24T06:00:00+00:00")
_CAMPAIGN = {"campaign": "2026年春季初中数学问题征集"}
_TOPIC = {**_CAMPAIGN, "topic": "分层作业设计"}
_TRAINING = {**_CAMPAIGN, "training": "大单元教学设计", "speaker": "李教授", "starts_at": _STARTS,
             "place": "区教师发展中心报告厅"}
_SESSION = {"series_title": "初中联片 周周有约", "number": 3, "theme": "作业减负与提质", "starts_at": _STARTS,
            "host_school": "第一中学", "place": "录播教室"}
_PAIR = {"programme": "青蓝工程 2026-2027", "mentor": "王晓燕", "mentee": "李明"}
_STOP = {"tour_title": "初中数学送教下乡", "number": 2, "topic": "函数图像的教学", "starts_at": _STARTS,
         "host_school": "石桥镇中学", "place": "多媒体教室", "presenters": ["王晓燕"]}
_EXCHANGE = {"teacher": "王晓燕", "home_school": "实验小学", "host_school": "东湖镇中心小学",
             "exchange_kind": "长期交流", "starts_on": date(2026, 9, 1), "ends_on": date(2027, 7, 1)}
_ABSENTEES = {"absentees": {"第一中学": ["王晓燕", "李明"], "实验中学": ["赵静"]}}

EXAMPLES: dict[NotificationKind, NoticePayload] = {example.kind: example for example in [
    CampaignOpened(**_CAMPAIGN, due=_DUE),
    PhaseOpened(**_CAMPAIGN, phase=Phase.train, due=_DUE),
    SubmissionReminder(**_CAMPAIGN, due=_DUE),
    TopicsPending(**_CAMPAIGN, problems=128, topics=5),
    TopicsConfirmed(**_CAMPAIGN, topics=["分层作业设计", "课堂提问策略"]),
    TrainingInvitation(**_TRAINING),
    TrainingReminder(**_TRAINING),
    TrainingAbsent(**_TRAINING, **_ABSENTEES),
    PlanRequested(**_TOPIC, due=_DUE),
    PlanSubmitted(**_TOPIC, author="王晓燕"),
    PlanReturned(**_TOPIC, comment="第二阶段缺少负责人 <请补充>"),
    PlanApproved(**_TOPIC),
    PlanReminder(**_CAMPAIGN, due=_DUE),
    TaskAssigned(**_TOPIC, due=_DUE),
    TaskOverdue(**_CAMPAIGN, due=_DUE),
    TaskReminder(**_CAMPAIGN, due=_DUE),
    ReflectionReminder(**_CAMPAIGN, due=_DUE),
    ReportReady(**_CAMPAIGN),
    Escalation(about="tasks", subject=_CAMPAIGN["campaign"], due=_DUE, pending=2, names=["王晓燕", "李明"]),
    CampaignCancelled(**_CAMPAIGN, reason="与期中考试冲突"),
    SessionAnnouncement(**_SESSION),
    SessionReminder(**_SESSION),
    SessionChanged(**_SESSION, action="rescheduled", previous_starts_at=_DUE),
    SessionCancelled(**_SESSION, action="skipped", reason="台风预警"),
    MinutesMissing(**_SESSION),
    SessionAbsent(**_SESSION, **_ABSENTEES),
    RunStalled(workflow_id="campaign-12", step="record_transition", attempts=5, since=_DUE,
               error="OperationalError: database is locked <sqlite>"),
    NoticeRejected(notice_key="campaign:7:collect_topics:reminder:-24h", notice_kind=K.submission_reminder,
                   reason="unknown audience 'campaign.not_submited'"),
    *[kind(alliance="城区小学第一片", term="2026-2027-1", **fields) for kind, fields in [
        (EvaluationReviewRequested, {"school": "东城小学", "due": _DUE, "entries": ["教学成果"]}),
        (EvaluationReminder, {"due": _DUE, "review_pending": True, "entries": ["教学成果", "成果展示与共享"]}),
        (EvaluationEscalated, {"due": _DUE, "missing": {"东城小学": ["教学成果"], "西城小学 <分校>": ["成果展示与共享"]}}),
        (EvaluationDisputed, {"school": "东城小学", "reason": "第3次活动我校5人签到未计入 <见签到表>"}),
        (EvaluationDisputeAnswered, {"school": "东城小学", "answer": "已核实，签到时间在窗口外"}),
        (EvaluationSurvey, {"due": _DUE}),
        (EvaluationPublished, {"total": 86.5}),
    ]],
    *[model(**_PAIR, **fields) for model, fields in [
        (MentoringPairStarted, {"subject": "数学", "goals": "一年内独立上好校级公开课 <至少一节>", "ends_on": _DUE.date()}),
        (MentoringLogNudge, {"month": "2027-03", "logged": 0, "quota": 2}),
        (MentoringFormDue, {"stage": 1, "due": _DUE}),
        (MentoringFormOverdue, {"stage": 1, "due": _DUE, "missing": ["李明"], "escalated_to": "contact"}),
        (MentoringStageVerdict, {"stage": 1, "verdict": "needs_improvement", "comment": "听课记录偏少"}),
        (MentoringPairChanged, {"action": "mentor_replaced", "previous_mentor": "张建国", "reason": "调往他校"}),
        (MentoringCompleted, {"stages": 2}),
    ]],
    TourStopAnnouncement(**_STOP, checklist_due=_DUE),
    TourChecklistReminder(**_STOP, due=_DUE, missing=["了解送教学校学情 <班级>"]),
    TourStopChanged(**_STOP, action="rescheduled", previous_starts_at=_DUE),
    TourFeedbackRequested(**_STOP, chase=1),
    TourFeedbackOverdue(**_STOP, chases=3),
    LibraryOffer(title="分层作业设计：研究方案", origin="2026年春季初中数学问题征集"),
    ExchangeAnnounced(**_EXCHANGE, duties="承担七年级数学教学 <每周12节>"),
    ExchangePostponed(**_EXCHANGE, previous_start=date(2026, 9, 1), reason="交流学校校舍维修"),
    ExchangeEndReminder(**_EXCHANGE, report_due_days=14),
    ExchangeCancelled(**_EXCHANGE, reason="交流学校合并 <暂停交流>"),
    ExchangeReportRequested(**_EXCHANGE, due=date(2027, 7, 15)),
    ExchangeReportLate(**_EXCHANGE, due=date(2027, 7, 15), escalated_to="school"),
    ExchangeAssessmentDue(**_EXCHANGE),
    ExchangeAssessed(**_EXCHANGE, teaching_results="优秀", local_influence="良好", collaboration="优秀",
                     outcome="reward", comment="带动东湖镇数学组开展课例研究 <3次>"),
    ExchangeQuotaShortfall(alliance="城区小学第一片", checkpoint="mid_year", year_end=date(2027, 7, 15),
                           long_counted=4, long_projected=4, long_target=5, long_needed=1, short_percent=14,
                           short_projected_percent=15, short_target_percent=20, short_needed=9),
]}
