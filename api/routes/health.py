"""The health probe."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from actions.health import health as check_health
from api.deps import SessionDep, TemporalDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(session: SessionDep, temporal: TemporalDep) -> JSONResponse:
    """No auth: 200 when the database and Temporal answer, 503 naming what is down."""
    report = await check_health(session, temporal=temporal)
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)
