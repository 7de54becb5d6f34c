"""Named recipient queries. Workflows name an audience ("campaign.not_submitted") instead of
listing thousands of user ids, so big lists never pass through workflow history; the activity
resolves the name when it sends.

The tables of names live beside their queries (services/campaigns/audiences.py,
services/series/audiences.py); the worker hands them to the notification activities."""

from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.notifications.history import Audience

Resolver = Callable[..., Awaitable[list[int]]]
Audiences = Mapping[str, Resolver]


async def resolve(session: AsyncSession, spec: Audience, audiences: Audiences) -> list[int]:
    """User ids of the audience, now. Unknown names are a programming error, not a transient one."""
    try:
        resolver = audiences[spec.name]
    except KeyError:
        raise LookupError(f"unknown audience {spec.name!r}; known: {sorted(audiences)}") from None
    return await resolver(session, **spec.params)
