"""The limit each product path is measured against, in the same run: a bare FastAPI app on the
same stack (uvicorn, the engine and session of db/, the same database) doing the same statement or
service call — and nothing else: no token, no user, no scope or phase check, no audit row.

    uvicorn benchmarks.bare_api:app   (DATABASE_URL and TEMPORAL_ADDRESS from the environment)"""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from sqlalchemy import update

from config import get_settings
from contracts.campaigns.api import CampaignDetail, ProblemIn, ProblemOut, VoteOut
from contracts.runs.api import TimelineEntry
from db import create_engine, create_session_factory
from engine import timeline
from engine.connection import connect_temporal
from models import Campaign, Problem, Vote
from services.campaigns import views as campaign_views


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    engine = create_engine(settings.database_url)
    app.state.sessions = create_session_factory(engine)
    app.state.temporal = await connect_temporal(settings, lazy=True)
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.post("/campaigns/{campaign_id}/problems", response_model=ProblemOut, status_code=201)
async def submit(request: Request, campaign_id: int, user_id: int, school_id: int, data: ProblemIn):
    async with request.app.state.sessions() as session:
        problem = Problem(campaign_id=campaign_id, author_user_id=user_id, school_id=school_id, **data.model_dump())
        session.add(problem)
        await session.commit()
        return ProblemOut.model_validate(problem)


@app.post("/campaigns/{campaign_id}/problems/{problem_id}/votes", response_model=VoteOut, status_code=201)
async def vote(request: Request, campaign_id: int, problem_id: int, user_id: int):
    async with request.app.state.sessions() as session:
        session.add(Vote(problem_id=problem_id, user_id=user_id, campaign_id=campaign_id))
        await session.execute(update(Problem).where(Problem.id == problem_id).values(votes=Problem.votes + 1))
        await session.commit()
        return VoteOut(problem_id=problem_id, votes_left=0)


@app.get("/campaigns/{campaign_id}", response_model=CampaignDetail)
async def board(request: Request, campaign_id: int):
    async with request.app.state.sessions() as session:
        campaign = await session.get(Campaign, campaign_id)
        return await campaign_views.campaign_detail(session, campaign, user_id=0)


@app.get("/runs/{workflow_id}/timeline", response_model=list[TimelineEntry])
async def run_timeline(request: Request, workflow_id: str, offset: int = 0, limit: int = 50):
    async with request.app.state.sessions() as session:
        return await timeline.timeline(request.app.state.temporal, session, workflow_id, offset=offset, limit=limit)
