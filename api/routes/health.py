from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import SessionDep, TemporalDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(session: SessionDep, temporal: TemporalDep) -> JSONResponse:
    """No auth: 200 when the database and Temporal answer, 503 naming what is down."""
    report = {"status": "ok", "temporal": "ok", "database": "ok"}
    try:
        await session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; say which and why
        report["database"] = f"down: {exc.__class__.__name__}"
    try:
        if not await temporal.service_client.check_health(timeout=timedelta(seconds=3)):
            report["temporal"] = "down: not serving"
    except Exception as exc:  # noqa: BLE001
        report["temporal"] = f"down: {exc.__class__.__name__}"
    healthy = report["temporal"] == report["database"] == "ok"
    report["status"] = "ok" if healthy else "degraded"
    return JSONResponse(report, status_code=200 if healthy else 503)
