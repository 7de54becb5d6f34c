from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import CurrentUser, SessionDep, SettingsDep
from contracts.directory import PasswordChange, Token, UserOut
from services import accounts
from services.security import create_access_token

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=Token)
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, settings: SettingsDep):
    """Anyone: exchange username and password for a bearer token (OAuth2 password flow)."""
    user = await accounts.authenticate(session, username=form.username, password=form.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="用户名或密码错误 (wrong username or password)")
    return Token(access_token=create_access_token(user_id=user.id, settings=settings))


@router.get("/me", response_model=UserOut)
async def me(user: CurrentUser):
    """Any logged-in user: who am I, with `role` and, for a teacher, `teacher_id`."""
    return user


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(data: PasswordChange, user: CurrentUser, session: SessionDep):
    """Any logged-in user: change my own password."""
    await accounts.change_password(session, user=user, data=data)
    await session.commit()
