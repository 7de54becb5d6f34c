"""Console sessions: the same JWT as the API, carried in an HttpOnly cookie, plus a CSRF token
derived from it for every form; and the action context every page hands to its action."""

import hashlib
import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, HTTPException, Request, status

from actions.context import Context
from api.clock import NowDep
from api.deps import SessionDep, SettingsDep, TemporalDep, load_user
from config import Settings
from models import User
from services.security import SESSION_COOKIE, user_id_from_token

class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def csrf_token(token: str, settings: Settings) -> str:
    return hmac.new(settings.secret_key.encode(), f"csrf:{token}".encode(), hashlib.sha256).hexdigest()[:32]


async def console_user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    token = request.cookies.get(SESSION_COOKIE)
    user_id = user_id_from_token(token, settings=settings) if token else None
    user = await load_user(session, user_id) if user_id is not None else None
    if user is None or not user.active:
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    request.state.csrf = csrf_token(token, settings)
    request.state.user = user  # for the error page, which renders without dependencies
    return user


ConsoleUser = Annotated[User, Depends(console_user)]


async def console_context(user: ConsoleUser, session: SessionDep, temporal: TemporalDep, settings: SettingsDep,
                    now: NowDep) -> Context:
    return Context(user=user, session=session, temporal=temporal, settings=settings, now=now)


# What every console page hands to its action; the action decides who may.
ConsoleContext = Annotated[Context, Depends(console_context)]


async def check_csrf(request: Request, settings: SettingsDep, csrf: Annotated[str, Form()] = "") -> None:
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token or not hmac.compare_digest(csrf, csrf_token(token, settings)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="表单已过期，请刷新页面后重试 (bad CSRF token)")


CsrfChecked = Depends(check_csrf)


def login_url(next_path: str) -> str:
    return f"/console/login?next={quote(next_path)}"
