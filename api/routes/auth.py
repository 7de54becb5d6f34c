"""Signing in (OAuth2 password flow) and one's own account."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from actions import accounts as account_actions
from api.deps import ContextDep, SessionDep, SettingsDep
from contracts.directory import PasswordChange, Token, UserOut

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=Token)
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, settings: SettingsDep):
    """Anyone: exchange username and password for a bearer token (OAuth2 password flow)."""
    token = await account_actions.log_in(session, settings=settings, username=form.username, password=form.password)
    if token is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="用户名或密码错误 (wrong username or password)")
    return Token(access_token=token)


@router.get("/me", response_model=UserOut)
async def me(ctx: ContextDep):
    """Any logged-in user: who am I, with `role` and, for a teacher, `teacher_id`."""
    return account_actions.me(ctx)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(data: PasswordChange, ctx: ContextDep):
    """Any logged-in user: change my own password."""
    await account_actions.change_my_password(ctx, data=data)
