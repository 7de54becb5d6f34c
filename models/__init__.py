"""SQLAlchemy models. Importing this package registers every table on `Base.metadata`
(Alembic autogenerate and the test database rely on it)."""

from models.audit import AuditEntry
from models.base import Base
from models.campaigns import (
    Campaign, CampaignMember, CampaignOrganiser, CampaignPhase, CheckIn, Plan, PlanStage, Problem, ProblemVector,
    Reflection, Task, Topic, TopicParticipant, TopicProposalRow, Training, Vote,
)
from models.campaigns import CampaignTheme, ProblemSecond
from models.evaluation import (
    EvaluationReview, EvaluationRound, EvaluationScheme, EvaluationValue, SurveyInvitation, SurveyResponse,
)
from models.mentoring import (
    MentoringLog, MentoringPair, MentoringProgramme, MentoringStageForm, MentoringVerdict,
)
from models.library import Borrowing, LibraryFile, Offer, Resource, ResourceVector, ResourceVersion
from models.directory import Cluster, District, School, SchoolGroup, Teacher, TeacherSubject
from models.exchanges import Exchange
from models.notifications import Delivery, InboxItem, Notification, Preference, RobotChannel
from models.series import (
    CalendarToken,
    Series,
    SeriesChange,
    SeriesParticipant,
    SeriesSession,
    SessionCheckin,
    SessionMinutes,
)
from models.runs import RunStall
from models.operations import WorkerHeartbeat
from models.tours import Studio, StudioMember, Tour, TourChange, TourFeedback, TourStop, TourStopCheckin
from models.users import ActivationCode, User

__all__ = [
    "ActivationCode",
    "AuditEntry",
    "Base",
    "Campaign",
    "CampaignMember",
    "CampaignOrganiser",
    "CampaignPhase",
    "CheckIn",
    "Plan",
    "PlanStage",
    "Problem",
    "ProblemVector",
    "Reflection",
    "Task",
    "Topic",
    "TopicParticipant",
    "TopicProposalRow",
    "Training",
    "Vote",
    "CampaignTheme",
    "ProblemSecond",
    "WorkerHeartbeat",
    "CalendarToken",
    "Cluster",
    "Delivery",
    "District",
    "Exchange",
    "InboxItem",
    "MentoringLog", "MentoringPair", "MentoringProgramme", "MentoringStageForm", "MentoringVerdict",
    "Borrowing", "LibraryFile", "Offer", "Resource", "ResourceVector", "ResourceVersion",  # the library
    "Notification",
    "Preference",
    "RobotChannel",
    "RunStall",
    "School",
    "Series",
    "SeriesChange",
    "SeriesParticipant",
    "SeriesSession",
    "SessionCheckin",
    "SessionMinutes",
    "SchoolGroup",
    "Teacher",
    "TeacherSubject",
    "Studio", "StudioMember", "Tour", "TourChange", "TourFeedback", "TourStop", "TourStopCheckin",
    "User",
    "EvaluationReview", "EvaluationRound", "EvaluationScheme", "EvaluationValue", "SurveyInvitation",
    "SurveyResponse",
]
