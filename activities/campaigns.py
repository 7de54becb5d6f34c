"""The campaign workflow's I/O: each activity is one transaction through services/campaigns/flow.py,
idempotent so a retry changes nothing twice."""

from datetime import datetime

from temporalio import activity

from config import Settings
from contracts.campaigns.history import (
    PlanSubmission, PlanVerdict, TasksCreated, TopicRef, TopicsConfirmation, TrainingRef, TrainingScheduling,
    Transition,
)
from db import SessionFactory
from services.campaigns import flow as campaign_flow
from services.campaigns import report as campaign_report


class CampaignActivities:
    def __init__(self, session_factory: SessionFactory, settings: Settings) -> None:
        self.session_factory = session_factory
        self.settings = settings

    @activity.defn
    async def record_transition(self, transition: Transition) -> None:
        async with self.session_factory() as session:
            await campaign_flow.record_transition(session, transition=transition)
            await session.commit()

    @activity.defn
    async def propose_topics(self, campaign_id: int) -> dict[str, int]:
        async with self.session_factory() as session:
            count = await campaign_flow.propose_topics(session, campaign_id=campaign_id)
            await session.commit()
        return count

    @activity.defn
    async def confirm_topics(self, confirmation: TopicsConfirmation) -> list[TopicRef]:
        async with self.session_factory() as session:
            topics = await campaign_flow.confirm_topics(session, confirmation=confirmation)
            await session.commit()
        return topics

    @activity.defn
    async def schedule_training(self, scheduling: TrainingScheduling) -> TrainingRef:
        async with self.session_factory() as session:
            training = await campaign_flow.schedule_training(session, scheduling=scheduling)
            await session.commit()
        return training

    @activity.defn
    async def training_absentees(self, training_id: int) -> dict[str, list[str]]:
        async with self.session_factory() as session:
            return await campaign_flow.absentees_by_school(session, training_id=training_id)

    @activity.defn
    async def overdue_assignees(self, campaign_id: int, due: datetime) -> list[str]:
        async with self.session_factory() as session:
            return await campaign_flow.overdue_assignees(session, campaign_id=campaign_id, due=due)

    @activity.defn
    async def store_plan(self, submission: PlanSubmission) -> None:
        async with self.session_factory() as session:
            await campaign_flow.store_plan(session, submission=submission)
            await session.commit()

    @activity.defn
    async def decide_plan(self, verdict: PlanVerdict) -> TasksCreated:
        async with self.session_factory() as session:
            created = await campaign_flow.decide_plan(session, verdict=verdict)
            await session.commit()
        return created

    @activity.defn
    async def render_report(self, campaign_id: int, at: datetime) -> None:
        async with self.session_factory() as session:
            await campaign_report.store_report(session, campaign_id=campaign_id, tz=self.settings.tz, at=at)
            await session.commit()

    def all(self) -> list:
        return [self.record_transition, self.propose_topics, self.confirm_topics, self.schedule_training,
                self.training_absentees, self.overdue_assignees, self.store_plan, self.decide_plan, self.render_report]
