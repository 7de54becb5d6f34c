"""Named recipient queries. A domain registers how to find "who should hear this" once, and
workflows refer to it by name, so thousands of user ids never travel through workflow history.

    @audience("campaign.not_submitted")
    async def _(session, *, campaign_id: int) -> list[int]: ...
"""

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.notifications import Audience

Resolver = Callable[..., Awaitable[list[int]]]
_RESOLVERS: dict[str, Resolver] = {}


def audience(name: str) -> Callable[[Resolver], Resolver]:
    def register(resolver: Resolver) -> Resolver:
        if name in _RESOLVERS:
            raise ValueError(f"audience {name!r} registered twice")
        _RESOLVERS[name] = resolver
        return resolver

    return register


async def resolve(session: AsyncSession, spec: Audience) -> list[int]:
    """User ids of the audience, now. Unknown names are a programming error, not a transient one."""
    try:
        resolver = _RESOLVERS[spec.name]
    except KeyError:
        raise LookupError(f"unknown audience {spec.name!r}; known: {sorted(_RESOLVERS)}") from None
    return await resolver(session, **spec.params)
