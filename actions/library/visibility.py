"""Who sees a resource (decided here, for the API and the console alike): staff and admins see the
county's; a teacher sees those shared with the county, with her alliance (片区) if it is hers, with
her school if it is hers, and her own. A withdrawn resource is in no list, search or download."""

from dataclasses import dataclass

from actions.context import Context
from actions.policy import is_staff
from contracts.errors import Forbidden, NotFound
from contracts.library.api import ResourceStatus, Shelves, Visibility
from models import Resource, User
from services.directory.service import get_or_404
from services.library import service as library

HIDDEN = {
    Visibility.school: "该资源仅本校可见 (shared with its school only)",
    Visibility.alliance: "该资源仅本片区可见 (shared with its alliance only)",
}


@dataclass(frozen=True)
class Reader:
    user: User
    home: tuple[int, int] | None  # her school and alliance; None for staff and admins

    @property
    def school_id(self) -> int | None:
        return self.home[0] if self.home else None

    @property
    def cluster_id(self) -> int | None:
        return self.home[1] if self.home else None


async def reader(ctx: Context) -> Reader:
    return Reader(ctx.user, await library.home_of(ctx.session, user=ctx.user))


def visible_to(who: Reader) -> Shelves:
    """What this reader may find: every list and search applies it (services/library/search.py)."""
    if is_staff(who.user):
        return Shelves(everything=True)
    return Shelves(alliance_id=who.cluster_id, school_id=who.school_id, own_user_id=who.user.id)


def may_see(who: Reader, resource: Resource) -> bool:
    return visible_to(who).hold(visibility=resource.visibility, cluster_id=resource.cluster_id,
                                school_id=resource.school_id, author_user_id=resource.author_user_id)


def may_manage(who: Reader, resource: Resource) -> bool:
    """Its author, and staff (who may withdraw anything the county shares)."""
    return is_staff(who.user) or resource.author_user_id == who.user.id


async def readable(ctx: Context, resource_id: int) -> tuple[Reader, Resource]:
    """403 naming who it is shared with; a withdrawn one is gone (404) but to its author and staff."""
    who = await reader(ctx)
    resource = await get_or_404(ctx.session, Resource, resource_id)
    if not may_see(who, resource):
        raise Forbidden(HIDDEN[resource.visibility], visibility=str(resource.visibility))
    if resource.status == ResourceStatus.withdrawn and not may_manage(who, resource):
        raise NotFound("资源 (resource)", resource_id)
    return who, resource


async def available(ctx: Context, resource_id: int) -> tuple[Reader, Resource]:
    """Readable and not withdrawn: what may be downloaded, borrowed, found."""
    who, resource = await readable(ctx, resource_id)
    if resource.status == ResourceStatus.withdrawn:
        raise NotFound("资源 (resource)", resource_id)
    return who, resource
