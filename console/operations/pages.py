"""运行状况 (admin): the workers, the delivery backlog, stalled runs and the last backup."""

from fastapi import APIRouter, Request

from actions import operations
from console.auth import ConsoleContext
from console.render import page
from contracts.notifications.history import DeliveryStatus

router = APIRouter()


@router.get("/operations")
async def overview(request: Request, ctx: ConsoleContext):
    view = await operations.overview(ctx)
    return page(request, "operations.html", ctx.user, view=view, statuses=list(DeliveryStatus),
                backup_age_hours=view.figures.backup_age_seconds(ctx.now) / 3600,
                stale_after_hours=ctx.settings.backup_every_hours or 24)
