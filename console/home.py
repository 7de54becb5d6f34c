"""Login (throttled), setting one's password (first with the activation code), logout, the
landing page by role, a teacher's home with her to-do list, and the inbox (where the notices' links lead)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from actions.accounts import actions as account_actions
from actions.campaigns import pages as campaign_pages
from actions.notifications import actions as notice_actions
from actions.todos import actions as todo_actions
from api.clock import NowDep
from api.deps import ClientAddressDep, SessionDep, SettingsDep, ThrottleDep
from console.auth import (
    ConsoleAccountContext,
    ConsoleContext,
    ConsoleUser,
    CsrfChecked,
    LoginCsrfChecked,
    clear_session_cookie,
    login_form_token,
    set_login_cookie,
    set_session_cookie,
)
from console.forms import errors_of
from console.render import page
from contracts.directory.api import PasswordChange
from contracts.errors import InvalidField, TooManyAttempts
from contracts.limits import Id

router = APIRouter()

INBOX_PAGE = 100  # the newest notices; older ones are in the API's paged inbox


def _safe_next(next_path: str) -> str:
    return next_path if next_path.startswith("/console") else "/console"


@router.get("/login")
async def login_form(request: Request, settings: SettingsDep, next: str = "/console"):
    nonce = login_form_token(request)
    answer = page(request, "login.html", None, next=_safe_next(next), errors={}, values={})
    set_login_cookie(answer, nonce, settings)
    return answer


@router.post("/login", dependencies=[LoginCsrfChecked])
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
    client: ClientAddressDep,
    now: NowDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/console",
):
    """Anyone. A login that must set a password first lands on the password page (console/app.py)."""
    def again(status_code: int, message: str, headers: dict[str, str] | None = None):
        answer = page(request, "login.html", None, status_code=status_code, next=_safe_next(next),
                      errors={"password": message}, values={"username": username})
        answer.headers.update(headers or {})
        return answer

    try:
        token = await account_actions.log_in(session, settings=settings, throttle=throttle, username=username.strip(),
                                             password=password, client=client, now=now)
    except TooManyAttempts as exc:
        return again(exc.status_code, f"尝试次数过多，请 {exc.retry_after} 秒后再试", exc.headers)
    if token is None:
        return again(401, "用户名或密码错误")
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, token, settings)
    return response


@router.get("/password")
async def password_form(request: Request, ctx: ConsoleAccountContext):
    return page(request, "password.html", ctx.user, errors={})


@router.post("/password", dependencies=[CsrfChecked], summary="修改密码")
async def change_password(
    request: Request,
    ctx: ConsoleAccountContext,
    throttle: ThrottleDep,
    client: ClientAddressDep,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    new_password_again: Annotated[str, Form()] = "",
):
    """Any logged-in user, also one that must set a password first; a new session for this browser."""
    try:
        if new_password != new_password_again:
            raise InvalidField("new_password_again", "两次输入的新密码不一致")
        data = PasswordChange(current_password=current_password, new_password=new_password)
        await account_actions.change_my_password(ctx, data=data, throttle=throttle, client=client)
    except (ValidationError, InvalidField, TooManyAttempts) as exc:
        status_code, errors = errors_of(exc)
        return page(request, "password.html", ctx.user, status_code=status_code, errors=errors)
    response = RedirectResponse("/console", status_code=303)
    set_session_cookie(response, account_actions.session_token(ctx.user, settings=ctx.settings), ctx.settings)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
async def logout(ctx: ConsoleAccountContext):
    """Any logged-in user: every session of this login ends, on every device."""
    await account_actions.log_out(ctx)
    response = RedirectResponse("/console/login", status_code=303)
    clear_session_cookie(response, ctx.settings)
    return response


@router.get("")
async def home(user: ConsoleUser):
    return RedirectResponse(account_actions.home_path(user), status_code=303)


@router.get("/me")
async def me(request: Request, ctx: ConsoleContext):
    """A teacher's home: her one to-do list (待办) across programmes, most urgent first, each linking
    straight to its form; her running campaigns; her unread notices."""
    work = await campaign_pages.my_work(ctx, with_campaigns=True)
    return page(request, "me.html", ctx.user, todos=await todo_actions.my_todos(ctx), unread=work.unread,
                campaigns=work.campaigns)


@router.get("/inbox")
async def inbox(request: Request, ctx: ConsoleContext):
    mine = await notice_actions.my_inbox(ctx, unread=None, offset=0, limit=INBOX_PAGE)
    return page(request, "inbox.html", ctx.user, items=mine.items, unread=mine.unread_count)


@router.get("/inbox/{item_id}")
async def open_inbox_item(item_id: Id, ctx: ConsoleContext):
    """Opening a notice marks it read and follows its link to the action it asks for."""
    link = await notice_actions.open_inbox_item(ctx, item_id=item_id)
    return RedirectResponse(link or "/console/inbox", status_code=303)
