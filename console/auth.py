"""Console sessions: the same JWT as the API, carried in an HttpOnly cookie, plus a CSRF token
derived from it for every form; and the action context every page hands to its action.

The login form has no session yet: its token is derived from a random value in a cookie of its
own (SameSite=Strict, so a cross-site post arrives without it), and a post that names another
origin is refused too. Otherwise a hostile page could sign a teacher into an account of its choosing."""

import hashlib
import hmac
import secrets
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Form, HTTPException, Request, status
from fastapi.responses import Response

from actions.context import Context
from actions.policy import needs_new_password
from api.clock import NowDep
from api.deps import SessionDep, SettingsDep, TemporalDep, VectorQueueDep, user_for_token
from config import Settings
from models import User
from services.accounts.security import SESSION_COOKIE, signing_key

PASSWORD_PAGE = "/console/password"


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PasswordChangeRequired(Exception):
    """Logged in with an activation code or a reset password: the password page first."""


def csrf_token(token: str, settings: Settings) -> str:
    return hmac.new(signing_key(settings).encode(), f"csrf:{token}".encode(), hashlib.sha256).hexdigest()[:32]


def same_token(given: str, expected: str) -> bool:
    """Constant-time, on bytes: compare_digest raises on non-ASCII text, and any value a client
    sends (non-ASCII, lone surrogates, empty) must be a mismatch, never an error."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        max_age=settings.access_token_minutes * 60)


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=settings.secure_cookies)


async def console_login(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    """Who is asking, also a login that must set a password first."""
    token = request.cookies.get(SESSION_COOKIE)
    user = await user_for_token(session, settings, token)
    if user is None:
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    request.state.csrf = csrf_token(token, settings)
    request.state.user = user  # for the error page, which renders without dependencies
    return user


ConsoleLogin = Annotated[User, Depends(console_login)]


async def console_user(user: ConsoleLogin) -> User:
    if needs_new_password(user):
        raise PasswordChangeRequired()
    return user


ConsoleUser = Annotated[User, Depends(console_user)]


async def console_account_context(user: ConsoleLogin, session: SessionDep, temporal: TemporalDep,
                                  settings: SettingsDep, now: NowDep, vectors: VectorQueueDep) -> Context:
    return Context(user=user, session=session, temporal=temporal, settings=settings, now=now, vectors=vectors)


# The pages a login that must set a password may still use: the password page, logging out.
ConsoleAccountContext = Annotated[Context, Depends(console_account_context)]


async def console_context(ctx: ConsoleAccountContext, _: ConsoleUser) -> Context:
    return ctx


# What every console page hands to its action; the action decides who may.
ConsoleContext = Annotated[Context, Depends(console_context)]


async def check_csrf(request: Request, settings: SettingsDep, csrf: Annotated[str, Form()] = "") -> None:
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token or not same_token(csrf, csrf_token(token, settings)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="表单已过期，请刷新页面后重试 (bad CSRF token)")


CsrfChecked = Depends(check_csrf)

LOGIN_COOKIE = "jy_login"
LOGIN_PATH = "/console/login"


def _login_csrf(nonce: str, settings: Settings) -> str:
    return csrf_token(f"login:{nonce}", settings)


def login_form_token(request: Request) -> str:
    """Before the login form renders: its browser's random value (kept if it has one, so two open
    tabs both work); the form's token goes to the template (`csrf`)."""
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    request.state.csrf = _login_csrf(nonce, request.app.state.settings)
    return nonce


def set_login_cookie(response: Response, nonce: str, settings: Settings) -> None:
    response.set_cookie(LOGIN_COOKIE, nonce, path=LOGIN_PATH, httponly=True, samesite="strict",
                        secure=settings.secure_cookies, max_age=24 * 3600)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def check_login_csrf(request: Request, settings: SettingsDep, csrf: Annotated[str, Form()] = "") -> None:
    """The login form's token matches its cookie, and the post names no other site as its Origin.
    Browsers send `Origin: null` under our `Referrer-Policy: no-referrer` (and any page may choose
    that policy), so a missing or null Origin leaves it to the token, which a cross-site post lacks:
    its SameSite=Strict cookie stays behind."""
    origin = request.headers.get("origin", "null")
    ours = {"null", _origin(settings.public_base_url), _origin(str(request.base_url))}
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if origin not in ours or not nonce or not same_token(csrf, _login_csrf(nonce, settings)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="登录页已过期，请刷新后重新登录 (bad login form token or origin)")
    request.state.csrf = csrf  # a refused login shows the form again, still valid


LoginCsrfChecked = Depends(check_login_csrf)


def login_url(next_path: str) -> str:
    return f"/console/login?next={quote(next_path)}"
