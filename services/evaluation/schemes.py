"""Scheme versions: the default (from the seeds) is version 1; an admin's edit writes the next one."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import InvalidField
from contracts.evaluation.scheme import DEFAULT_SCHEME, Scheme, SourceKind
from models import EvaluationScheme, User
from services.evaluation.sources import QUERIES


async def current(session: AsyncSession) -> EvaluationScheme:
    """The newest version; the default is written as version 1 the first time one is asked for."""
    latest = await session.scalar(select(EvaluationScheme).order_by(EvaluationScheme.version.desc()).limit(1))
    if latest is None:
        latest = EvaluationScheme(version=1, definition=DEFAULT_SCHEME.model_dump(mode="json"))
        session.add(latest)
        await session.flush()
    return latest


async def save_version(session: AsyncSession, *, scheme: Scheme, actor: User) -> EvaluationScheme:
    for position, indicator in enumerate(scheme.indicators):
        if indicator.source == SourceKind.computed and indicator.query not in QUERIES:
            raise InvalidField(f"indicators.{position}.query", f"没有名为 {indicator.query} 的统计口径 (no such query)")
    version = (await session.scalar(select(func.max(EvaluationScheme.version))) or 0) + 1
    row = EvaluationScheme(version=version, definition=scheme.model_dump(mode="json"), created_by=actor.id)
    session.add(row)
    await session.flush()
    return row


def scheme_of(row: EvaluationScheme) -> Scheme:
    return Scheme.model_validate(row.definition)
