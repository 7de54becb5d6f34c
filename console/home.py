"""Login, logout, the landing page by role, and the inbox (where the notices' links lead)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select

from api.deps import SessionDep, SettingsDep
from console.auth import ConsoleUser, CsrfChecked
from console.render import page
from contracts.directory import Role
from models import InboxItem
from models.base import utcnow
from services import accounts
from contracts.errors import NotFound
from services.security import SESSION_COOKIE, create_access_token

router = APIRouter()


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
    user = await accounts.authenticate(session, username=username.strip(), password=password)
    if user is None:
        return page(request, "login.html", None, status_code=401, next=_safe_next(next),
                    errors={"password": "用户名或密码错误"}, values={"username": username})
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, create_access_token(user_id=user.id, settings=settings), httponly=True,
                        samesite="lax", max_age=settings.access_token_minutes * 60)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
async def logout():
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("")
async def home(user: ConsoleUser):
    return RedirectResponse("/console/me" if user.role == Role.teacher else "/console/campaigns", status_code=303)


@router.get("/inbox")
async def inbox(request: Request, user: ConsoleUser, session: SessionDep):
    items = (await session.scalars(
        select(InboxItem).where(InboxItem.user_id == user.id).order_by(InboxItem.id.desc()).limit(100)
    )).all()  # fmt: skip
    unread = await session.scalar(
        select(func.count()).where(InboxItem.user_id == user.id, InboxItem.read_at.is_(None))
    )
    return page(request, "inbox.html", user, items=items, unread=unread)


@router.get("/inbox/{item_id}")
async def open_inbox_item(item_id: int, user: ConsoleUser, session: SessionDep):
    """Opening a notice marks it read and follows its link to the action it asks for."""
    item = await session.get(InboxItem, item_id)
    if item is None or item.user_id != user.id:
        raise NotFound("通知", item_id)
    item.read_at = item.read_at or utcnow()
    await session.commit()
    return RedirectResponse(item.link or "/console/inbox", status_code=303)
