"""Login, logout, the landing page by role, and the inbox (where the notices' links lead)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from actions import accounts as account_actions
from actions import notifications as notice_actions
from api.deps import SessionDep, SettingsDep
from console.auth import ConsoleContext, ConsoleUser, CsrfChecked
from console.render import page
from contracts.limits import Id
from services.security import SESSION_COOKIE

router = APIRouter()

INBOX_PAGE = 100  # the newest notices; older ones are in the API's paged inbox


def _safe_next(next_path: str) -> str:
    return next_path if next_path.startswith("/console") else "/console"


@router.get("/login")
async def login_form(request: Request, next: str = "/console"):
    return page(request, "login.html", None, next=_safe_next(next), errors={}, values={})


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/console",
):
    token = await account_actions.log_in(session, settings=settings, username=username.strip(), password=password)
    if token is None:
        return page(request, "login.html", None, status_code=401, next=_safe_next(next),
                    errors={"password": "用户名或密码错误"}, values={"username": username})
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        max_age=settings.access_token_minutes * 60)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
async def logout():
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("")
async def home(user: ConsoleUser):
    return RedirectResponse(account_actions.home_path(user), status_code=303)


@router.get("/inbox")
async def inbox(request: Request, ctx: ConsoleContext):
    mine = await notice_actions.my_inbox(ctx, unread=None, offset=0, limit=INBOX_PAGE)
    return page(request, "inbox.html", ctx.user, items=mine.items, unread=mine.unread_count)


@router.get("/inbox/{item_id}")
async def open_inbox_item(item_id: Id, ctx: ConsoleContext):
    """Opening a notice marks it read and follows its link to the action it asks for."""
    link = await notice_actions.open_inbox_item(ctx, item_id=item_id)
    return RedirectResponse(link or "/console/inbox", status_code=303)
