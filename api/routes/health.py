"""The health probes: no auth (load balancers, compose's healthchecks, `make run`)."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from actions.health import health as check_health
from actions.health import ready as check_ready
from api.deps import SessionDep, SettingsDep, TemporalDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(session: SessionDep, temporal: TemporalDep) -> JSONResponse:
    """Anyone (no login): 200 when the database and Temporal answer, 503 naming what is down."""
    report = await check_health(session, temporal=temporal)
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)


@router.get("/health/live")
async def live() -> dict[str, str]:
    """Anyone (no login): the process answers (a restart is the cure when it does not)."""
    return {"status": "ok"}


@router.get("/health/ready")
async def ready(session: SessionDep, temporal: TemporalDep, settings: SettingsDep) -> JSONResponse:
    """Anyone (no login): 200 when the database, Temporal and a worker (its heartbeat) are there:
    runs can move. 503 naming what is missing."""
    report = await check_ready(session, temporal=temporal, settings=settings)
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)
