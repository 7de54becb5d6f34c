"""Request dependencies: settings, database session, Temporal client, the current user (who is
asking: 401 without a valid token; 403 while the login must set a password first) and the action
context. Who may do what is the actions' call.

All of them are `async def`, even those that never wait: FastAPI runs a plain `def` dependency
in its thread pool, a thread hop per dependency per request."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from temporalio.client import Client

from actions.context import Context
from actions.policy import require_password_set
from api import audit
from api.clock import NowDep
from config import Settings
from contracts.limits import MAX_OFFSET, MAX_PAGE_SIZE
from models import Teacher, User
from services.accounts.login_throttle import LoginThrottle
from services.accounts.security import token_claims
from services.campaigns.vector_queue import VectorQueue

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request. The action a route calls commits before the route answers, so a
    2xx always means "persisted"; a write's audit row commits with it (api/audit.py)."""
    async with request.app.state.session_factory() as session:
        audit.watch(request, session)
        yield session


async def get_temporal(request: Request) -> Client:
    return request.app.state.temporal


async def get_vector_queue(request: Request) -> VectorQueue:
    return request.app.state.vector_queue


async def get_login_throttle(request: Request) -> LoginThrottle:
    return request.app.state.login_throttle


async def get_client_address(request: Request) -> str:
    """The address the login limits count: the peer's, or, from a proxy named in TRUSTED_PROXIES,
    the one its X-Forwarded-For gives (webapp.py)."""
    return request.client.host if request.client else ""


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
VectorQueueDep = Annotated[VectorQueue, Depends(get_vector_queue)]
ThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]
ClientAddressDep = Annotated[str, Depends(get_client_address)]


async def load_user(session: AsyncSession, user_id: int) -> User | None:
    """Who is asking, with her teacher record, in one query (the relationships' own loaders would
    take two more)."""
    return await session.get(User, user_id, options=[joinedload(User.teacher).joinedload(Teacher.subject_rows)])


async def user_for_token(session: AsyncSession, settings: Settings, token: str | None) -> User | None:
    """The active login a valid token was issued to, unless its sessions ended since (logout,
    password change, deactivation bump the login's token version)."""
    claims = token_claims(token, settings=settings) if token else None
    user = await load_user(session, claims.user_id) if claims else None
    if user is None or not user.active or user.token_version != claims.version:
        return None
    return user


async def get_login(
    request: Request, session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    """Who is asking, also a login that must set a password first."""
    user = await user_for_token(session, settings, token)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="未登录或登录已过期 (not authenticated)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.user = user  # for the audit row: the user is loaded once per request
    return user


async def get_current_user(user: Annotated[User, Depends(get_login)]) -> User:
    require_password_set(user)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_account_context(user: Annotated[User, Depends(get_login)], session: SessionDep, temporal: TemporalDep,
                              settings: SettingsDep, now: NowDep, vectors: VectorQueueDep) -> Context:
    return Context(user=user, session=session, temporal=temporal, settings=settings, now=now, vectors=vectors)


# The routes a login that must set a password may still use: who am I, set it, log out.
AccountContextDep = Annotated[Context, Depends(get_account_context)]


async def get_context(ctx: AccountContextDep, _: CurrentUser) -> Context:
    return ctx


# What every authenticated route hands to its action; the action decides who may.
ContextDep = Annotated[Context, Depends(get_context)]


class PageParams(BaseModel):
    offset: int
    limit: int


async def page_params(
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0, limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50
) -> PageParams:
    return PageParams(offset=offset, limit=limit)


PageDep = Annotated[PageParams, Depends(page_params)]
