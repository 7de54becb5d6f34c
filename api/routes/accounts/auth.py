"""Signing in (OAuth2 password flow, throttled), signing out, and one's own account."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from actions.accounts import actions as account_actions
from api.clock import NowDep
from api.deps import AccountContextDep, ClientAddressDep, SessionDep, SettingsDep, ThrottleDep
from contracts.directory.api import PasswordChange, Token, UserOut

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=Token)
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, settings: SettingsDep,
                throttle: ThrottleDep, client: ClientAddressDep, now: NowDep):
    """Anyone: exchange username and password for a bearer token (OAuth2 password flow). A teacher
    who has not set a password yet gives her activation code (开通码) as the password: the token
    then only sets one (POST /me/password; every other route answers 403, reason
    `must_change_password`). Too many failures for the username or from the address: 429 with
    Retry-After, whatever the password."""
    token = await account_actions.log_in(session, settings=settings, throttle=throttle, username=form.username,
                                         password=form.password, client=client, now=now)
    if token is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="用户名或密码错误 (wrong username or password)")
    return Token(access_token=token)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, summary="退出登录")
async def logout(ctx: AccountContextDep):
    """Any logged-in user: end my sessions; every token issued to me so far stops working."""
    await account_actions.log_out(ctx)


@router.get("/me", response_model=UserOut)
async def me(ctx: AccountContextDep):
    """Any logged-in user: who am I, with `role` and, for a teacher, `teacher_id`; answers also
    while `must_change_password`."""
    return account_actions.me(ctx)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT, summary="修改密码")
async def change_password(data: PasswordChange, ctx: AccountContextDep, throttle: ThrottleDep,
                          client: ClientAddressDep):
    """Any logged-in user: change my own password (`current_password`: the password, or the
    activation code on the first login; wrong ones are throttled like logins, 429). My sessions
    end, this one too: log in again."""
    await account_actions.change_my_password(ctx, data=data, throttle=throttle, client=client)
