"""The evaluation scheme (考评方案): five dimensions, weighted indicators, versioned."""

from fastapi import APIRouter

from actions.evaluation import actions as evaluation_actions
from api.deps import ContextDep
from contracts.evaluation.api import SchemeOut
from contracts.evaluation.scheme import Scheme

router = APIRouter(prefix="/evaluation", tags=["evaluation"])


@router.get("/scheme", response_model=SchemeOut)
async def read_scheme(ctx: ContextDep):
    """Staff, admin: the current scheme and the named queries a computed indicator may use."""
    return await evaluation_actions.read_scheme(ctx)


@router.put("/scheme", response_model=SchemeOut, summary="修改考评方案")
async def save_scheme(scheme: Scheme, ctx: ContextDep):
    """Admin: save the scheme as its next version; rounds already open keep the version they began with."""
    return await evaluation_actions.save_scheme(ctx, scheme=scheme)
